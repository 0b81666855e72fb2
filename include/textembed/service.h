// The embedding service: what every entry point (C++ and C API, CLI, HTTP)
// calls. A Service owns its models, request queue, batcher thread, caches and
// metrics; nothing is global, so several services can live side by side.
//
//   text → tokenizer → batcher → engine → pooling → cache → caller
//
// Thread-safe: any number of threads may call any method at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "textembed/embedder.h"
#include "textembed/status.h"
#include "textembed/tokenizer.h"

namespace textembed {

// One model the service may serve. `source` is a local folder or a Hugging
// Face hub id ("sentence-transformers/all-MiniLM-L6-v2"), resolved through the
// hub cache layout ($HF_HOME/hub/models--org--name/...).
struct ModelSpec {
  std::string name;    // the name requests use
  std::string source;  // folder or hub id
  std::string revision = "main";
};

struct HubOptions {
  std::string endpoint;            // "" : $HF_ENDPOINT, else https://huggingface.co
  std::filesystem::path hf_home;   // "" : $HF_HOME, else ~/.cache/huggingface
  std::optional<bool> offline;     // nullopt: $HF_HUB_OFFLINE
  std::string token;               // "" : $HF_TOKEN
};

struct CacheOptions {
  size_t memory_max_entries = 100'000;   // 0 disables the memory level
  size_t memory_max_bytes = 256u << 20;
  std::filesystem::path disk_dir;        // "" disables the disk level (LMDB)
  size_t disk_max_bytes = size_t{1} << 30;
  std::filesystem::path warm_file;       // texts (one per line) embedded at start-up
  std::string warm_model;                // "" : the default model
};

struct BatchingOptions {
  size_t max_batch_tokens = 0;  // 0: auto-tuned toward target_latency
  std::chrono::microseconds max_wait{2000};         // how long a batch waits to fill
  // Wait only while other requests tend to arrive within max_wait (recent
  // batches show it), so a lone caller never waits; false: always up to max_wait.
  bool adaptive_wait = true;
  std::chrono::milliseconds target_latency{50};     // auto-tuning goal for one forward pass
  size_t max_queued_tokens = 1u << 20;              // back-pressure: beyond this, kUnavailable
};

struct ServiceOptions {
  std::vector<ModelSpec> models;       // the first is the default model
  std::filesystem::path models_dir;    // every sub-folder with a config.json, by folder name
  size_t memory_limit_bytes = 0;       // weights + working memory of loaded models; 0: no limit
  int threads = 0;                     // inference threads; 0: all cores
  std::optional<size_t> max_length;    // tokens per text; nullopt: each model's own
  BatchingOptions batching;
  CacheOptions cache;
  HubOptions hub;
};

enum class TruncationDirection { kRight, kLeft };

// What happens to a text longer than the model's max length.
enum class LongTextMode {
  kTruncate,        // keep max_length tokens (direction per `truncation_direction`)
  kError,           // kOutOfRange
  kChunkEach,       // one embedding per chunk, with its byte range
  kChunkMean,       // one embedding: token-count-weighted mean of chunks, renormalized
};

struct EmbedOptions {
  std::string model;                         // "" : the default model
  std::optional<bool> normalize;             // nullopt: the model folder's Normalize module
  LongTextMode long_text = LongTextMode::kTruncate;
  TruncationDirection truncation_direction = TruncationDirection::kRight;
  size_t chunk_overlap = 32;                 // tokens shared by neighbouring chunks
  std::optional<size_t> dimensions;          // Matryoshka: keep the first N, renormalize
  std::string prompt;                        // prepended to each text (e.g. "query: ")
  std::optional<std::string> prompt_name;    // a prompt from config_sentence_transformers.json
  std::optional<std::chrono::steady_clock::time_point> deadline;  // kDeadlineExceeded after it
  bool use_cache = true;
};

// Where a row of an EmbedResult came from.
struct ChunkRef {
  uint32_t text_index = 0;  // index into the request's texts
  Offset bytes;             // byte range of the chunk in that text
  uint32_t tokens = 0;
};

struct EmbedResult {
  std::string model;        // the name that served it
  Embeddings embeddings;    // one row per text, or per chunk with kChunkEach
  std::vector<ChunkRef> chunks;  // filled with kChunkEach: one per row
  size_t prompt_tokens = 0; // tokens the model saw (OpenAI usage)
  size_t cache_hits = 0;
};

// Token-level outputs (TEI /embed_all): one matrix per text.
struct TokenEmbeddings {
  std::string model;
  std::vector<Embeddings> per_text;  // rows = tokens of that text
  size_t prompt_tokens = 0;
};

struct LoadedModelInfo {
  std::string name;
  std::string source;
  bool loaded = false;
  size_t bytes = 0;  // resident estimate when loaded
  ModelInfo info;    // filled when loaded
};

class Service {
 public:
  // Validates options and the model list; loads the default model eagerly
  // (others on first use), then warms the cache if asked to.
  static Result<std::unique_ptr<Service>> Create(const ServiceOptions& options);
  ~Service();  // Shutdown() with a short grace period if still running

  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Synchronous: blocks the calling thread, the work runs on the batcher.
  Result<EmbedResult> Embed(const std::vector<std::string>& texts, const EmbedOptions& options = {});
  // Token ids given directly (OpenAI accepts them): no tokenization, truncated per options.
  Result<EmbedResult> EmbedIds(const std::vector<std::vector<int32_t>>& ids, const EmbedOptions& options = {});
  std::future<Result<EmbedResult>> EmbedAsync(std::vector<std::string> texts, EmbedOptions options = {});
  void EmbedAsync(std::vector<std::string> texts, EmbedOptions options,
                  std::function<void(Result<EmbedResult>)> done);
  Result<TokenEmbeddings> EmbedTokens(const std::vector<std::string>& texts, const EmbedOptions& options = {});

  Result<Encoding> Tokenize(const std::string& model, std::string_view text, bool add_special_tokens = true);
  Result<std::string> Decode(const std::string& model, const std::vector<int32_t>& ids,
                             bool skip_special_tokens = true);

  // The model a request naming `model` gets ("" : default); loads it if needed.
  Result<ModelInfo> Info(const std::string& model = "");
  std::vector<LoadedModelInfo> Models() const;
  const std::string& default_model() const;

  Status InvalidateCache(const std::string& model);  // both levels
  Status ClearCache();

  // Prometheus text exposition of every metric this service keeps.
  std::string RenderMetrics() const;

  // Stops accepting (new calls get kUnavailable), finishes queued and running
  // work within `grace`, fails what is left, flushes the disk cache.
  Status Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace textembed
