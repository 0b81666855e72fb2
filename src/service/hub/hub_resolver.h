// Hugging Face hub ids ("org/name" + revision) to local model folders, in the
// cache layout huggingface_hub writes, so folders Python users downloaded are
// reused and ours are reused by Python:
//
//   $HF_HOME/hub/models--org--name/
//     refs/<revision>              the commit the revision pointed to (text)
//     blobs/<etag>                 file contents, named by sha256 (LFS) or git sha1
//     snapshots/<commit>/<file>    relative symlinks to ../../blobs/<etag>
//     .no_exist/<commit>/<file>    empty markers for optional files the hub lacks
//
// Missing files are downloaded with libcurl from {endpoint}/{repo}/resolve/
// {revision}/{file}: into blobs/<etag>.incomplete, resumed with an HTTP Range
// after a dropped connection, checked against the hub's digest (X-Linked-Etag
// = sha256 of LFS files, ETag = git blob sha1 of small ones), then renamed into
// place. A corrupted download is deleted and reported (kCorruption).
// HF_HUB_OFFLINE resolves from the cache only; when the hub cannot be reached
// the cache is used as well.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/service.h"
#include "textembed/status.h"

namespace textembed::service {

// HubOptions with the environment applied: HF_ENDPOINT, HF_HOME / HF_HUB_CACHE,
// HF_HUB_OFFLINE, HF_TOKEN (or HUGGING_FACE_HUB_TOKEN).
struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // no trailing slash
  std::filesystem::path cache_dir;                   // the "hub" folder holding models--*
  bool offline = false;
  std::string token;                                 // sent as "Authorization: Bearer"
  long connect_timeout_seconds = 10;
  long low_speed_timeout_seconds = 30;  // abort a transfer stuck below 1 KB/s this long
  int max_resume_attempts = 5;          // Range requests after a dropped connection

  static HubConfig FromOptions(const HubOptions& options);
};

// "org/name" (one slash, no path that exists locally, hub-legal characters).
bool LooksLikeHubId(std::string_view source);

struct HubDownloadStats {
  uint64_t files_downloaded = 0;  // fetched over the network (fully or resumed)
  uint64_t files_reused = 0;      // already in the snapshot or as a blob
  uint64_t bytes_downloaded = 0;
  uint64_t resumed = 0;           // Range requests that continued a partial file
};

// Not thread-safe: one resolver per thread (or a lock around it). Several
// resolvers, in this process or others, may share a cache folder: downloads
// of one blob are serialized by a lock file (.locks/, as huggingface_hub does).
class HubResolver {
 public:
  explicit HubResolver(HubConfig config);
  ~HubResolver();
  HubResolver(const HubResolver&) = delete;
  HubResolver& operator=(const HubResolver&) = delete;

  // The snapshot folder of a sentence-transformers (or plain transformers)
  // model: modules.json, config.json, tokenizer.json, model.safetensors (else
  // onnx/model.onnx), sentence_bert_config.json, config_sentence_transformers.json
  // and each module's files (Pooling/Dense config, Dense weights). Optional
  // files may be absent (404). Errors: kNotFound (unknown repo, revision or a
  // required file; offline and not cached), kCorruption (checksum mismatch),
  // kUnavailable (network), kInvalidArgument (bad id).
  Result<std::filesystem::path> ResolveModel(const std::string& repo_id, const std::string& revision = "main");

  // One file of a repo (downloaded if missing). `optional`: a 404 gives an
  // empty path instead of an error.
  Result<std::filesystem::path> ResolveFile(const std::string& repo_id, const std::string& revision,
                                            const std::string& filename, bool optional = false);

  // models--org--name under the cache dir.
  std::filesystem::path RepoFolder(const std::string& repo_id) const;

  const HubConfig& config() const { return config_; }
  HubDownloadStats stats() const { return stats_; }

 private:
  struct Remote;  // what a HEAD request said about one file
  Result<std::string> ResolveCommit(const std::string& repo_id, const std::string& revision);
  Result<std::string> CachedCommit(const std::string& repo_id, const std::string& revision) const;
  Result<std::filesystem::path> FetchFile(const std::string& repo_id, const std::string& commit,
                                          const std::string& filename, bool optional);
  Result<std::filesystem::path> ResolveModelAt(const std::string& repo_id, const std::string& commit,
                                               bool offline);

  HubConfig config_;
  HubDownloadStats stats_;
};

}  // namespace textembed::service
