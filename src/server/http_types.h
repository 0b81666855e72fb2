// The HTTP request and response as the API handlers see them: plain values,
// independent of the transport (Boost.Beast), so the handlers can be unit
// tested and fuzzed without sockets.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace textembed::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;    // remote address, for logs
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();

  // Case-insensitive header lookup; "" when absent.
  std::string_view Header(std::string_view name) const;
  // The target without its query string.
  std::string_view Path() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After, ...)
  std::string body;
};

// What the transport calls. Handle runs on a worker thread and may block;
// Reject answers requests the transport refused before they reached Handle
// (body too large, headers too slow), shaped like the route's own errors.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpResponse Handle(const HttpRequest& request) = 0;
  virtual HttpResponse Reject(const HttpRequest& request, int status, std::string_view message) = 0;
};

}  // namespace textembed::server
