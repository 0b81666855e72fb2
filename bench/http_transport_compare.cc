// The same API handler (textembed::server::ApiHandler on a real Service)
// behind either HTTP transport Debian offers, for bench/http_transport_compare.sh:
//
//   http_transport_compare beast|httplib MODEL_DIR
//
// Prints "port=N" once listening; serves until stdin closes.
#include <cstdio>
#include <iostream>
#include <string>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "server/api_handler.h"
#include "server/http_server.h"
#include "server/service_backend.h"
#include "service/metrics/metrics_registry.h"
#include "textembed/service.h"

using namespace textembed;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s beast|httplib MODEL_DIR\n", argv[0]);
    return 2;
  }
  const std::string transport = argv[1];
  ServiceOptions options;
  options.models.push_back({"model", argv[2]});
  options.cache.memory_max_entries = 0;
  auto service = Service::Create(options);
  if (!service.ok()) {
    std::fprintf(stderr, "%s\n", service.status().ToString().c_str());
    return 1;
  }
  spdlog::set_level(spdlog::level::warn);  // both sides skip request logs
  server::ServiceBackend backend(**service);
  service::MetricsRegistry metrics;
  server::ApiHandler api(backend, {}, metrics);

  if (transport == "beast") {
    auto http = server::HttpServer::Start({}, {{"127.0.0.1", 0, &api, true}});
    if (!http.ok()) return 1;
    std::printf("port=%d\n", (*http)->ports()[0]);
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) {}
    (*http)->Drain(std::chrono::seconds(5));
    return 0;
  }
  httplib::Server http;
  http.set_keep_alive_max_count(1000000);  // its default (5) would close every 5th request
  const auto handle = [&](const httplib::Request& in, httplib::Response& out) {
    server::HttpRequest request;
    request.method = in.method;
    request.target = in.target;
    request.body = in.body;
    for (const auto& [name, value] : in.headers) request.headers.emplace_back(name, value);
    server::HttpResponse response = api.Handle(request);
    out.status = response.status;
    for (const auto& [name, value] : response.headers) out.set_header(name, value);
    out.set_content(std::move(response.body), response.content_type.c_str());
  };
  http.Get(".*", handle);
  http.Post(".*", handle);
  const int port = http.bind_to_any_port("127.0.0.1");
  std::printf("port=%d\n", port);
  std::fflush(stdout);
  std::thread stopper([&] {
    std::string line;
    while (std::getline(std::cin, line)) {}
    http.stop();
  });
  http.listen_after_bind();
  stopper.join();
  return 0;
}
