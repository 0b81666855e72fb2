// The transport over real loopback sockets: keep-alive, limits, timeouts,
// overload and drain, with a handler the test controls.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace textembed::server {
namespace {

using namespace std::chrono_literals;

// Echoes the body; "/block" waits until released.
class TestHandler final : public RequestHandler {
 public:
  HttpResponse Handle(const HttpRequest& request) override {
    if (request.Path() == "/block") {
      std::unique_lock lock(mutex_);
      ++blocked_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = request.method + " " + request.target + " " + request.body;
    return response;
  }
  HttpResponse Reject(const HttpRequest& request, int status, std::string_view message) override {
    HttpResponse response;
    response.status = status;
    response.body = std::string(message);
    return response;
  }
  void WaitBlocked(int count) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return blocked_ >= count; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int blocked_ = 0;
  bool released_ = false;
};

// A blocking loopback client speaking just enough HTTP/1.1.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // One response: status code and body (Content-Length framing); 0 if the connection closed first.
  std::pair<int, std::string> Read() {
    for (;;) {
      const size_t header_end = pending_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const std::string head = pending_.substr(0, header_end);
        size_t length = 0;
        if (size_t at = head.find("Content-Length: "); at != std::string::npos) length = std::stoul(head.substr(at + 16));
        if (pending_.size() >= header_end + 4 + length) {
          const int status = std::stoi(head.substr(9, 3));
          std::string body = pending_.substr(header_end + 4, length);
          last_head_ = head;
          pending_.erase(0, header_end + 4 + length);
          if (status == 100) continue;
          return {status, body};
        }
      }
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return {0, ""};
      pending_.append(buffer, static_cast<size_t>(n));
    }
  }
  // True when the server closed the connection (recv returns 0 or an error).
  bool Closed() {
    char byte;
    return recv(fd_, &byte, 1, 0) <= 0;
  }
  const std::string& last_head() const { return last_head_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
  std::string last_head_;
};

std::string Post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start() {
    auto server = HttpServer::Start(options_, {{"127.0.0.1", 0, &handler_, true}});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    port_ = server_->ports()[0];
    ASSERT_NE(port_, 0);
  }
  HttpServerOptions options_;
  TestHandler handler_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  Client client(port_);
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {
    client.Send(Post("/echo", "body" + std::to_string(i)));
    auto [status, body] = client.Read();
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body, "POST /echo body" + std::to_string(i));
  }
  // Two pipelined requests are answered in order.
  client.Send(Post("/a", "1") + Post("/b", "2"));
  EXPECT_EQ(client.Read().second, "POST /a 1");
  EXPECT_EQ(client.Read().second, "POST /b 2");
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  options_.max_body_bytes = 1000;
  Start();
  Client client(port_);
  client.Send(Post("/echo", std::string(1001, 'x')));
  EXPECT_EQ(client.Read().first, 413);
  // Expect: 100-continue gets the 413 before any body is sent.
  Client polite(port_);
  polite.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(polite.Read().first, 413);
  // And within the limit, 100 Continue then the answer.
  Client ok(port_);
  ok.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  ok.Send("hi");
  EXPECT_EQ(ok.Read(), (std::pair<int, std::string>{200, "POST /echo hi"}));
}

TEST_F(HttpServerTest, SlowHeadersAndBodiesTimeOutWith408) {
  options_.header_timeout = 300ms;
  options_.body_timeout = 300ms;
  Start();
  Client slow_header(port_);
  slow_header.Send("POST /echo HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
  EXPECT_EQ(slow_header.Read().first, 408);
  EXPECT_TRUE(slow_header.Closed());
  Client slow_body(port_);
  slow_body.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(slow_body.Read().first, 408);
}

TEST_F(HttpServerTest, IdleConnectionsAreClosed) {
  options_.idle_timeout = 200ms;
  Start();
  Client idle(port_);
  EXPECT_TRUE(idle.Closed());
}

TEST_F(HttpServerTest, MalformedRequestsGet400AndTheServerKeepsServing) {
  options_.max_header_bytes = 2048;
  Start();
  for (std::string garbage : {std::string("NOT HTTP AT ALL\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                              std::string("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                              std::string("GET / HTTP/1.1\r\nX: ") + std::string(4096, 'a') + "\r\n\r\n"}) {
    Client client(port_);
    client.Send(garbage);
    const int status = client.Read().first;
    EXPECT_TRUE(status == 400 || status == 431) << status << " for " << garbage.substr(0, 40);
  }
  Client client(port_);
  client.Send(Post("/echo", "still"));
  EXPECT_EQ(client.Read().second, "POST /echo still");
}

TEST_F(HttpServerTest, ConcurrencyLimitAnswers429) {
  options_.max_concurrent_requests = 1;
  Start();
  Client first(port_);
  first.Send(Post("/block", ""));
  handler_.WaitBlocked(1);
  Client second(port_);
  second.Send(Post("/echo", ""));
  EXPECT_EQ(second.Read().first, 429);
  handler_.Release();
  EXPECT_EQ(first.Read().first, 200);
}

TEST_F(HttpServerTest, DrainAnswersInFlightRequestsAndRefusesNewConnections) {
  Start();
  Client idle(port_);
  ASSERT_TRUE(idle.connected());
  Client busy(port_);
  busy.Send(Post("/block", "x"));
  handler_.WaitBlocked(1);
  auto drained = std::async(std::launch::async, [&] { return server_->Drain(10s); });
  EXPECT_TRUE(idle.Closed());  // an idle keep-alive connection is closed at once
  handler_.Release();
  auto [status, body] = busy.Read();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "POST /block x");
  EXPECT_NE(busy.last_head().find("Connection: close"), std::string::npos) << busy.last_head();
  EXPECT_EQ(drained.get(), 0u);
  Client late(port_);
  EXPECT_FALSE(late.connected() && (late.Send(Post("/echo", "")), late.Read().first == 200));
}

TEST(HttpServer, TakenPortIsAnError) {
  TestHandler handler;
  auto first = HttpServer::Start({}, {{"127.0.0.1", 0, &handler, true}});
  ASSERT_TRUE(first.ok());
  auto second = HttpServer::Start({}, {{"127.0.0.1", (*first)->ports()[0], &handler, true}});
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  auto bad_host = HttpServer::Start({}, {{"not-an-ip", 0, &handler, true}});
  EXPECT_EQ(bad_host.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace textembed::server
