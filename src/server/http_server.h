// The HTTP/1.1 transport (Boost.Beast over Asio): keep-alive connections,
// limits enforced before a request reaches a handler, handlers run on a
// worker pool so slow embeddings never stall the I/O threads, and a drain
// that answers every request already read before the server stops.
//
// Timeouts: a connection may sit idle between requests for `idle_timeout`;
// once the first byte of a request arrives its headers must be complete
// within `header_timeout` and its body within `body_timeout` (408 otherwise),
// so slow clients cannot hold connections forever.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/http_types.h"
#include "textembed/status.h"

namespace textembed::server {

struct HttpServerOptions {
  int io_threads = 2;
  int worker_threads = 32;              // handlers blocked on the service at once
  size_t max_body_bytes = 2u << 20;     // 413 beyond
  size_t max_header_bytes = 16u << 10;  // 431 beyond
  size_t max_concurrent_requests = 512; // requests read and not yet answered; 429 beyond
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
};

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                 // 0: any free port (see HttpServer::ports)
  RequestHandler* handler = nullptr; // outlives the server
  bool limit_concurrency = true;     // count toward max_concurrent_requests
};

class HttpServer {
 public:
  // Binds every endpoint and starts serving; fails (kUnavailable) if a port is taken.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, std::vector<Endpoint> endpoints);
  ~HttpServer();  // Drain(0) if not drained, then stops the threads

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port of each endpoint, in order.
  std::vector<uint16_t> ports() const;

  // Stops accepting, closes idle connections, and waits until every request
  // already being read or handled has been answered, or `grace` passed.
  // Returns how many connections were still busy when it returned.
  size_t Drain(std::chrono::milliseconds grace);

  struct State;  // the implementation's; public so its connection class can name it

 private:
  explicit HttpServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace textembed::server
