// Errors as each API family shapes them: OpenAI routes answer
// {"error":{"message","type","param","code"}}, TEI routes {"error","error_type"}.
// A service Status maps to one status code and both shapes.
#pragma once

#include <string>
#include <string_view>

#include "server/http_types.h"
#include "textembed/status.h"

namespace textembed::server {

enum class ApiFlavor { kOpenAi, kTei };

struct ApiError {
  int status = 500;
  std::string message;
  std::string openai_type = "server_error";  // invalid_request_error, rate_limit_error, ...
  std::string openai_code;                   // "" : null
  std::string tei_type = "Backend";          // Validation, Overloaded, Unhealthy, Empty, ...
  int retry_after_seconds = 0;               // > 0: sent as Retry-After
};

// kInvalidArgument 400, kNotFound 404, kOutOfRange 413 (too long),
// kUnavailable 429 + Retry-After (queue full), kDeadlineExceeded 504,
// kResourceExhausted 503, kUnimplemented 501, the rest 500.
ApiError ErrorFromStatus(const Status& status);
// An error the HTTP layer itself decides (401, 404 route, 405, 408, 413 body, 431, 503).
ApiError HttpError(int status, std::string message);

HttpResponse RenderError(ApiFlavor flavor, const ApiError& error);

// The flavor of a path: /v1/... is OpenAI, everything else TEI.
ApiFlavor FlavorOfPath(std::string_view path);

}  // namespace textembed::server
