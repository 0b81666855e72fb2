// One loaded model as the service runs it: the Embedder, its special-token
// layout, prompts, cache fingerprint, dynamic batcher, and the table of work
// in flight that makes identical concurrent texts run once (single flight).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "service/cache/embedding_cache.h"
#include "service/dynamic_batcher.h"
#include "service/model_registry.h"
#include "service/text_windows.h"
#include "textembed/embedder.h"

namespace textembed::service {

class TextJob;

// Prompts from config_sentence_transformers.json ("prompts", "default_prompt_name").
struct ModelPrompts {
  std::map<std::string, std::string> by_name;
  std::optional<std::string> default_name;

  static Result<ModelPrompts> Read(const std::filesystem::path& folder);
};

struct CacheKeyHash {
  size_t operator()(const CacheKey& key) const { return key.item.low ^ (key.item.high * 0x9E3779B97F4A7C15ull); }
};

struct ServedModelOptions {
  EmbedderOptions embedder;
  BatcherOptions batcher;
  bool fingerprint = false;  // compute the cache fingerprint (a cache is configured)
};

class ServedModel : public RegisteredModel {
 public:
  static Result<std::shared_ptr<ServedModel>> Load(const std::string& name, const std::filesystem::path& folder,
                                                   const ServedModelOptions& options,
                                                   std::shared_ptr<std::mutex> compute,
                                                   std::shared_ptr<QueueBudget> queue, BatcherMetrics metrics);
  ~ServedModel() override;

  size_t bytes() const override { return bytes_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& folder() const { return folder_; }
  const Embedder& embedder() const { return embedder_; }
  const ModelInfo& info() const { return embedder_.info(); }
  const SpecialTokenLayout& layout() const { return layout_; }
  const ModelPrompts& prompts() const { return prompts_; }
  const std::optional<Hash128>& fingerprint() const { return fingerprint_; }
  DynamicBatcher& batcher() { return *batcher_; }

  // Single flight: the job computing `key`, or null.
  std::mutex& inflight_mutex() { return inflight_mutex_; }
  std::unordered_map<CacheKey, std::shared_ptr<TextJob>, CacheKeyHash>& inflight() { return inflight_; }

 private:
  ServedModel(std::string name, std::filesystem::path folder, Embedder embedder)
      : name_(std::move(name)), folder_(std::move(folder)), embedder_(std::move(embedder)) {}

  std::string name_;
  std::filesystem::path folder_;
  Embedder embedder_;
  SpecialTokenLayout layout_;
  ModelPrompts prompts_;
  std::optional<Hash128> fingerprint_;
  size_t bytes_ = 0;
  std::mutex inflight_mutex_;
  std::unordered_map<CacheKey, std::shared_ptr<TextJob>, CacheKeyHash> inflight_;
  // Last member: stopped and joined first, before the Embedder it calls goes.
  std::unique_ptr<DynamicBatcher> batcher_;
};

}  // namespace textembed::service
