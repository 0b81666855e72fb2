// Buffered JSON-lines output shared by the CLI commands that print JSON
// (tokenize, decode): RFC 8259 escaping, large writes to stdout; and their
// loop answering each input line with one output line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "cli/text_input.h"
#include "textembed/tokenizer.h"

namespace textembed::cli {

class JsonLineWriter {
 public:
  // `command` prefixes the error raised (through Fail) when a write fails.
  JsonLineWriter(FILE* file, std::string_view command) : file_(file), command_(command) {
    buffer_.reserve(kFlushBytes * 2);
  }
  JsonLineWriter(const JsonLineWriter&) = delete;
  JsonLineWriter& operator=(const JsonLineWriter&) = delete;

  // {"ids":[...],"tokens":[...],"offsets":[[b,e],...]} (then "type_ids":[...]
  // when asked) and a newline.
  void Write(const Encoding& encoding, bool with_type_ids = false);
  // One JSON string and a newline.
  void WriteString(std::string_view text);
  void Flush();

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 16;
  void AppendInt(int64_t value);
  // Bytes that are not valid UTF-8 become U+FFFD so the line always parses.
  void AppendString(std::string_view text);
  void MaybeFlush() {
    if (buffer_.size() >= kFlushBytes) Flush();
  }

  FILE* file_;
  std::string_view command_;
  std::string buffer_;
};

// The loop of the commands that answer each input text with one JSON line
// (tokenize, tokenize --pairs, decode). `answer(text)` writes the text's line
// to `writer`, or returns why the text is bad, worded as the error shows it.
// A read error or the first bad text ends the command through Fail (a bad
// text named by its line number) once the lines before it are flushed, so
// they stay usable.
template <class Answer>
void AnswerEachText(std::string_view command, TextReader& reader, JsonLineWriter& writer, Answer answer) {
  while (true) {
    Result<std::optional<std::string_view>> text = reader.Next();
    if (!text.ok()) {
      writer.Flush();
      Fail(command, text.status().message());
    }
    if (!*text) break;
    if (const std::optional<std::string> error = answer(**text)) {
      writer.Flush();
      Fail(command, "line " + std::to_string(reader.line_number()) + ": " + *error);
    }
  }
  writer.Flush();
}

}  // namespace textembed::cli
