// `textembed serve`: the HTTP server (OpenAI + TEI routes, /metrics).
//
//   textembed serve --model DIR|HUB_ID [--model NAME=DIR ...] [--port 8080]
//                   [--metrics-port 2112] [--api-key KEY] ...
//
// Every setting also comes from TEXTEMBED_* variables and a .env file (flags >
// environment > .env > defaults); `--print-settings` prints the table.
// SIGINT/SIGTERM drain the server: stop accepting, answer what was read,
// flush the disk cache, exit 0.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "server/api_handler.h"
#include "server/service_backend.h"
#include "server/http_server.h"
#include "server/log_line.h"
#include "server/server_config.h"
#include "service/metrics/metrics_registry.h"
#include "textembed/service.h"

namespace textembed::cli {
namespace {

using server::LogLine;

struct ServeFlags {
  std::map<std::string, std::vector<std::string>> values;  // setting key → flag values
  std::string env_file = ".env";
  bool env_file_given = false;
  bool print_settings = false;
};

[[noreturn]] void Exit(int code, const std::string& message) {
  std::fprintf(stderr, "textembed serve: error: %s\n", message.c_str());
  throw CLI::RuntimeError(code);
}

// The .env file's variables. TEXTEMBED_* ones are settings; others (HF_TOKEN,
// HF_HOME, HF_ENDPOINT, HF_HUB_OFFLINE) are exported unless already set, so
// the hub client sees them too.
std::map<std::string, std::string> LoadDotEnv(const ServeFlags& flags) {
  std::ifstream file(flags.env_file);
  if (!file) {
    if (flags.env_file_given) Exit(kExitUsage, flags.env_file + ": cannot open");
    return {};
  }
  std::stringstream text;
  text << file.rdbuf();
  Result<std::map<std::string, std::string>> values = server::ParseDotEnv(text.str());
  if (!values.ok()) Exit(kExitUsage, flags.env_file + ": " + values.status().message());
  for (const auto& [key, value] : *values)
    if (!key.starts_with("TEXTEMBED_")) setenv(key.c_str(), value.c_str(), /*overwrite=*/0);
  return *values;
}

int RunServe(const ServeFlags& flags) {
  if (flags.print_settings) {
    std::fputs(server::SettingsMarkdownTable().c_str(), stdout);
    return kExitOk;
  }
  // Signals are taken by sigwait below; block them before any thread starts so
  // every thread inherits the mask and none is interrupted at random.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  server::ConfigSources sources;
  sources.flags = flags.values;
  sources.dotenv = LoadDotEnv(flags);
  sources.env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  Result<server::ServeConfig> resolved = server::ResolveServeConfig(sources);
  if (!resolved.ok()) Exit(kExitUsage, resolved.status().message());
  const server::ServeConfig& config = *resolved;
  server::ConfigureLogging(config.log_format, config.log_level);

  Result<std::unique_ptr<Service>> service = Service::Create(config.service);
  if (!service.ok()) {
    spdlog::error("{}", LogLine(config.log_format, "cannot start the service").Add("error", service.status().ToString()).str());
    Exit(kExitFailure, service.status().ToString());
  }
  server::ServiceBackend backend(**service);
  service::MetricsRegistry http_metrics(service::MetricsRegistry::Options{.process_metrics = false});
  server::ApiHandler api(backend, config.api, http_metrics);
  server::MetricsHandler metrics(backend, http_metrics);
  std::vector<server::Endpoint> endpoints = {
      {config.host, config.port, &api, true},
      {config.host, config.metrics_port, &metrics, false},
  };
  Result<std::unique_ptr<server::HttpServer>> http = server::HttpServer::Start(config.http, std::move(endpoints));
  if (!http.ok()) {
    (*service)->Shutdown(std::chrono::seconds(1));
    Exit(kExitFailure, http.status().ToString());
  }
  const std::vector<uint16_t> ports = (*http)->ports();
  std::string models;
  for (const LoadedModelInfo& model : (*service)->Models()) models += (models.empty() ? "" : ",") + model.name;
  LogLine ready(config.log_format, "ready");
  ready.Add("host", config.host).Add("port", int64_t{ports[0]}).Add("metrics_port", int64_t{ports[1]});
  ready.Add("default_model", (*service)->default_model()).Add("models", models);
  if (Result<ModelInfo> info = (*service)->Info(""); info.ok())
    ready.Add("dimension", static_cast<int64_t>(info->dimension)).Add("max_length", static_cast<int64_t>(info->max_length));
  ready.Add("version", std::string(server::kServerVersion));
  spdlog::info("{}", ready.str());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("{}", LogLine(config.log_format, "shutting down")
                         .Add("signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM")
                         .Add("grace_ms", static_cast<int64_t>(config.shutdown_timeout.count()))
                         .str());
  api.SetDraining(true);
  const auto started = std::chrono::steady_clock::now();
  const size_t unfinished = (*http)->Drain(config.shutdown_timeout);
  const auto left = config.shutdown_timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started);
  const Status stopped = (*service)->Shutdown(std::max(left, std::chrono::milliseconds(1000)));
  http->reset();
  LogLine done(config.log_format, "stopped");
  done.Add("unfinished_connections", static_cast<int64_t>(unfinished)).Add("service", stopped.ToString());
  spdlog::info("{}", done.str());
  return stopped.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand("serve", "Serve embeddings over HTTP (OpenAI and TEI APIs, Prometheus metrics)");
  command->footer("Every flag also reads TEXTEMBED_<NAME> and the .env file; --print-settings lists them.");
  for (const server::Setting& setting : server::ServeSettings()) {
    std::string help(setting.help);
    help += " [env " + setting.env_name() + (setting.fallback.empty() ? "" : ", default " + std::string(setting.fallback)) + "]";
    CLI::Option* option = command->add_option(setting.flag(), flags->values[std::string(setting.key)], help);
    if (!setting.repeatable) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  command->add_option("--env-file", flags->env_file, "file of KEY=VALUE lines read for TEXTEMBED_* settings")
      ->each([flags](const std::string&) { flags->env_file_given = true; });
  command->add_flag("--print-settings", flags->print_settings, "print every setting as a Markdown table and exit");
  command->callback([flags] {
    const int code = RunServe(*flags);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace textembed::cli
