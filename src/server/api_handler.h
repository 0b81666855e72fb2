// The API routes: translate an HTTP request into one EmbeddingBackend call and
// its result into JSON, nothing else (TEI's router/src/http is the model).
//
//   POST /v1/embeddings   OpenAI        GET /v1/models   OpenAI
//   POST /embed, /        TEI           POST /embed_all  TEI (token embeddings)
//   POST /tokenize        TEI           POST /decode     TEI
//   GET  /health          TEI (open even with an API key)
//   GET  /info            TEI
//
// Every request is counted and timed (textembed_http_*) and logged in one line.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "server/api_errors.h"
#include "server/api_requests.h"
#include "server/embedding_backend.h"
#include "server/http_types.h"
#include "server/log_line.h"
#include "service/metrics/metrics_registry.h"

namespace textembed::server {

struct ApiOptions {
  RequestLimits limits;
  std::string api_key;            // "" : no authentication
  bool auto_truncate = true;      // default for texts over max length (TEI `truncate`); false: 413
  std::chrono::milliseconds request_timeout{60'000};  // per-request deadline, from arrival
  LogFormat log_format = LogFormat::kText;
  // Reported by /info only (enforced by the transport).
  size_t max_body_bytes = 2u << 20;
  size_t max_concurrent_requests = 512;
};

// Constant-time in the content of `given` (time depends only on expected's length).
bool ConstantTimeEquals(std::string_view given, std::string_view expected);

class ApiHandler final : public RequestHandler {
 public:
  ApiHandler(EmbeddingBackend& backend, ApiOptions options, service::MetricsRegistry& metrics);

  HttpResponse Handle(const HttpRequest& request) override;
  HttpResponse Reject(const HttpRequest& request, int status, std::string_view message) override;

  // While draining, /health answers 503 so load balancers stop sending.
  void SetDraining(bool draining) { draining_.store(draining); }

 private:
  struct Outcome {
    HttpResponse response;
    size_t texts = 0;
    size_t tokens = 0;
  };
  Outcome Route(const HttpRequest& request, std::string_view route);
  Outcome OpenAiEmbeddings(const HttpRequest& request);
  Outcome OpenAiModels();
  Outcome TeiEmbed(const HttpRequest& request, bool all_tokens);
  Outcome TeiTokenize(const HttpRequest& request);
  Outcome TeiDecode(const HttpRequest& request);
  Outcome TeiInfo();
  Outcome Health();
  Status CheckDimensions(const std::string& model, const std::optional<size_t>& dimensions);
  void Finish(const HttpRequest& request, std::string_view route, const Outcome& outcome);

  EmbeddingBackend& backend_;
  const ApiOptions options_;
  service::CounterFamily& requests_;
  service::HistogramFamily& durations_;
  service::Counter& texts_;
  service::Counter& tokens_;
  std::atomic<bool> draining_{false};
};

// The metrics port: GET /metrics (service registry + HTTP registry), GET /health.
class MetricsHandler final : public RequestHandler {
 public:
  MetricsHandler(EmbeddingBackend& backend, const service::MetricsRegistry& http_metrics)
      : backend_(backend), http_metrics_(http_metrics) {}
  HttpResponse Handle(const HttpRequest& request) override;
  HttpResponse Reject(const HttpRequest& request, int status, std::string_view message) override;

 private:
  EmbeddingBackend& backend_;
  const service::MetricsRegistry& http_metrics_;
};

// The version /info reports.
inline constexpr std::string_view kServerVersion = "0.1.0";

}  // namespace textembed::server
