// Reading texts the way every textembed command takes them: one per stdin
// line, or with --jsonl each line a JSON string or an object with "text".
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "textembed/status.h"

namespace textembed::cli {

// Prints "<command>: error: <message>" to stderr and throws
// CLI::RuntimeError(kExitFailure), which main() turns into the exit status.
[[noreturn]] void Fail(std::string_view command, const std::string& message);

// Reads a file one line at a time with POSIX getline(), which copes with
// arbitrarily long lines and embedded NUL bytes. Only the "\n" is removed.
class LineReader {
 public:
  explicit LineReader(FILE* file) : file_(file) {}
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader();

  // The next line; nullopt at end of input; an error if the read failed. The
  // view stays valid until the next call.
  Result<std::optional<std::string_view>> Next();

 private:
  FILE* file_;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
};

// Extracts the text of one --jsonl line: a JSON string, or an object whose
// "text" member is a string. A blank line is an error: skipping it would
// silently misalign output and input lines.
class JsonlTextParser {
 public:
  // The view stays valid until the next call.
  Result<std::string_view> Parse(std::string_view line);

 private:
  simdjson::dom::parser parser_;
};

// Lines of `file` as texts, numbering them for error messages.
class TextReader {
 public:
  TextReader(FILE* file, bool jsonl) : lines_(file), jsonl_(jsonl) {}

  // The next text; nullopt at end of input. Errors name the line number.
  Result<std::optional<std::string_view>> Next();
  size_t line_number() const { return line_number_; }

 private:
  LineReader lines_;
  JsonlTextParser parser_;
  bool jsonl_;
  size_t line_number_ = 0;
};

}  // namespace textembed::cli
