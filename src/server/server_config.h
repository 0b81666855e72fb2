// Every setting of `textembed serve` in one table: its flag (--max-body),
// environment variable (TEXTEMBED_MAX_BODY), default and meaning. A value is
// taken from the first place that has it: flag > environment > .env file >
// default. The same table prints the README's configuration section
// (`textembed serve --print-settings`).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_handler.h"
#include "server/http_server.h"
#include "server/log_line.h"
#include "textembed/service.h"
#include "textembed/status.h"

namespace textembed::server {

struct ServeConfig {
  ServiceOptions service;
  HttpServerOptions http;
  ApiOptions api;
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint16_t metrics_port = 2112;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
  std::chrono::milliseconds shutdown_timeout{30'000};
};

struct Setting {
  std::string_view key;      // snake_case; the flag is --key-with-dashes, the variable TEXTEMBED_KEY
  std::string_view fallback; // the default, as text (parsed like any other value)
  std::string_view help;
  bool repeatable = false;   // --model: several flags, or a comma-separated variable
  std::function<Status(const std::vector<std::string>& values, ServeConfig* config)> apply;

  std::string flag() const;     // "--max-body"
  std::string env_name() const; // "TEXTEMBED_MAX_BODY"
};

const std::vector<Setting>& ServeSettings();

// Where values come from. `flags` maps a setting key to the values given on
// the command line; `env` looks up an environment variable (nullopt: unset).
struct ConfigSources {
  std::map<std::string, std::vector<std::string>> flags;
  std::function<std::optional<std::string>(const std::string&)> env;
  std::map<std::string, std::string> dotenv;  // variable name → value
};

// Applies every setting from its highest-priority source. Errors name the
// setting and where its value came from.
Result<ServeConfig> ResolveServeConfig(const ConfigSources& sources);

// KEY=VALUE lines; blank lines and # comments skipped; optional `export `;
// values may be 'single' or "double" quoted (no interpolation).
Result<std::map<std::string, std::string>> ParseDotEnv(std::string_view text);

// "512", "256KiB", "64MB", "1GiB", "2G" (K/M/G are binary multiples).
Result<size_t> ParseByteSize(std::string_view text);
// "250ms", "10s", "2m", "500us".
Result<std::chrono::microseconds> ParseDuration(std::string_view text);

// The settings as a Markdown table (for README / docs/server.md).
std::string SettingsMarkdownTable();

}  // namespace textembed::server
