#include "server/log_line.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "server/json_writer.h"

namespace textembed::server {
namespace {

// JSON lines: {"time":...,"level":...,<fields>}. A LogLine payload already is
// `"msg":...,` fields; any other message (from the library) is escaped into "msg".
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto time = std::chrono::system_clock::to_time_t(msg.time);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count() % 1000000;
    std::tm utc{};
    gmtime_r(&time, &utc);
    char stamp[64];
    const size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string line = "{\"time\":\"";
    line.append(stamp, length);
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(micros));
    line += fraction;
    line += "\",\"level\":\"";
    const auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",";
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (payload.starts_with("\"msg\":")) {
      line += payload;
    } else {
      line += "\"msg\":";
      AppendJsonEscaped(payload, &line);
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

}  // namespace

LogLine::LogLine(LogFormat format, std::string_view message) : format_(format) {
  if (format_ == LogFormat::kJson) {
    text_ = "\"msg\":";
    AppendJsonEscaped(message, &text_);
  } else {
    text_ = message;
  }
}

LogLine& LogLine::Add(std::string_view key, std::string_view value) {
  if (format_ == LogFormat::kJson) {
    text_ += ',';
    AppendJsonEscaped(key, &text_);
    text_ += ':';
    AppendJsonEscaped(value, &text_);
    return *this;
  }
  text_ += ' ';
  text_ += key;
  text_ += '=';
  // Quote values a reader could not split on spaces.
  if (value.empty() || value.find_first_of(" \"=") != std::string_view::npos) {
    AppendJsonEscaped(value, &text_);
  } else {
    text_ += value;
  }
  return *this;
}

LogLine& LogLine::Add(std::string_view key, int64_t value) {
  if (format_ == LogFormat::kJson) {
    text_ += ',';
    AppendJsonEscaped(key, &text_);
    text_ += ':';
  } else {
    text_ += ' ';
    text_ += key;
    text_ += '=';
  }
  text_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::Add(std::string_view key, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.3f", value);
  if (format_ == LogFormat::kJson) {
    text_ += ',';
    AppendJsonEscaped(key, &text_);
    text_ += ':';
    text_ += number;
  } else {
    text_ += ' ';
    text_ += key;
    text_ += '=';
    text_ += number;
  }
  return *this;
}

bool ConfigureLogging(LogFormat format, std::string_view level_name) {
  const spdlog::level::level_enum level = spdlog::level::from_str(std::string(level_name));
  // from_str answers "off" for names it does not know.
  if (level == spdlog::level::off && level_name != "off") return false;
  auto logger = spdlog::stderr_logger_mt("textembed");
  spdlog::drop("textembed");
  logger->set_level(level);
  if (format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace textembed::server
