// One structured log event: a message and key/value fields, rendered either
// as `msg key=value ...` (text) or as the fields of a JSON object (json; the
// logger's pattern wraps them with time and level, see ConfigureLogging).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace textembed::server {

enum class LogFormat { kText, kJson };

class LogLine {
 public:
  LogLine(LogFormat format, std::string_view message);
  LogLine& Add(std::string_view key, std::string_view value);
  LogLine& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  LogLine& Add(std::string_view key, int64_t value);
  LogLine& Add(std::string_view key, double value);
  const std::string& str() const { return text_; }

 private:
  LogFormat format_;
  std::string text_;
};

// Sets spdlog's default logger: stderr, the given level ("trace".."off"), and
// a pattern matching the format (JSON lines carry "time" and "level").
// Returns false for an unknown level name.
bool ConfigureLogging(LogFormat format, std::string_view level);

}  // namespace textembed::server
