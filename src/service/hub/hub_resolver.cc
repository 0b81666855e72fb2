#include "service/hub/hub_resolver.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "service/hub/file_digest.h"
#include "service/hub/http_client.h"

namespace textembed::service {
namespace fs = std::filesystem;

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

bool Truthy(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  return value == "1" || value == "on" || value == "yes" || value == "true";
}

bool IsCommitHash(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// The hub's etag header: quoted, maybe weak ("W/").
std::string NormalizeEtag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

// A file name taken from the hub or modules.json must stay inside the snapshot.
bool SafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos) return false;
  for (const auto& part : fs::path(path)) {
    if (part == ".." || part == ".") return false;
  }
  return true;
}

Status WriteFileAtomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return Status::IoError(tmp.string() + ": write failed");
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::IoError(path.string() + ": " + ec.message());
  return Status::Ok();
}

// Holds an exclusive flock on a file while alive (another process or thread
// downloading the same blob waits).
class FileLock {
 public:
  static Result<FileLock> Acquire(const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    FileLock lock;
    lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock.fd_ < 0) return Status::IoError(path.string() + ": cannot open lock file");
    while (::flock(lock.fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::IoError(path.string() + ": flock failed");
    }
    return lock;
  }
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  FileLock() = default;
  int fd_ = -1;
};

// snapshots/<commit>/<file> → ../../blobs/<etag> (relative, as huggingface_hub
// makes them, so the cache folder can move). Falls back to a copy where the
// file system has no symlinks.
Status LinkIntoSnapshot(const fs::path& blob, const fs::path& link) {
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  const fs::path tmp = link.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove(tmp, ec);
  fs::create_symlink(blob.lexically_relative(link.parent_path()), tmp, ec);
  if (ec) {
    fs::copy_file(blob, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::IoError(link.string() + ": cannot link or copy the blob: " + ec.message());
  }
  fs::rename(tmp, link, ec);
  if (ec) return Status::IoError(link.string() + ": " + ec.message());
  return Status::Ok();
}

Status HubHttpError(const HttpResponse& response, const std::string& repo_id, const std::string& revision,
                    const std::string& filename, const std::string& endpoint) {
  const std::string code = response.Header("x-error-code");
  const std::string where = repo_id + "@" + revision + " at " + endpoint;
  if (code == "RepoNotFound") {
    return Status::NotFound("hub repo '" + repo_id + "' not found at " + endpoint +
                            " (private or gated repos need HF_TOKEN)");
  }
  if (code == "RevisionNotFound") return Status::NotFound("hub revision '" + revision + "' of " + repo_id + " not found");
  if (response.status == 404 || code == "EntryNotFound") {
    return Status::NotFound("hub file '" + filename + "' not found in " + where);
  }
  if (response.status == 401 || response.status == 403 || code == "GatedRepo") {
    return Status::NotFound("hub refused " + filename + " of " + where + " (HTTP " +
                            std::to_string(response.status) + "; gated or private: set HF_TOKEN)");
  }
  if (response.status == 429 || response.status >= 500) {
    return Status::Unavailable("hub answered HTTP " + std::to_string(response.status) + " for " + filename + " of " + where);
  }
  return Status::IoError("hub answered HTTP " + std::to_string(response.status) + " for " + filename + " of " + where);
}

}  // namespace

HubConfig HubConfig::FromOptions(const HubOptions& options) {
  HubConfig config;
  std::string endpoint = !options.endpoint.empty() ? options.endpoint : Env("HF_ENDPOINT");
  if (!endpoint.empty()) config.endpoint = endpoint;
  while (!config.endpoint.empty() && config.endpoint.back() == '/') config.endpoint.pop_back();

  fs::path hf_home = options.hf_home;
  if (hf_home.empty()) hf_home = Env("HF_HOME");
  if (hf_home.empty()) {
    const std::string xdg = Env("XDG_CACHE_HOME");
    hf_home = !xdg.empty() ? fs::path(xdg) / "huggingface" : fs::path(Env("HOME")) / ".cache" / "huggingface";
  }
  const std::string hub_cache = Env("HF_HUB_CACHE");
  config.cache_dir = !options.hf_home.empty() || hub_cache.empty() ? hf_home / "hub" : fs::path(hub_cache);

  config.offline = options.offline.has_value() ? *options.offline : Truthy(Env("HF_HUB_OFFLINE"));
  config.token = options.token;
  if (config.token.empty()) config.token = Env("HF_TOKEN");
  if (config.token.empty()) config.token = Env("HUGGING_FACE_HUB_TOKEN");
  if (config.token.empty()) {  // `huggingface-cli login` stores it here
    std::ifstream in(hf_home / "token");
    std::getline(in, config.token);
    while (!config.token.empty() && std::isspace(static_cast<unsigned char>(config.token.back()))) config.token.pop_back();
  }
  return config;
}

bool LooksLikeHubId(std::string_view source) {
  const size_t slash = source.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == source.size()) return false;
  if (source.find('/', slash + 1) != std::string_view::npos) return false;
  if (source.front() == '.' || source.find("..") != std::string_view::npos) return false;
  for (char c : source) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '/') return false;
  }
  std::error_code ec;
  return !fs::exists(fs::path(source), ec);
}

struct HubResolver::Remote {
  std::string etag;
  std::optional<uint64_t> size;
  std::string commit;
};

HubResolver::HubResolver(HubConfig config) : config_(std::move(config)) { curl_global_init(CURL_GLOBAL_DEFAULT); }
HubResolver::~HubResolver() { curl_global_cleanup(); }

fs::path HubResolver::RepoFolder(const std::string& repo_id) const {
  std::string name = "models--" + repo_id;
  for (size_t pos = name.find('/'); pos != std::string::npos; pos = name.find('/', pos)) name.replace(pos, 1, "--");
  return config_.cache_dir / name;
}

Result<std::string> HubResolver::CachedCommit(const std::string& repo_id, const std::string& revision) const {
  const fs::path repo = RepoFolder(repo_id);
  std::error_code ec;
  if (IsCommitHash(revision) && fs::is_directory(repo / "snapshots" / revision, ec)) return revision;
  std::ifstream ref(repo / "refs" / revision);
  std::string commit;
  std::getline(ref, commit);
  if (IsCommitHash(commit) && fs::is_directory(repo / "snapshots" / commit, ec)) return commit;
  return Status::NotFound("hub model " + repo_id + "@" + revision + " is not in the cache (" + repo.string() + ")" +
                          (config_.offline ? " and HF_HUB_OFFLINE is set" : ""));
}

Result<std::string> HubResolver::ResolveCommit(const std::string& repo_id, const std::string& revision) {
  if (config_.offline) return CachedCommit(repo_id, revision);
  HttpClient http(config_);
  const std::string url = config_.endpoint + "/" + repo_id + "/resolve/" + UrlEncodePath(revision, false) + "/config.json";
  TEXTEMBED_ASSIGN_OR_RETURN(HttpResponse response, http.Head(url));
  if (response.status >= 400) {
    HttpResponse answer = response;
    // Without an error code, a 401/404 on the first file means the repo (as the hub answers anonymously).
    if (answer.Header("x-error-code").empty() && (answer.status == 401 || answer.status == 404)) {
      answer.headers["x-error-code"] = "RepoNotFound";
    }
    return HubHttpError(answer, repo_id, revision, "config.json", config_.endpoint);
  }
  std::string commit = response.Header("x-repo-commit");
  if (commit.empty() && IsCommitHash(revision)) commit = revision;
  if (!IsCommitHash(commit)) {
    return Status::IoError("hub did not name the commit of " + repo_id + "@" + revision + " (no X-Repo-Commit header)");
  }
  if (revision != commit) TEXTEMBED_RETURN_IF_ERROR(WriteFileAtomically(RepoFolder(repo_id) / "refs" / revision, commit));
  return commit;
}

Result<fs::path> HubResolver::FetchFile(const std::string& repo_id, const std::string& commit,
                                        const std::string& filename, bool optional) {
  if (!SafeRelativePath(filename)) return Status::InvalidArgument("hub file name '" + filename + "' is not a relative path");
  const fs::path repo = RepoFolder(repo_id);
  const fs::path link = repo / "snapshots" / commit / filename;
  const fs::path absent = repo / ".no_exist" / commit / filename;
  std::error_code ec;
  if (fs::exists(link, ec)) {  // follows the symlink: the blob is there
    ++stats_.files_reused;
    return link;
  }
  if (optional && fs::exists(absent, ec)) return fs::path();
  if (config_.offline) {
    if (optional) return fs::path();
    return Status::NotFound("hub file " + filename + " of " + repo_id + "@" + commit +
                            " is not in the cache and HF_HUB_OFFLINE is set");
  }

  HttpClient http(config_);
  const std::string url =
      config_.endpoint + "/" + repo_id + "/resolve/" + commit + "/" + UrlEncodePath(filename, /*keep_slash=*/true);
  TEXTEMBED_ASSIGN_OR_RETURN(HttpResponse head, http.Head(url));
  if (head.status >= 400) {
    if (optional && head.status == 404) {
      // Remember the absence, as huggingface_hub does, so offline runs know.
      TEXTEMBED_RETURN_IF_ERROR(WriteFileAtomically(absent, ""));
      return fs::path();
    }
    return HubHttpError(head, repo_id, commit, filename, config_.endpoint);
  }
  Remote remote;
  remote.etag = NormalizeEtag(!head.Header("x-linked-etag").empty() ? head.Header("x-linked-etag") : head.Header("etag"));
  const std::string size = !head.Header("x-linked-size").empty() ? head.Header("x-linked-size") : head.Header("content-length");
  if (!size.empty()) remote.size = std::strtoull(size.c_str(), nullptr, 10);
  if (remote.etag.empty() || !SafeRelativePath(remote.etag) || remote.etag.find('/') != std::string::npos) {
    return Status::IoError("hub sent no usable ETag for " + filename + " of " + repo_id);
  }

  const fs::path blob = repo / "blobs" / remote.etag;
  TEXTEMBED_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(config_.cache_dir / ".locks" / repo.filename() /
                                                               (remote.etag + ".lock")));
  if (fs::exists(blob, ec)) {
    ++stats_.files_reused;
    TEXTEMBED_RETURN_IF_ERROR(LinkIntoSnapshot(blob, link));
    return link;
  }
  fs::create_directories(blob.parent_path(), ec);
  const fs::path incomplete = blob.string() + ".incomplete";
  bool done = false;
  std::string last_error;
  for (int attempt = 0; attempt <= config_.max_resume_attempts && !done; ++attempt) {
    uint64_t have = fs::exists(incomplete, ec) ? fs::file_size(incomplete, ec) : 0;
    if (remote.size && have > *remote.size) {  // not a prefix of this file
      fs::remove(incomplete, ec);
      have = 0;
    }
    if (remote.size && have == *remote.size && have > 0) break;
    TEXTEMBED_ASSIGN_OR_RETURN(HttpTransfer transfer, http.GetToFile(url, incomplete, have));
    const long status = transfer.response.status;
    stats_.bytes_downloaded += transfer.bytes_written;
    if (have > 0 && status == 206) ++stats_.resumed;
    if (status == 416) {  // nothing left to send from `have`: start over
      fs::remove(incomplete, ec);
      continue;
    }
    if (status >= 400) return HubHttpError(transfer.response, repo_id, commit, filename, config_.endpoint);
    const uint64_t now = fs::file_size(incomplete, ec);
    done = transfer.complete && (!remote.size || now == *remote.size);
    if (!done) {
      last_error = transfer.complete ? "the server sent " + std::to_string(now) + " of " + std::to_string(*remote.size) + " bytes"
                                     : transfer.transport_error;
      spdlog::info("hub: download of {} ({}) interrupted at {} bytes: {}; resuming", filename, repo_id, now, last_error);
    }
  }
  if (!done && !(remote.size && fs::exists(incomplete, ec) && fs::file_size(incomplete, ec) == *remote.size)) {
    return Status::Unavailable("hub download of " + filename + " (" + repo_id + ") did not complete after " +
                               std::to_string(config_.max_resume_attempts) + " resumes: " + last_error +
                               "; the partial file is kept for the next attempt");
  }
  if (Status verified = VerifyEtag(incomplete, remote.etag); !verified.ok()) {
    fs::remove(incomplete, ec);
    return verified.WithContext("hub download of " + repo_id + "/" + filename + " deleted");
  }
  fs::rename(incomplete, blob, ec);
  if (ec) return Status::IoError(blob.string() + ": " + ec.message());
  ++stats_.files_downloaded;
  TEXTEMBED_RETURN_IF_ERROR(LinkIntoSnapshot(blob, link));
  return link;
}

Result<fs::path> HubResolver::ResolveFile(const std::string& repo_id, const std::string& revision,
                                          const std::string& filename, bool optional) {
  if (!LooksLikeHubId(repo_id)) return Status::InvalidArgument("'" + repo_id + "' is not a hub id (org/name)");
  Result<std::string> commit = ResolveCommit(repo_id, revision);
  if (!commit.ok() && commit.status().code() == Status::Code::kUnavailable) commit = CachedCommit(repo_id, revision);
  if (!commit.ok()) return commit.status();
  return FetchFile(repo_id, *commit, filename, optional);
}

Result<fs::path> HubResolver::ResolveModelAt(const std::string& repo_id, const std::string& commit, bool offline) {
  const bool was_offline = config_.offline;
  config_.offline = was_offline || offline;
  struct Restore {
    HubConfig& config;
    bool value;
    ~Restore() { config.offline = value; }
  } restore{config_, was_offline};

  // modules.json first: it names the module folders (and where the
  // transformer lives when not at the root).
  TEXTEMBED_ASSIGN_OR_RETURN(fs::path modules_path, FetchFile(repo_id, commit, "modules.json", true));
  std::string transformer_prefix;
  std::vector<std::pair<std::string, std::string>> modules;  // (path, type)
  if (!modules_path.empty()) {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string text, ReadFileToString(modules_path));
    const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_array()) return Status::Corruption(repo_id + "/modules.json: expected a JSON array");
    for (const auto& module : json) {
      if (!module.is_object()) continue;
      const std::string path = module.value("path", std::string());
      const std::string type = module.value("type", std::string());
      if (!path.empty() && !SafeRelativePath(path)) {
        return Status::Corruption(repo_id + "/modules.json: module path '" + path + "' leaves the folder");
      }
      if (type.ends_with("Transformer")) {
        if (!path.empty()) transformer_prefix = path + "/";
      } else if (!path.empty()) {
        modules.emplace_back(path, type);
      }
    }
  }
  const std::string& t = transformer_prefix;
  TEXTEMBED_RETURN_IF_ERROR(FetchFile(repo_id, commit, t + "config.json", false).status());
  TEXTEMBED_RETURN_IF_ERROR(FetchFile(repo_id, commit, t + "tokenizer.json", false).status());
  for (const char* optional : {"sentence_bert_config.json", "config_sentence_transformers.json"}) {
    TEXTEMBED_RETURN_IF_ERROR(FetchFile(repo_id, commit, optional, true).status());
    if (!t.empty()) TEXTEMBED_RETURN_IF_ERROR(FetchFile(repo_id, commit, t + optional, true).status());
  }
  TEXTEMBED_ASSIGN_OR_RETURN(fs::path weights, FetchFile(repo_id, commit, t + "model.safetensors", true));
  if (weights.empty()) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, FetchFile(repo_id, commit, t + "onnx/model.onnx", true));
  }
  if (weights.empty()) {
    return Status::NotFound("hub model " + repo_id + "@" + commit + " has no " + t + "model.safetensors or " + t +
                            "onnx/model.onnx" + (config_.offline ? " in the cache" : ""));
  }
  for (const auto& [path, type] : modules) {
    TEXTEMBED_RETURN_IF_ERROR(FetchFile(repo_id, commit, path + "/config.json", true).status());
    if (type.ends_with("Dense")) {
      TEXTEMBED_ASSIGN_OR_RETURN(fs::path dense, FetchFile(repo_id, commit, path + "/model.safetensors", true));
      if (dense.empty()) TEXTEMBED_RETURN_IF_ERROR(FetchFile(repo_id, commit, path + "/pytorch_model.bin", true).status());
    }
  }
  return RepoFolder(repo_id) / "snapshots" / commit;
}

Result<fs::path> HubResolver::ResolveModel(const std::string& repo_id, const std::string& revision) {
  if (!LooksLikeHubId(repo_id)) return Status::InvalidArgument("'" + repo_id + "' is not a hub id (org/name)");
  if (revision.empty() || revision.find("..") != std::string::npos || revision.front() == '/') {
    return Status::InvalidArgument("bad hub revision '" + revision + "'");
  }
  Result<std::string> commit = ResolveCommit(repo_id, revision);
  if (commit.ok()) return ResolveModelAt(repo_id, *commit, false);
  if (commit.status().code() != Status::Code::kUnavailable) return commit.status();
  // The hub cannot be reached: what the cache holds will do.
  Result<std::string> cached = CachedCommit(repo_id, revision);
  if (!cached.ok()) return commit.status().WithContext("no cached copy either");
  spdlog::warn("hub: {}; using the cached snapshot {} of {}", commit.status().message(), *cached, repo_id);
  return ResolveModelAt(repo_id, *cached, /*offline=*/true);
}

}  // namespace textembed::service
