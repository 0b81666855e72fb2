#include "server/api_handler.h"

#include <array>
#include <spdlog/spdlog.h>

#include "server/json_writer.h"

namespace textembed::server {
namespace {

struct RouteSpec {
  std::string_view path;
  std::string_view method;
};

constexpr std::array kRoutes = {
    RouteSpec{"/v1/embeddings", "POST"}, RouteSpec{"/v1/models", "GET"}, RouteSpec{"/embed", "POST"},
    RouteSpec{"/", "POST"},              RouteSpec{"/embed_all", "POST"}, RouteSpec{"/tokenize", "POST"},
    RouteSpec{"/decode", "POST"},        RouteSpec{"/health", "GET"},     RouteSpec{"/info", "GET"},
};

const RouteSpec* FindRoute(std::string_view path) {
  for (const RouteSpec& route : kRoutes)
    if (route.path == path) return &route;
  return nullptr;
}

HttpResponse JsonResponse(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

std::chrono::steady_clock::time_point Deadline(const HttpRequest& request, std::chrono::milliseconds timeout) {
  return request.received_at + timeout;
}

void WriteEmbedding(JsonWriter& json, std::span<const float> row, bool base64) {
  if (base64) json.Base64Floats(row); else json.FloatArray(row);
}

}  // namespace

bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  unsigned difference = given.size() != expected.size() ? 1u : 0u;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    difference |= g ^ static_cast<unsigned char>(expected[i]);
  }
  return difference == 0;
}

ApiHandler::ApiHandler(EmbeddingBackend& backend, ApiOptions options, service::MetricsRegistry& metrics)
    : backend_(backend),
      options_(std::move(options)),
      requests_(metrics.AddCounterFamily("textembed_http_requests_total", "HTTP requests answered, by route and status.",
                                         {"route", "status"})),
      durations_(metrics.AddHistogramFamily("textembed_http_request_duration_seconds",
                                            "Time from a request's arrival to its response, by route.", {"route"})),
      texts_(metrics.AddCounter("textembed_http_texts_total", "Texts received on the embedding routes.")),
      tokens_(metrics.AddCounter("textembed_http_prompt_tokens_total", "Tokens the model saw for HTTP requests.")) {}

HttpResponse ApiHandler::Handle(const HttpRequest& request) {
  const std::string_view path = request.Path();
  const RouteSpec* route = FindRoute(path);
  Outcome outcome;
  std::string_view route_label = "unmatched";
  if (route == nullptr) {
    outcome.response = RenderError(FlavorOfPath(path), HttpError(404, "no route " + std::string(path)));
  } else if (route_label = route->path; request.method != route->method) {
    outcome.response = RenderError(FlavorOfPath(path), HttpError(405, "method " + request.method + " not allowed on " +
                                                                          std::string(path) + "; use " +
                                                                          std::string(route->method)));
    outcome.response.headers.emplace_back("Allow", std::string(route->method));
  } else if (!options_.api_key.empty() && path != "/health" &&
             !(request.Header("Authorization").starts_with("Bearer ") &&
               ConstantTimeEquals(request.Header("Authorization").substr(7), options_.api_key))) {
    outcome.response = RenderError(FlavorOfPath(path), HttpError(401, "missing or invalid API key "
                                                                      "(send Authorization: Bearer <key>)"));
  } else {
    outcome = Route(request, path);
  }
  Finish(request, route_label, outcome);
  return std::move(outcome.response);
}

HttpResponse ApiHandler::Reject(const HttpRequest& request, int status, std::string_view message) {
  Outcome outcome;
  outcome.response = RenderError(FlavorOfPath(request.Path()), HttpError(status, std::string(message)));
  const RouteSpec* route = FindRoute(request.Path());
  Finish(request, route ? route->path : "unmatched", outcome);
  return std::move(outcome.response);
}

void ApiHandler::Finish(const HttpRequest& request, std::string_view route, const Outcome& outcome) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - request.received_at).count();
  requests_.WithLabels({route, std::to_string(outcome.response.status)}).Increment();
  durations_.WithLabels({route}).Observe(seconds);
  if (outcome.texts) texts_.Increment(static_cast<double>(outcome.texts));
  if (outcome.tokens) tokens_.Increment(static_cast<double>(outcome.tokens));
  if (!spdlog::should_log(spdlog::level::info)) return;
  LogLine line(options_.log_format, "request");
  line.Add("method", request.method)
      .Add("route", std::string(route))
      .Add("status", int64_t{outcome.response.status})
      .Add("ms", seconds * 1000.0)
      .Add("texts", static_cast<int64_t>(outcome.texts))
      .Add("tokens", static_cast<int64_t>(outcome.tokens))
      .Add("peer", request.peer);
  if (outcome.response.status >= 400 && outcome.response.status != 404) {
    // The message is in the body; one short copy helps reading logs.
    line.Add("bytes_in", static_cast<int64_t>(request.body.size()));
  }
  spdlog::info("{}", line.str());
}

ApiHandler::Outcome ApiHandler::Route(const HttpRequest& request, std::string_view path) {
  if (path == "/v1/embeddings") return OpenAiEmbeddings(request);
  if (path == "/v1/models") return OpenAiModels();
  if (path == "/embed" || path == "/") return TeiEmbed(request, false);
  if (path == "/embed_all") return TeiEmbed(request, true);
  if (path == "/tokenize") return TeiTokenize(request);
  if (path == "/decode") return TeiDecode(request);
  if (path == "/info") return TeiInfo();
  return Health();
}

Status ApiHandler::CheckDimensions(const std::string& model, const std::optional<size_t>& dimensions) {
  if (!dimensions) return Status::Ok();
  Result<ModelInfo> info = backend_.Info(model);
  if (!info.ok()) return info.status();
  if (*dimensions > info->dimension)
    return Status::InvalidArgument("`dimensions` is " + std::to_string(*dimensions) + " but model " + info->name +
                                   " produces " + std::to_string(info->dimension) + " dimensions");
  return Status::Ok();
}

ApiHandler::Outcome ApiHandler::OpenAiEmbeddings(const HttpRequest& request) {
  Outcome outcome;
  const auto fail = [&](const Status& status) {
    outcome.response = RenderError(ApiFlavor::kOpenAi, ErrorFromStatus(status));
    return outcome;
  };
  Result<OpenAiEmbeddingsRequest> parsed = ParseOpenAiEmbeddings(request.body, options_.limits);
  if (!parsed.ok()) return fail(parsed.status());
  const OpenAiEmbeddingsRequest& body = *parsed;
  outcome.texts = body.token_input ? body.token_ids.size() : body.texts.size();
  if (Status status = CheckDimensions(body.model, body.dimensions); !status.ok()) return fail(status);

  EmbedOptions options;
  options.model = body.model;
  options.dimensions = body.dimensions;
  options.long_text = body.chunking.mode.value_or(options_.auto_truncate ? LongTextMode::kTruncate : LongTextMode::kError);
  if (body.chunking.overlap) options.chunk_overlap = *body.chunking.overlap;
  options.deadline = Deadline(request, options_.request_timeout);
  Result<EmbedResult> result =
      body.token_input ? backend_.EmbedIds(body.token_ids, options) : backend_.Embed(body.texts, options);
  if (!result.ok()) return fail(result.status());
  outcome.tokens = result->prompt_tokens;

  const Embeddings& embeddings = result->embeddings;
  std::string out;
  out.reserve(128 + embeddings.values.size() * (body.base64 ? 6 : 12));
  JsonWriter json(&out);
  json.BeginObject().Key("object").String("list").Key("data").BeginArray();
  const bool chunked = !result->chunks.empty();
  for (size_t row = 0; row < embeddings.rows; ++row) {
    json.BeginObject().Key("object").String("embedding").Key("index").Uint(row);
    if (chunked && row < result->chunks.size()) {
      const ChunkRef& chunk = result->chunks[row];
      json.Key("text_index").Uint(chunk.text_index).Key("start").Uint(chunk.bytes.begin).Key("end").Uint(chunk.bytes.end);
    }
    json.Key("embedding");
    WriteEmbedding(json, embeddings.row(row), body.base64);
    json.EndObject();
  }
  json.EndArray().Key("model").String(result->model);
  json.Key("usage").BeginObject().Key("prompt_tokens").Uint(result->prompt_tokens);
  json.Key("total_tokens").Uint(result->prompt_tokens).EndObject().EndObject();
  outcome.response = JsonResponse(std::move(out));
  outcome.response.headers.emplace_back("X-Cache-Hits", std::to_string(result->cache_hits));
  return outcome;
}

ApiHandler::Outcome ApiHandler::OpenAiModels() {
  Outcome outcome;
  std::string out;
  JsonWriter json(&out);
  json.BeginObject().Key("object").String("list").Key("data").BeginArray();
  for (const LoadedModelInfo& model : backend_.Models()) {
    json.BeginObject().Key("id").String(model.name).Key("object").String("model");
    json.Key("created").Int(0).Key("owned_by").String("textembed").Key("loaded").Bool(model.loaded);
    if (model.loaded) json.Key("dimension").Uint(model.info.dimension).Key("max_input_length").Uint(model.info.max_length);
    json.EndObject();
  }
  json.EndArray().EndObject();
  outcome.response = JsonResponse(std::move(out));
  return outcome;
}

ApiHandler::Outcome ApiHandler::TeiEmbed(const HttpRequest& request, bool all_tokens) {
  Outcome outcome;
  const auto fail = [&](const Status& status) {
    ApiError error = ErrorFromStatus(status);
    if (status.code() == Status::Code::kInvalidArgument && status.message().find("must not be empty") != std::string::npos)
      error.tei_type = "Empty";
    outcome.response = RenderError(ApiFlavor::kTei, error);
    return outcome;
  };
  Result<TeiEmbedRequest> parsed = ParseTeiEmbed(request.body, options_.limits);
  if (!parsed.ok()) return fail(parsed.status());
  const TeiEmbedRequest& body = *parsed;
  outcome.texts = body.texts.size();
  if (Status status = CheckDimensions(body.model, body.dimensions); !status.ok()) return fail(status);

  EmbedOptions options;
  options.model = body.model;
  options.truncation_direction = body.truncation_direction;
  options.prompt_name = body.prompt_name;
  options.deadline = Deadline(request, options_.request_timeout);
  const bool truncate = body.truncate.value_or(options_.auto_truncate);
  options.long_text = body.chunking.mode.value_or(truncate ? LongTextMode::kTruncate : LongTextMode::kError);
  if (body.chunking.overlap) options.chunk_overlap = *body.chunking.overlap;
  std::string out;
  JsonWriter json(&out);

  if (all_tokens) {
    if (body.chunking.mode) return fail(Status::InvalidArgument("`chunking` is not available on /embed_all"));
    Result<TokenEmbeddings> result = backend_.EmbedTokens(body.texts, options);
    if (!result.ok()) return fail(result.status());
    outcome.tokens = result->prompt_tokens;
    json.BeginArray();
    for (const Embeddings& tokens : result->per_text) {
      json.BeginArray();
      for (size_t row = 0; row < tokens.rows; ++row) json.FloatArray(tokens.row(row));
      json.EndArray();
    }
    json.EndArray();
    outcome.response = JsonResponse(std::move(out));
    return outcome;
  }

  options.normalize = body.normalize.value_or(true);  // TEI normalizes unless told not to
  options.dimensions = body.dimensions;
  Result<EmbedResult> result = backend_.Embed(body.texts, options);
  if (!result.ok()) return fail(result.status());
  outcome.tokens = result->prompt_tokens;
  const Embeddings& embeddings = result->embeddings;
  out.reserve(16 + embeddings.values.size() * 12);
  json.BeginArray();
  const bool chunked = !result->chunks.empty();
  for (size_t row = 0; row < embeddings.rows; ++row) {
    if (chunked && row < result->chunks.size()) {
      // chunking "each": one object per chunk, so the caller knows where it came from.
      const ChunkRef& chunk = result->chunks[row];
      json.BeginObject().Key("text_index").Uint(chunk.text_index).Key("start").Uint(chunk.bytes.begin);
      json.Key("end").Uint(chunk.bytes.end).Key("embedding").FloatArray(embeddings.row(row)).EndObject();
    } else {
      json.FloatArray(embeddings.row(row));
    }
  }
  json.EndArray();
  outcome.response = JsonResponse(std::move(out));
  outcome.response.headers.emplace_back("X-Cache-Hits", std::to_string(result->cache_hits));
  return outcome;
}

ApiHandler::Outcome ApiHandler::TeiTokenize(const HttpRequest& request) {
  Outcome outcome;
  Result<TeiTokenizeRequest> parsed = ParseTeiTokenize(request.body, options_.limits);
  if (!parsed.ok()) {
    outcome.response = RenderError(ApiFlavor::kTei, ErrorFromStatus(parsed.status()));
    return outcome;
  }
  outcome.texts = parsed->texts.size();
  std::string out;
  JsonWriter json(&out);
  json.BeginArray();
  for (const std::string& text : parsed->texts) {
    Result<Encoding> encoding = backend_.Tokenize(parsed->model, text, parsed->add_special_tokens);
    if (!encoding.ok()) {
      ApiError error = ErrorFromStatus(encoding.status());
      if (error.status == 400) error.tei_type = "Tokenizer";
      outcome.response = RenderError(ApiFlavor::kTei, error);
      return outcome;
    }
    outcome.tokens += encoding->size();
    json.BeginArray();
    for (size_t i = 0; i < encoding->size(); ++i) {
      const bool special = i < encoding->special_tokens_mask.size() && encoding->special_tokens_mask[i];
      const Offset offset = i < encoding->offsets.size() ? encoding->offsets[i] : Offset{};
      json.BeginObject().Key("id").Int(encoding->ids[i]).Key("text");
      if (special || offset.end > text.size() || offset.begin > offset.end) {
        json.String(i < encoding->tokens.size() ? encoding->tokens[i] : std::string());
      } else {
        json.String(std::string_view(text).substr(offset.begin, offset.end - offset.begin));
      }
      json.Key("special").Bool(special).Key("start");
      if (special) json.Null(); else json.Uint(offset.begin);
      json.Key("stop");
      if (special) json.Null(); else json.Uint(offset.end);
      json.EndObject();
    }
    json.EndArray();
  }
  json.EndArray();
  outcome.response = JsonResponse(std::move(out));
  return outcome;
}

ApiHandler::Outcome ApiHandler::TeiDecode(const HttpRequest& request) {
  Outcome outcome;
  Result<TeiDecodeRequest> parsed = ParseTeiDecode(request.body, options_.limits);
  if (!parsed.ok()) {
    outcome.response = RenderError(ApiFlavor::kTei, ErrorFromStatus(parsed.status()));
    return outcome;
  }
  outcome.texts = parsed->ids.size();
  std::string out;
  JsonWriter json(&out);
  json.BeginArray();
  for (const std::vector<int32_t>& ids : parsed->ids) {
    Result<std::string> text = backend_.Decode(parsed->model, ids, parsed->skip_special_tokens);
    if (!text.ok()) {
      ApiError error = ErrorFromStatus(text.status());
      if (error.status == 400) error.tei_type = "Tokenizer";
      outcome.response = RenderError(ApiFlavor::kTei, error);
      return outcome;
    }
    outcome.tokens += ids.size();
    json.String(*text);
  }
  json.EndArray();
  outcome.response = JsonResponse(std::move(out));
  return outcome;
}

ApiHandler::Outcome ApiHandler::TeiInfo() {
  Outcome outcome;
  Result<ModelInfo> info = backend_.Info("");
  if (!info.ok()) {
    outcome.response = RenderError(ApiFlavor::kTei, ErrorFromStatus(info.status()));
    return outcome;
  }
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("model_id").String(backend_.default_model()).Key("model_sha").Null().Key("model_dtype").String("float32");
  json.Key("model_type").BeginObject().Key("embedding").BeginObject().Key("pooling").String(info->pooling);
  json.EndObject().EndObject();
  json.Key("dimension").Uint(info->dimension).Key("max_input_length").Uint(info->max_length);
  json.Key("normalize").Bool(info->normalize).Key("modules").String(info->modules);
  json.Key("max_concurrent_requests").Uint(options_.max_concurrent_requests);
  json.Key("max_client_batch_size").Uint(options_.limits.max_inputs);
  json.Key("max_body_bytes").Uint(options_.max_body_bytes);
  json.Key("auto_truncate").Bool(options_.auto_truncate);
  json.Key("request_timeout_ms").Int(options_.request_timeout.count());
  json.Key("models").BeginArray();
  for (const LoadedModelInfo& model : backend_.Models()) json.String(model.name);
  json.EndArray();
  json.Key("version").String(kServerVersion);
  json.EndObject();
  outcome.response = JsonResponse(std::move(out));
  return outcome;
}

ApiHandler::Outcome ApiHandler::Health() {
  Outcome outcome;
  if (draining_.load()) {
    outcome.response = RenderError(ApiFlavor::kTei, HttpError(503, "shutting down"));
  } else {
    outcome.response.content_type = "text/plain";
  }
  return outcome;
}

HttpResponse MetricsHandler::Handle(const HttpRequest& request) {
  const std::string_view path = request.Path();
  if (path != "/metrics" && path != "/health") return Reject(request, 404, "no route " + std::string(path));
  if (request.method != "GET") return Reject(request, 405, "use GET");
  HttpResponse response;
  if (path == "/metrics") {
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = backend_.RenderMetrics();
    response.body += http_metrics_.Render();
  } else {
    response.content_type = "text/plain";
  }
  return response;
}

HttpResponse MetricsHandler::Reject(const HttpRequest& request, int status, std::string_view message) {
  return RenderError(ApiFlavor::kTei, HttpError(status, std::string(message)));
}

}  // namespace textembed::server
