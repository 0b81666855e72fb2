#include "server/http_server.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace textembed::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kReadChunk = 16u << 10;

}  // namespace

class Session;

struct HttpServer::State {
  explicit State(const HttpServerOptions& o) : options(o), io(o.io_threads), workers(o.worker_threads) {}

  const HttpServerOptions options;
  net::io_context io;
  net::thread_pool workers;
  std::vector<Endpoint> endpoints;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> io_threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;

  std::atomic<bool> draining{false};
  std::atomic<size_t> in_flight{0};  // requests dispatched to a handler, not yet answered
  std::mutex mutex;                  // guards sessions and busy
  std::condition_variable idle_cv;
  size_t busy = 0;                   // sessions reading, handling or writing a request
  std::vector<std::weak_ptr<Session>> sessions;
  bool stopped = false;

  void Accept(size_t index);
  void Register(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(mutex);
    std::erase_if(sessions, [](const std::weak_ptr<Session>& s) { return s.expired(); });
    sessions.push_back(session);
  }
  void SetBusy(bool now_busy) {
    std::lock_guard lock(mutex);
    if (now_busy) ++busy; else --busy;
    if (busy == 0) idle_cv.notify_all();
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::State& state, const Endpoint& endpoint)
      : stream_(std::move(socket)), read_timer_(stream_.get_executor()), state_(state), endpoint_(endpoint) {
    beast::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Called by Drain: a connection waiting for its next request is closed; one
  // in the middle of a request finishes it (the response says Connection: close).
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) self->stream_.cancel();
    });
  }

 private:
  void SetBusy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    state_.SetBusy(busy);
  }

  void WaitForRequest() {
    idle_ = true;
    SetBusy(false);
    if (state_.draining.load()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(state_.options.max_header_bytes));
    parser_->body_limit(state_.options.max_body_bytes);
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    stream_.expires_after(state_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->buffer_.commit(bytes);
                              if (ec || bytes == 0) return self->Close();
                              self->ReadHeader();
                            });
  }

  // Read deadlines use their own timer rather than tcp_stream's, which closes
  // the socket when it fires: a slow client should still be told 408.
  void ArmReadTimer(std::chrono::milliseconds timeout) {
    stream_.expires_never();
    timed_out_ = false;
    read_timer_.expires_after(timeout);
    read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the read finished in time
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void ReadHeader() {
    idle_ = false;
    SetBusy(true);
    arrived_ = std::chrono::steady_clock::now();
    ArmReadTimer(state_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnHeader(ec);
    });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    read_timer_.cancel();
    const auto& message = parser_->get();
    if (parser_->is_done()) return Dispatch();
    if (beast::iequals(message[http::field::expect], "100-continue")) {
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *interim, [self = shared_from_this(), interim](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    ArmReadTimer(state_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->read_timer_.cancel();
      self->Dispatch();
    });
  }

  // Errors while reading a request: answer what the client can act on, then close.
  void OnReadError(beast::error_code ec) {
    read_timer_.cancel();
    if (timed_out_ || ec == beast::error::timeout) return Refuse(408, "request not received within the read timeout");
    if (ec == http::error::body_limit)
      return Refuse(413, "request body exceeds " + std::to_string(state_.options.max_body_bytes) + " bytes");
    if (ec == http::error::header_limit)
      return Refuse(431, "request headers exceed " + std::to_string(state_.options.max_header_bytes) + " bytes");
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
      return Refuse(400, "malformed HTTP request: " + ec.message());
    Close();  // the client went away
  }

  HttpRequest MakeRequest(bool with_body) {
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
    if (with_body) request.body = std::move(message.body());
    request.peer = peer_;
    request.received_at = arrived_;
    return request;
  }

  void Refuse(int status, std::string message) {
    HttpRequest request;
    if (parser_ && parser_->is_header_done()) request = MakeRequest(false);
    request.peer = peer_;
    request.received_at = arrived_;
    keep_alive_ = false;
    Write(endpoint_.handler->Reject(request, status, message), false);
  }

  void Dispatch() {
    keep_alive_ = parser_->get().keep_alive();
    HttpRequest request = MakeRequest(true);
    if (endpoint_.limit_concurrency &&
        state_.in_flight.fetch_add(1) >= state_.options.max_concurrent_requests) {
      state_.in_flight.fetch_sub(1);
      return Write(endpoint_.handler->Reject(request, 429, "too many concurrent requests; retry later"), false);
    }
    // GET routes (health, info, models, metrics) do no model work: answering
    // them here saves two thread hand-offs. Everything else may wait on the
    // batcher, so it runs on a worker and the I/O thread stays free.
    if (request.method == "GET") return Write(Run(request), endpoint_.limit_concurrency);
    net::post(state_.workers, [self = shared_from_this(), request = std::move(request)] {
      HttpResponse response = self->Run(request);
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response), self->endpoint_.limit_concurrency);
      });
    });
  }

  HttpResponse Run(const HttpRequest& request) {
    try {
      return endpoint_.handler->Handle(request);
    } catch (const std::exception& e) {
      return endpoint_.handler->Reject(request, 500, std::string("internal error: ") + e.what());
    }
  }

  void Write(HttpResponse response, bool counted) {
    auto message = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
    message->set(http::field::server, "textembed");
    message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !state_.draining.load());
    message->prepare_payload();
    stream_.expires_after(state_.options.body_timeout);
    http::async_write(stream_, *message, [self = shared_from_this(), message, counted](beast::error_code ec, size_t) {
      if (counted) self->state_.in_flight.fetch_sub(1);
      if (ec || !message->keep_alive()) return self->Close();
      self->WaitForRequest();
    });
  }

  // Lingering close: after our FIN, keep reading (and dropping) what the
  // client still sends for a moment, so a client that was uploading a body
  // we refused reads our response instead of a connection reset.
  void Close() {
    read_timer_.cancel();
    idle_ = false;
    SetBusy(false);
    if (closing_) return;
    closing_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return stream_.close();
    stream_.expires_after(std::chrono::seconds(2));
    Discard();
  }

  void Discard() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->stream_.close();
      self->Discard();
    });
  }

  beast::tcp_stream stream_;
  net::steady_timer read_timer_;
  bool timed_out_ = false;
  HttpServer::State& state_;
  const Endpoint& endpoint_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_;
  std::chrono::steady_clock::time_point arrived_ = std::chrono::steady_clock::now();
  bool keep_alive_ = true;
  bool idle_ = false;
  bool busy_ = false;
  bool closing_ = false;
};

void HttpServer::State::Accept(size_t index) {
  tcp::acceptor& acceptor = *acceptors[index];
  acceptor.async_accept(net::make_strand(io), [this, index](beast::error_code ec, tcp::socket socket) {
    if (draining.load() || !acceptors[index]->is_open()) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(socket), *this, endpoints[index]);
      Register(session);
      session->Start();
    }
    Accept(index);
  });
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options, std::vector<Endpoint> endpoints) {
  if (options.io_threads < 1 || options.worker_threads < 1)
    return Status::InvalidArgument("io and worker threads must be at least 1");
  auto state = std::make_unique<State>(options);
  state->endpoints = std::move(endpoints);
  for (const Endpoint& endpoint : state->endpoints) {
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(endpoint.host, ec);
    if (ec) return Status::InvalidArgument("host \"" + endpoint.host + "\" is not an IP address: " + ec.message());
    auto acceptor = std::make_unique<tcp::acceptor>(state->io);
    const tcp::endpoint where(address, endpoint.port);
    const auto failed = [&](const char* what) {
      return Status::Unavailable(std::string(what) + " " + endpoint.host + ":" + std::to_string(endpoint.port) +
                                 ": " + ec.message());
    };
    if (acceptor->open(where.protocol(), ec)) return failed("cannot open");
    if (acceptor->set_option(net::socket_base::reuse_address(true), ec)) return failed("cannot configure");
    if (acceptor->bind(where, ec)) return failed("cannot bind");
    if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return failed("cannot listen on");
    state->acceptors.push_back(std::move(acceptor));
  }
  for (size_t i = 0; i < state->acceptors.size(); ++i) state->Accept(i);
  state->work.emplace(state->io.get_executor());
  for (int i = 0; i < options.io_threads; ++i) state->io_threads.emplace_back([io = &state->io] { io->run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() {
  if (!state_->draining.load()) Drain(std::chrono::milliseconds(0));
  state_->work.reset();
  state_->io.stop();
  for (std::thread& thread : state_->io_threads) thread.join();
  state_->workers.join();
}

std::vector<uint16_t> HttpServer::ports() const {
  std::vector<uint16_t> ports;
  for (const auto& acceptor : state_->acceptors) {
    beast::error_code ec;
    ports.push_back(acceptor->local_endpoint(ec).port());
  }
  return ports;
}

size_t HttpServer::Drain(std::chrono::milliseconds grace) {
  State& state = *state_;
  state.draining.store(true);
  for (auto& acceptor : state.acceptors) {
    net::post(acceptor->get_executor(), [acceptor = acceptor.get()] {
      beast::error_code ec;
      acceptor->close(ec);
    });
  }
  std::unique_lock lock(state.mutex);
  for (const std::weak_ptr<Session>& weak : state.sessions)
    if (std::shared_ptr<Session> session = weak.lock()) session->CloseIfIdle();
  state.idle_cv.wait_for(lock, grace, [&] { return state.busy == 0; });
  return state.busy;
}

}  // namespace textembed::server
