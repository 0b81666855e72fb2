#include "cli/text_input.h"

#include <sys/types.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/commands.h"

namespace textembed::cli {

void Fail(std::string_view command, const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(command.size()), command.data(), message.c_str());
  throw CLI::RuntimeError(kExitFailure);
}

LineReader::~LineReader() { std::free(buffer_); }

Result<std::optional<std::string_view>> LineReader::Next() {
  errno = 0;
  const ssize_t length = ::getline(&buffer_, &capacity_, file_);
  if (length < 0) {
    if (std::ferror(file_)) return Status::IoError(std::string("reading input: ") + std::strerror(errno));
    return std::optional<std::string_view>();
  }
  std::string_view line(buffer_, static_cast<size_t>(length));
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  return std::optional<std::string_view>(line);
}

Result<std::string_view> JsonlTextParser::Parse(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos)
    return Status::InvalidArgument("blank line (expected a JSON string or an object with \"text\")");
  simdjson::dom::element element;
  // realloc_if_needed: the line buffer has no SIMDJSON_PADDING after it.
  if (auto error = parser_.parse(line.data(), line.size(), true).get(element))
    return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
  if (element.is_string()) return std::string_view(element.get_string().value_unsafe());
  if (element.is_object()) {
    simdjson::dom::element text;
    if (element.get_object().value_unsafe().at_key("text").get(text))
      return Status::InvalidArgument("JSON object has no \"text\" member");
    if (!text.is_string()) return Status::InvalidArgument("\"text\" is not a string");
    return std::string_view(text.get_string().value_unsafe());
  }
  return Status::InvalidArgument("expected a JSON string or an object with \"text\"");
}

Result<std::optional<std::string_view>> TextReader::Next() {
  TEXTEMBED_ASSIGN_OR_RETURN(std::optional<std::string_view> line, lines_.Next());
  if (!line) return line;
  ++line_number_;
  if (!jsonl_) return line;
  Result<std::string_view> text = parser_.Parse(*line);
  if (!text.ok()) return text.status().WithContext("line " + std::to_string(line_number_));
  return std::optional<std::string_view>(*text);
}

}  // namespace textembed::cli
