// libFuzzer target: arbitrary bytes through the HTTP request handler
// (route → simdjson parsing → textembed::Service → JSON writing) with the
// real service on bert-tiny-random.
//
// Input: the first byte picks the route (bits 0-3, see kRoutes) and whether
// the target comes from the input (bit 7: the text up to the first '\n' is
// the target); the rest is the request body.
// Invariants (a violation aborts, which libFuzzer reports with the input):
//   - the handler returns; no status is 500 or 501 (a bug, not bad input);
//   - every JSON response (successes and errors alike) is valid JSON;
//   - an error body has an "error" field.
// The shared folder is $TEXTEMBED_TEST_DATA, else ../shared beside the checkout.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "server/api_handler.h"
#include "server/service_backend.h"
#include "service/metrics/metrics_registry.h"
#include "textembed/service.h"

namespace {

struct Route {
  const char* method;
  const char* target;
};
constexpr Route kRoutes[] = {
    {"POST", "/v1/embeddings"}, {"POST", "/embed"},  {"POST", "/embed_all"}, {"POST", "/tokenize"},
    {"POST", "/decode"},        {"GET", "/info"},    {"GET", "/v1/models"},  {"GET", "/health"},
    {"POST", "/"},              {"GET", "/v1/embeddings"}, {"POST", "/v1/embeddings?x=1"}, {"PUT", "/embed"},
};

struct Harness {
  std::unique_ptr<textembed::Service> service;
  std::unique_ptr<textembed::server::ServiceBackend> backend;
  textembed::service::MetricsRegistry metrics{textembed::service::MetricsRegistry::Options{.process_metrics = false}};
  std::unique_ptr<textembed::server::ApiHandler> handler;
};

Harness* harness = nullptr;  // built once in LLVMFuzzerInitialize; the fuzzer is single-threaded

[[noreturn]] void Violation(const std::string& what, const textembed::server::HttpResponse& response) {
  std::fprintf(stderr, "server_fuzz: %s (status %d): %.500s\n", what.c_str(), response.status, response.body.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  const char* env = std::getenv("TEXTEMBED_TEST_DATA");
  const std::filesystem::path shared = env ? env : "../shared";
  textembed::ServiceOptions options;
  options.models.push_back({"tiny", (shared / "models" / "bert-tiny-random").string()});
  options.threads = 1;
  options.cache.memory_max_entries = 0;  // every input reaches the engine
  auto service = textembed::Service::Create(options);
  if (!service.ok()) {
    std::fprintf(stderr, "server_fuzz: cannot start the service: %s\n", service.status().ToString().c_str());
    std::exit(1);
  }
  harness = new Harness;
  harness->service = std::move(*service);
  harness->backend = std::make_unique<textembed::server::ServiceBackend>(*harness->service);
  textembed::server::ApiOptions api;
  api.limits.max_inputs = 64;  // keeps each run short; the limit path is still reached
  harness->handler = std::make_unique<textembed::server::ApiHandler>(*harness->backend, api, harness->metrics);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Route& route = kRoutes[(data[0] & 0x0F) % std::size(kRoutes)];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  textembed::server::HttpRequest request;
  request.method = route.method;
  request.target = route.target;
  if (data[0] & 0x80) {
    const size_t newline = rest.find('\n');
    request.target = std::string(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  request.body = std::string(rest);
  const textembed::server::HttpResponse response = harness->handler->Handle(request);
  if (response.status == 500 || response.status == 501 || response.status < 200 || response.status > 599)
    Violation("server error for client input", response);
  if (response.content_type == "application/json") {
    simdjson::dom::parser parser;
    simdjson::dom::element document;
    if (parser.parse(response.body).get(document)) Violation("response is not valid JSON", response);
    if (response.status >= 400) {
      simdjson::dom::element error;
      if (document.at_key("error").get(error)) Violation("error response without \"error\"", response);
    }
  }
  return 0;
}
