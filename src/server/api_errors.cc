#include "server/api_errors.h"

#include "server/json_writer.h"

namespace textembed::server {

ApiError HttpError(int status, std::string message) {
  ApiError error;
  error.status = status;
  error.message = std::move(message);
  switch (status) {
    case 401:
      error.openai_type = "invalid_request_error";
      error.openai_code = "invalid_api_key";
      error.tei_type = "Unauthorized";
      break;
    case 429:
      error.openai_type = "rate_limit_error";
      error.tei_type = "Overloaded";
      error.retry_after_seconds = 1;
      break;
    case 503:
      error.openai_type = "server_error";
      error.tei_type = "Unhealthy";
      error.retry_after_seconds = 1;
      break;
    default:
      if (status >= 400 && status < 500) {
        error.openai_type = "invalid_request_error";
        error.tei_type = "Validation";
      }
  }
  return error;
}

ApiError ErrorFromStatus(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument: return HttpError(400, status.message());
    case Status::Code::kNotFound: {
      ApiError error = HttpError(404, status.message());
      error.openai_code = "model_not_found";
      return error;
    }
    case Status::Code::kOutOfRange: {
      ApiError error = HttpError(413, status.message());
      error.openai_code = "context_length_exceeded";
      return error;
    }
    case Status::Code::kUnavailable: return HttpError(429, status.message());
    case Status::Code::kDeadlineExceeded: {
      ApiError error = HttpError(504, status.message());
      error.openai_type = "timeout";
      error.tei_type = "Backend";
      return error;
    }
    case Status::Code::kResourceExhausted: return HttpError(503, status.message());
    case Status::Code::kUnimplemented: return HttpError(501, status.message());
    default: return HttpError(500, status.ToString());
  }
}

HttpResponse RenderError(ApiFlavor flavor, const ApiError& error) {
  HttpResponse response;
  response.status = error.status;
  JsonWriter json(&response.body);
  json.BeginObject();
  if (flavor == ApiFlavor::kOpenAi) {
    json.Key("error").BeginObject();
    json.Key("message").String(error.message);
    json.Key("type").String(error.openai_type);
    json.Key("param").Null();
    json.Key("code");
    if (error.openai_code.empty()) json.Null(); else json.String(error.openai_code);
    json.EndObject();
  } else {
    json.Key("error").String(error.message);
    json.Key("error_type").String(error.tei_type);
  }
  json.EndObject();
  if (error.retry_after_seconds > 0)
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  if (error.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

ApiFlavor FlavorOfPath(std::string_view path) {
  return path.starts_with("/v1/") ? ApiFlavor::kOpenAi : ApiFlavor::kTei;
}

}  // namespace textembed::server
