#include "server/server_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

namespace textembed::server {
namespace {

Status Bad(std::string_view what, std::string_view value) {
  return Status::InvalidArgument(std::string(what) + ", got \"" + std::string(value) + "\"");
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

Result<uint64_t> ParseUnsigned(std::string_view text) {
  text = Trim(text);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return Bad("expected a non-negative integer", text);
  return value;
}

Result<bool> ParseBool(std::string_view text) {
  std::string lower(Trim(text));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return Bad("expected true or false", text);
}

// Setters for the table: each parses one value into one field.
using Apply = std::function<Status(const std::vector<std::string>&, ServeConfig*)>;

Apply Unsigned(std::function<void(ServeConfig*, uint64_t)> store, uint64_t min, uint64_t max) {
  return [store, min, max](const std::vector<std::string>& values, ServeConfig* config) -> Status {
    Result<uint64_t> value = ParseUnsigned(values.back());
    if (!value.ok()) return value.status();
    if (*value < min || *value > max)
      return Bad("expected a number from " + std::to_string(min) + " to " + std::to_string(max), values.back());
    store(config, *value);
    return Status::Ok();
  };
}

Apply Bytes(std::function<void(ServeConfig*, size_t)> store) {
  return [store](const std::vector<std::string>& values, ServeConfig* config) -> Status {
    Result<size_t> value = ParseByteSize(values.back());
    if (!value.ok()) return value.status();
    store(config, *value);
    return Status::Ok();
  };
}

template <typename Duration>
Apply Time(std::function<void(ServeConfig*, Duration)> store) {
  return [store](const std::vector<std::string>& values, ServeConfig* config) -> Status {
    Result<std::chrono::microseconds> value = ParseDuration(values.back());
    if (!value.ok()) return value.status();
    store(config, std::chrono::duration_cast<Duration>(*value));
    return Status::Ok();
  };
}

Apply Text(std::function<Status(ServeConfig*, const std::string&)> store) {
  return [store](const std::vector<std::string>& values, ServeConfig* config) { return store(config, values.back()); };
}

Apply Flag(std::function<void(ServeConfig*, bool)> store) {
  return [store](const std::vector<std::string>& values, ServeConfig* config) -> Status {
    Result<bool> value = ParseBool(values.back());
    if (!value.ok()) return value.status();
    store(config, *value);
    return Status::Ok();
  };
}

// DIR (served under its folder name), HUB_ID (under the id), or NAME=SOURCE.
Status ApplyModels(const std::vector<std::string>& values, ServeConfig* config) {
  config->service.models.clear();
  for (const std::string& raw : values) {
    const std::string_view value = Trim(raw);
    if (value.empty()) continue;
    ModelSpec spec;
    if (const size_t equals = value.find('='); equals != std::string_view::npos) {
      spec.name = std::string(Trim(value.substr(0, equals)));
      spec.source = std::string(Trim(value.substr(equals + 1)));
      if (spec.name.empty() || spec.source.empty()) return Bad("expected NAME=DIR or NAME=HUB_ID", value);
    } else {
      spec.source = std::string(value);
      std::error_code ec;
      if (std::filesystem::is_directory(spec.source, ec)) {
        std::filesystem::path path(spec.source);
        if (!path.has_filename()) path = path.parent_path();  // "models/x/"
        spec.name = path.filename().string();
      } else {
        spec.name = spec.source;
      }
    }
    if (const size_t at = spec.source.rfind('@'); at != std::string::npos && !std::filesystem::exists(spec.source)) {
      spec.revision = spec.source.substr(at + 1);  // HUB_ID@REVISION
      spec.source.resize(at);
      if (spec.name.find('@') != std::string::npos) spec.name.resize(spec.name.find('@'));
    }
    for (const ModelSpec& other : config->service.models)
      if (other.name == spec.name) return Bad("two models named \"" + spec.name + "\"; use NAME=SOURCE", value);
    config->service.models.push_back(std::move(spec));
  }
  return Status::Ok();
}

std::vector<Setting> MakeSettings() {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  constexpr uint64_t kMaxPort = 65535;
  std::vector<Setting> s;
  s.push_back({"model", "", "Model to serve: DIR (named by its folder), HUB_ID[@REVISION] (named by its id) or NAME=DIR|HUB_ID. Repeat the flag (or separate with commas) for several; the first is the default.", true, ApplyModels});
  s.push_back({"models_dir", "", "Also serve every sub-folder with a config.json, by folder name.", false,
               Text([](ServeConfig* c, const std::string& v) { c->service.models_dir = v; return Status::Ok(); })});
  s.push_back({"host", "127.0.0.1", "Address to listen on (0.0.0.0 for all interfaces).", false,
               Text([](ServeConfig* c, const std::string& v) { c->host = v; return Status::Ok(); })});
  s.push_back({"port", "8080", "HTTP port of the API (0: any free port, logged).", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->port = static_cast<uint16_t>(v); }, 0, kMaxPort)});
  s.push_back({"metrics_port", "2112", "Port of GET /metrics (Prometheus) and GET /health.", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->metrics_port = static_cast<uint16_t>(v); }, 0, kMaxPort)});
  s.push_back({"api_key", "", "If set, requests need `Authorization: Bearer <key>` (/health stays open).", false,
               Text([](ServeConfig* c, const std::string& v) { c->api.api_key = v; return Status::Ok(); })});
  s.push_back({"threads", "0", "Inference threads (0: all cores).", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->service.threads = static_cast<int>(v); }, 0, 1024)});
  s.push_back({"max_length", "0", "Tokens per text, special tokens included (0: each model's own).", false,
               Unsigned([](ServeConfig* c, uint64_t v) {
                 c->service.max_length = v ? std::optional<size_t>(v) : std::nullopt;
               }, 0, 1u << 20)});
  s.push_back({"auto_truncate", "true", "Truncate texts over the max length (TEI `truncate` default); false: 413.", false,
               Flag([](ServeConfig* c, bool v) { c->api.auto_truncate = v; })});
  s.push_back({"memory_limit", "0", "Bytes for loaded models' weights and working memory (0: no limit).", false,
               Bytes([](ServeConfig* c, size_t v) { c->service.memory_limit_bytes = v; })});
  s.push_back({"max_batch_tokens", "0", "Tokens per forward batch (0: auto-tuned toward target_latency).", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->service.batching.max_batch_tokens = v; }, 0, 1u << 24)});
  s.push_back({"max_batch_wait", "2ms", "How long a batch waits to fill.", false,
               Time<microseconds>([](ServeConfig* c, microseconds v) { c->service.batching.max_wait = v; })});
  s.push_back({"adaptive_batch_wait", "true",
               "Wait to fill only while other requests arrive within max_batch_wait (a lone client never waits); false: always wait.",
               false, Flag([](ServeConfig* c, bool v) { c->service.batching.adaptive_wait = v; })});
  s.push_back({"target_latency", "50ms", "Auto-tuning goal for one forward pass.", false,
               Time<milliseconds>([](ServeConfig* c, milliseconds v) { c->service.batching.target_latency = v; })});
  s.push_back({"max_queued_tokens", "1048576", "Tokens waiting for the batcher; beyond, requests get 429.", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->service.batching.max_queued_tokens = v; }, 1, uint64_t{1} << 40)});
  s.push_back({"cache_entries", "100000", "Embeddings kept in the memory cache (0: no memory cache).", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->service.cache.memory_max_entries = v; }, 0, uint64_t{1} << 40)});
  s.push_back({"cache_memory", "256MiB", "Bytes of the memory cache.", false,
               Bytes([](ServeConfig* c, size_t v) { c->service.cache.memory_max_bytes = v; })});
  s.push_back({"cache_dir", "", "Folder of the disk cache (LMDB); empty: no disk cache.", false,
               Text([](ServeConfig* c, const std::string& v) { c->service.cache.disk_dir = v; return Status::Ok(); })});
  s.push_back({"cache_disk", "1GiB", "Bytes of the disk cache.", false,
               Bytes([](ServeConfig* c, size_t v) { c->service.cache.disk_max_bytes = v; })});
  s.push_back({"cache_warm_file", "", "Texts (one per line) embedded into the cache at start-up.", false,
               Text([](ServeConfig* c, const std::string& v) { c->service.cache.warm_file = v; return Status::Ok(); })});
  s.push_back({"max_body", "2MiB", "Largest request body; larger gets 413.", false,
               Bytes([](ServeConfig* c, size_t v) { c->http.max_body_bytes = v; c->api.max_body_bytes = v; })});
  s.push_back({"max_inputs", "2048", "Texts per request; more gets 400.", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->api.limits.max_inputs = v; }, 1, 1u << 20)});
  s.push_back({"max_concurrent_requests", "512", "Requests being handled at once; more get 429 with Retry-After.", false,
               Unsigned([](ServeConfig* c, uint64_t v) {
                 c->http.max_concurrent_requests = v;
                 c->api.max_concurrent_requests = v;
               }, 1, 1u << 20)});
  s.push_back({"header_timeout", "10s", "Time for a request's headers once its first byte arrived (408 after).", false,
               Time<milliseconds>([](ServeConfig* c, milliseconds v) { c->http.header_timeout = v; })});
  s.push_back({"body_timeout", "30s", "Time to receive a request body, and to send a response.", false,
               Time<milliseconds>([](ServeConfig* c, milliseconds v) { c->http.body_timeout = v; })});
  s.push_back({"idle_timeout", "60s", "How long a keep-alive connection may wait for its next request.", false,
               Time<milliseconds>([](ServeConfig* c, milliseconds v) { c->http.idle_timeout = v; })});
  s.push_back({"request_timeout", "60s", "Deadline of one request from its arrival (504 after).", false,
               Time<milliseconds>([](ServeConfig* c, milliseconds v) { c->api.request_timeout = v; })});
  s.push_back({"shutdown_timeout", "30s", "On SIGINT/SIGTERM, how long in-flight requests may take to finish.", false,
               Time<milliseconds>([](ServeConfig* c, milliseconds v) { c->shutdown_timeout = v; })});
  s.push_back({"io_threads", "2", "Threads reading and writing connections.", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->http.io_threads = static_cast<int>(v); }, 1, 256)});
  s.push_back({"worker_threads", "32", "Threads running request handlers (each waits on the batcher).", false,
               Unsigned([](ServeConfig* c, uint64_t v) { c->http.worker_threads = static_cast<int>(v); }, 1, 4096)});
  s.push_back({"log_level", "info", "trace, debug, info, warn, error, critical or off.", false,
               Text([](ServeConfig* c, const std::string& v) -> Status {
                 static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
                 if (std::find(std::begin(kLevels), std::end(kLevels), v) == std::end(kLevels))
                   return Bad("expected trace, debug, info, warn, error, critical or off", v);
                 c->log_level = v;
                 return Status::Ok();
               })});
  s.push_back({"log_format", "text", "text (key=value) or json (one object per line).", false,
               Text([](ServeConfig* c, const std::string& v) -> Status {
                 if (v == "text") c->log_format = LogFormat::kText;
                 else if (v == "json") c->log_format = LogFormat::kJson;
                 else return Bad("expected text or json", v);
                 c->api.log_format = c->log_format;
                 return Status::Ok();
               })});
  return s;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (const std::string_view item = Trim(text.substr(start, comma - start)); !item.empty()) items.emplace_back(item);
    start = comma + 1;
  }
  return items;
}

}  // namespace

std::string Setting::flag() const {
  std::string flag = "--" + std::string(key);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string Setting::env_name() const {
  std::string name = "TEXTEMBED_" + std::string(key);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  return name;
}

const std::vector<Setting>& ServeSettings() {
  static const std::vector<Setting> settings = MakeSettings();  // immutable table
  return settings;
}

Result<ServeConfig> ResolveServeConfig(const ConfigSources& sources) {
  ServeConfig config;
  for (const Setting& setting : ServeSettings()) {
    std::vector<std::string> values;
    std::string origin;
    const std::string env_name = setting.env_name();
    if (auto it = sources.flags.find(std::string(setting.key)); it != sources.flags.end() && !it->second.empty()) {
      values = it->second;
      origin = setting.flag();
    } else if (std::optional<std::string> env = sources.env ? sources.env(env_name) : std::nullopt) {
      values = setting.repeatable ? SplitList(*env) : std::vector<std::string>{*env};
      origin = env_name;
    } else if (auto dot = sources.dotenv.find(env_name); dot != sources.dotenv.end()) {
      values = setting.repeatable ? SplitList(dot->second) : std::vector<std::string>{dot->second};
      origin = env_name + " in .env";
    } else {
      values = setting.repeatable ? SplitList(setting.fallback) : std::vector<std::string>{std::string(setting.fallback)};
      origin = "default";
    }
    if (values.empty()) values.emplace_back();
    if (Status status = setting.apply(values, &config); !status.ok())
      return status.WithContext(origin);
  }
  if (config.service.models.empty() && config.service.models_dir.empty())
    return Status::InvalidArgument("no model to serve: give --model DIR|HUB_ID (or TEXTEMBED_MODEL)");
  return config;
}

Result<std::map<std::string, std::string>> ParseDotEnv(std::string_view text) {
  std::map<std::string, std::string> values;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = std::min(text.find('\n'), text.size());
    std::string_view line = Trim(text.substr(0, newline));
    text.remove_prefix(std::min(newline + 1, text.size()));
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = Trim(line.substr(7));
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0)
      return Status::InvalidArgument(".env line " + std::to_string(line_number) + ": expected KEY=VALUE");
    const std::string key(Trim(line.substr(0, equals)));
    std::string_view value = Trim(line.substr(equals + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const size_t comment = value.find(" #"); comment != std::string_view::npos) {
      value = Trim(value.substr(0, comment));
    }
    values[key] = std::string(value);
  }
  return values;
}

Result<size_t> ParseByteSize(std::string_view text) {
  text = Trim(text);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return Bad("expected a size such as 512, 64MiB or 1GiB", text);
  Result<uint64_t> number = ParseUnsigned(text.substr(0, digits));
  if (!number.ok()) return number.status();
  std::string unit(Trim(text.substr(digits)));
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
  uint64_t multiplier;
  if (unit.empty() || unit == "b") multiplier = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") multiplier = uint64_t{1} << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") multiplier = uint64_t{1} << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") multiplier = uint64_t{1} << 30;
  else if (unit == "t" || unit == "tb" || unit == "tib") multiplier = uint64_t{1} << 40;
  else return Bad("unknown size unit (use B, KiB, MiB, GiB, TiB)", text);
  if (*number > (uint64_t{1} << 50) / multiplier) return Bad("size too large", text);
  return static_cast<size_t>(*number * multiplier);
}

Result<std::chrono::microseconds> ParseDuration(std::string_view text) {
  text = Trim(text);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string_view unit = Trim(text.substr(digits));
  if (digits == 0 || unit.empty()) return Bad("expected a duration with a unit, such as 500ms, 10s or 2m", text);
  Result<uint64_t> number = ParseUnsigned(text.substr(0, digits));
  if (!number.ok()) return number.status();
  if (*number > (uint64_t{1} << 32)) return Bad("duration too large", text);
  const auto n = static_cast<int64_t>(*number);
  if (unit == "us") return std::chrono::microseconds(n);
  if (unit == "ms") return std::chrono::microseconds(n * 1000);
  if (unit == "s") return std::chrono::microseconds(n * 1'000'000);
  if (unit == "m" || unit == "min") return std::chrono::microseconds(n * 60'000'000);
  return Bad("unknown duration unit (use us, ms, s or m)", text);
}

std::string EscapePipes(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string SettingsMarkdownTable() {
  std::string table = "| flag | environment | default | meaning |\n| --- | --- | --- | --- |\n";
  for (const Setting& setting : ServeSettings()) {
    table += "| `" + setting.flag() + "` | `" + setting.env_name() + "` | " +
             (setting.fallback.empty() ? std::string("—") : "`" + std::string(setting.fallback) + "`") + " | " +
             EscapePipes(setting.help) + " |\n";
  }
  return table;
}

}  // namespace textembed::server
