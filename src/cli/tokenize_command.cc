// `textembed tokenize`: one text per stdin line in, one JSON object per line out.
//
//   textembed tokenize --model PATH [--max-length N] [--no-special-tokens] [--jsonl]
//
// Output per input line: {"ids":[...],"tokens":[...],"offsets":[[begin,end],...]}
// where offsets are byte ranges [begin, end) of the input line (of the decoded
// string with --jsonl) and special tokens get [0,0], as in HF `tokenizers`.
//
// Line handling: only the terminating "\n" is removed. A "\r" before it is part
// of the text (CRLF input keeps its "\r", which every shipped normalizer treats
// as whitespace); scripts that need exact control use --jsonl, where each line
// is a JSON string or an object with a "text" string and may carry any
// character. With --jsonl a blank or malformed line is an error naming its line
// number: skipping it would silently misalign output and input lines.
//
// Input is streamed line by line and output is written through a buffer, so
// memory stays proportional to the longest line, not to the input.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "cli/text_input.h"
#include "core/utf8.h"
#include "textembed/tokenizer.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed tokenize";

[[noreturn]] void Fail(const std::string& message) { cli::Fail(kCommand, message); }

// Builds JSON lines in a buffer and hands them to stdout in large writes.
class JsonLineWriter {
 public:
  explicit JsonLineWriter(FILE* file) : file_(file) { buffer_.reserve(kFlushBytes * 2); }
  JsonLineWriter(const JsonLineWriter&) = delete;
  JsonLineWriter& operator=(const JsonLineWriter&) = delete;

  void Write(const Encoding& encoding) {
    buffer_ += "{\"ids\":[";
    for (size_t i = 0; i < encoding.ids.size(); ++i) {
      if (i) buffer_ += ',';
      AppendInt(encoding.ids[i]);
    }
    buffer_ += "],\"tokens\":[";
    for (size_t i = 0; i < encoding.tokens.size(); ++i) {
      if (i) buffer_ += ',';
      AppendString(encoding.tokens[i]);
    }
    buffer_ += "],\"offsets\":[";
    for (size_t i = 0; i < encoding.offsets.size(); ++i) {
      if (i) buffer_ += ',';
      buffer_ += '[';
      AppendInt(encoding.offsets[i].begin);
      buffer_ += ',';
      AppendInt(encoding.offsets[i].end);
      buffer_ += ']';
    }
    buffer_ += "]}\n";
    if (buffer_.size() >= kFlushBytes) Flush();
  }

  void Flush() {
    if (buffer_.empty()) return;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size() ||
        std::fflush(file_) != 0) {
      buffer_.clear();
      Fail(std::string("writing stdout: ") + std::strerror(errno));
    }
    buffer_.clear();
  }

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 16;

  void AppendInt(int64_t value) {
    char digits[24];
    int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(value));
    buffer_.append(digits, static_cast<size_t>(n));
  }

  // JSON string with the escapes RFC 8259 requires; bytes that are not valid
  // UTF-8 (tokens should never contain any) become U+FFFD so the output line
  // always parses.
  void AppendString(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    buffer_ += '"';
    size_t pos = 0;
    while (pos < text.size()) {
      unsigned char byte = static_cast<unsigned char>(text[pos]);
      if (byte >= 0x80) {
        utf8::Decoded decoded = utf8::DecodeAt(text, pos);
        if (decoded.code_point == utf8::kReplacementChar &&
            text.substr(pos, 3) != "\xEF\xBF\xBD") {
          buffer_ += "\xEF\xBF\xBD";
        } else {
          buffer_.append(text.data() + pos, decoded.length);
        }
        pos += decoded.length;
        continue;
      }
      switch (byte) {
        case '"': buffer_ += "\\\""; break;
        case '\\': buffer_ += "\\\\"; break;
        case '\n': buffer_ += "\\n"; break;
        case '\r': buffer_ += "\\r"; break;
        case '\t': buffer_ += "\\t"; break;
        case '\b': buffer_ += "\\b"; break;
        case '\f': buffer_ += "\\f"; break;
        default:
          if (byte < 0x20) {
            buffer_ += "\\u00";
            buffer_ += kHex[byte >> 4];
            buffer_ += kHex[byte & 0xF];
          } else {
            buffer_ += static_cast<char>(byte);
          }
      }
      ++pos;
    }
    buffer_ += '"';
  }

  FILE* file_;
  std::string buffer_;
};

struct TokenizeFlags {
  std::string model;
  std::optional<size_t> max_length;
  bool no_special_tokens = false;
  bool jsonl = false;
};

void RunTokenize(const TokenizeFlags& flags) {
  Result<Tokenizer> tokenizer = Tokenizer::Load(flags.model);
  if (!tokenizer.ok()) Fail(tokenizer.status().ToString());

  EncodeOptions options;
  options.add_special_tokens = !flags.no_special_tokens;
  options.max_length = flags.max_length;

  TextReader reader(stdin, flags.jsonl);
  JsonLineWriter writer(stdout);
  while (true) {
    Result<std::optional<std::string_view>> text = reader.Next();
    if (!text.ok()) {
      writer.Flush();  // the lines before the bad one stay usable
      Fail(text.status().message());
    }
    if (!*text) break;
    Result<Encoding> encoding = tokenizer->Encode(**text, options);
    if (!encoding.ok()) {
      writer.Flush();
      Fail("line " + std::to_string(reader.line_number()) + ": " + encoding.status().ToString());
    }
    writer.Write(*encoding);
  }
  writer.Flush();
}

}  // namespace

void AddTokenizeCommand(CLI::App& app) {
  auto flags = std::make_shared<TokenizeFlags>();
  CLI::App* command = app.add_subcommand(
      "tokenize",
      "Tokenize one text per stdin line; write {\"ids\",\"tokens\",\"offsets\"} JSON lines "
      "(offsets are UTF-8 byte ranges of the line)");
  command->add_option("--model", flags->model, "tokenizer.json, or a folder holding one")
      ->required();
  command->add_option("--max-length", flags->max_length,
                      "maximum tokens per text, special tokens included; 0 = no truncation "
                      "(default: tokenizer.json's truncation)")
      // Without the check CLI11 wraps "-3" around to a huge size_t.
      ->check(CLI::Validator(
          [](const std::string& value) {
            // At most 18 digits: CLI11 does not report size_t overflow.
            bool digits_only = !value.empty() && value.size() <= 18 &&
                               value.find_first_not_of("0123456789") == std::string::npos;
            return digits_only ? std::string() : "must be an integer >= 0, got " + value;
          },
          "INT>=0"));
  command->add_flag("--no-special-tokens", flags->no_special_tokens,
                    "do not add the post-processor's special tokens ([CLS], </s>, ...)");
  command->add_flag("--jsonl", flags->jsonl,
                    "each line is a JSON string or an object with a \"text\" string");
  command->callback([flags] { RunTokenize(*flags); });
}

}  // namespace textembed::cli
