// A small stand-in for the Hugging Face hub, on 127.0.0.1, for hub tests only:
// serves local model folders in the hub's URL layout
//   HEAD/GET /{org}/{name}/resolve/{revision}/{file}
// with the headers huggingface_hub reads (X-Repo-Commit; ETag = git blob sha1
// for small files; for LFS files a 302 to /cdn/... with X-Linked-Etag = sha256
// and X-Linked-Size), X-Error-Code on 404s, HTTP Range on the content, and
// faults on demand: drop the connection mid-body once, or send wrong bytes.
#pragma once

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service/hub/file_digest.h"

namespace textembed::testing {

class FakeHubServer {
 public:
  // repo id ("org/name") → the folder it serves.
  explicit FakeHubServer(std::map<std::string, std::filesystem::path> repos) : repos_(std::move(repos)) {
    server_.Get(R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))",
                [this](const httplib::Request& req, httplib::Response& res) { Resolve(req, res); });
    server_.Get(R"(/cdn/([^/]+)/([^/]+)/(.+))",
                [this](const httplib::Request& req, httplib::Response& res) { Cdn(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeHubServer() { Stop(); }
  FakeHubServer(const FakeHubServer&) = delete;
  FakeHubServer& operator=(const FakeHubServer&) = delete;

  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::string CommitOf(const std::string& repo) { return service::GitBlobSha1Hex("commit of " + repo); }

  // Faults, by file name within the repo.
  void TruncateOnce(const std::string& file) {
    std::lock_guard lock(mutex_);
    truncate_once_.insert(file);
  }
  void Corrupt(const std::string& file, bool on = true) {
    std::lock_guard lock(mutex_);
    if (on) corrupt_.insert(file);
    else corrupt_.erase(file);
  }

  int content_requests() const { return content_requests_; }  // GETs that sent a body
  int range_requests() const { return range_requests_; }
  int requests() const { return requests_; }
  std::string last_authorization() const {
    std::lock_guard lock(mutex_);
    return last_authorization_;
  }

  static bool IsLfs(const std::string& file) {
    for (const char* ext : {".safetensors", ".onnx", ".bin"}) {
      if (file.ends_with(ext)) return true;
    }
    return false;
  }

 private:
  struct Content {
    std::string bytes;
    std::string etag;  // sha256 (LFS) or git blob sha1
  };

  // nullptr when the repo or file does not exist.
  const Content* Load(const std::string& repo, const std::string& file) {
    auto it = repos_.find(repo);
    if (it == repos_.end() || file.find("..") != std::string::npos) return nullptr;
    const std::filesystem::path path = it->second / file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
    std::lock_guard lock(mutex_);
    auto& slot = contents_[repo + "/" + file];
    if (slot.etag.empty()) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream all;
      all << in.rdbuf();
      slot.bytes = all.str();
      slot.etag = IsLfs(file) ? service::Sha256Hex(slot.bytes) : service::GitBlobSha1Hex(slot.bytes);
    }
    return &slot;
  }

  void Count(const httplib::Request& req) {
    ++requests_;
    std::lock_guard lock(mutex_);
    if (req.has_header("Authorization")) last_authorization_ = req.get_header_value("Authorization");
  }

  void Resolve(const httplib::Request& req, httplib::Response& res) {
    Count(req);
    const std::string repo = req.matches[1].str() + "/" + req.matches[2].str();
    const std::string revision = req.matches[3].str();
    const std::string file = req.matches[4].str();
    if (!repos_.contains(repo)) {
      res.status = 401;  // what the hub answers an anonymous caller for a missing repo
      res.set_header("X-Error-Code", "RepoNotFound");
      return;
    }
    const std::string commit = CommitOf(repo);
    if (revision != "main" && revision != commit) {
      res.status = 404;
      res.set_header("X-Error-Code", "RevisionNotFound");
      return;
    }
    res.set_header("X-Repo-Commit", commit);
    const Content* content = Load(repo, file);
    if (content == nullptr) {
      res.status = 404;
      res.set_header("X-Error-Code", "EntryNotFound");
      return;
    }
    if (IsLfs(file)) {
      res.status = 302;
      res.set_header("Location", "/cdn/" + repo + "/" + file);
      res.set_header("X-Linked-Etag", "\"" + content->etag + "\"");
      res.set_header("X-Linked-Size", std::to_string(content->bytes.size()));
      res.set_header("ETag", "\"" + content->etag + "\"");
      return;
    }
    res.set_header("ETag", "\"" + content->etag + "\"");
    Serve(req, res, file, content->bytes);
  }

  void Cdn(const httplib::Request& req, httplib::Response& res) {
    Count(req);
    const std::string repo = req.matches[1].str() + "/" + req.matches[2].str();
    const std::string file = req.matches[3].str();
    const Content* content = Load(repo, file);
    if (content == nullptr) {
      res.status = 404;
      return;
    }
    Serve(req, res, file, content->bytes);
  }

  void Serve(const httplib::Request& req, httplib::Response& res, const std::string& file, const std::string& bytes) {
    if (req.method == "HEAD") {
      res.set_content(bytes, "application/octet-stream");
      return;
    }
    ++content_requests_;
    if (req.has_header("Range")) ++range_requests_;
    bool truncate = false, corrupt = false;
    {
      std::lock_guard lock(mutex_);
      truncate = truncate_once_.erase(file) > 0;
      corrupt = corrupt_.contains(file);
    }
    std::string body = bytes;
    if (corrupt && !body.empty()) body[body.size() / 2] ^= 0x5a;
    if (!truncate) {
      res.set_content(std::move(body), "application/octet-stream");
      return;
    }
    // Promise the whole body, send about half of it, then drop the connection.
    auto shared = std::make_shared<std::string>(std::move(body));
    res.set_content_provider(shared->size(), "application/octet-stream",
                             [shared](size_t offset, size_t length, httplib::DataSink& sink) {
                               const size_t half = length / 2;
                               sink.write(shared->data() + offset, half);
                               return false;  // abort: the client sees a short body
                             });
  }

  std::map<std::string, std::filesystem::path> repos_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, Content> contents_;
  std::set<std::string> truncate_once_, corrupt_;
  std::string last_authorization_;
  std::atomic<int> requests_{0}, content_requests_{0}, range_requests_{0};
};

}  // namespace textembed::testing
