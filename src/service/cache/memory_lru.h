// Level 1 of the embedding cache: an in-process LRU bounded by entry count and
// by bytes, split into shards (each its own lock and its own share of both
// bounds) so that concurrent callers rarely contend.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "service/cache/embedding_cache.h"

namespace textembed::service {

class MemoryLru {
 public:
  // The item hash is already uniform: its low word is a good bucket hash.
  struct KeyHash {
    size_t operator()(const CacheKey& key) const noexcept { return static_cast<size_t>(key.item.low); }
  };

  // `shards` 0: one shard below 4,096 entries (exact LRU order), else 16.
  MemoryLru(size_t max_entries, size_t max_bytes, size_t shards);

  bool Get(const CacheKey& key, std::vector<float>* out);
  // Returns how many entries this put evicted. A vector larger than a shard's
  // byte budget is not stored.
  size_t Put(const CacheKey& key, std::span<const float> vector);
  void EraseModel(const Hash128& model);
  void Clear();

  size_t entries() const { return entries_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

  static size_t ChargeOf(size_t dimension) { return dimension * sizeof(float) + kMemoryEntryOverhead; }

 private:
  struct Entry {
    CacheKey key;
    std::vector<float> vector;
  };
  struct Shard {
    std::mutex mutex;
    std::list<Entry> order;  // front: most recently used
    std::unordered_map<CacheKey, std::list<Entry>::iterator, KeyHash> index;
    size_t bytes = 0;
  };

  Shard& ShardOf(const CacheKey& key) { return shards_[(key.item.high >> 32) % shards_.size()]; }
  void EraseLocked(Shard& shard, std::list<Entry>::iterator it);

  size_t max_entries_per_shard_;
  size_t max_bytes_per_shard_;
  std::vector<Shard> shards_;
  std::atomic<size_t> entries_{0};
  std::atomic<size_t> bytes_{0};
};

}  // namespace textembed::service
