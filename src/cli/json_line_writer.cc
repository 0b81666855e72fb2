#include "cli/json_line_writer.h"

#include <cerrno>
#include <cstring>

#include "cli/text_input.h"
#include "core/utf8.h"

namespace textembed::cli {

void JsonLineWriter::Write(const Encoding& encoding, bool with_type_ids) {
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
  buffer_ += ']';
  if (with_type_ids) {
    buffer_ += ",\"type_ids\":[";
    for (size_t i = 0; i < encoding.type_ids.size(); ++i) {
      if (i) buffer_ += ',';
      AppendInt(encoding.type_ids[i]);
    }
    buffer_ += ']';
  }
  buffer_ += "}\n";
  MaybeFlush();
}

void JsonLineWriter::WriteString(std::string_view text) {
  AppendString(text);
  buffer_ += '\n';
  MaybeFlush();
}

void JsonLineWriter::Flush() {
  if (buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size() || std::fflush(file_) != 0) {
    buffer_.clear();
    Fail(command_, std::string("writing stdout: ") + std::strerror(errno));
  }
  buffer_.clear();
}

void JsonLineWriter::AppendInt(int64_t value) {
  char digits[24];
  int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(value));
  buffer_.append(digits, static_cast<size_t>(n));
}

void JsonLineWriter::AppendString(std::string_view text) {
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

}  // namespace textembed::cli
