// Two-level cache of finished embedding vectors.
//
//   Get: memory LRU → disk store (LMDB) → miss        Put: memory + disk
//
// Level 1 is an in-process LRU bounded by entry count and by bytes. Level 2 is
// an LMDB environment in `disk_dir`, bounded by `disk_max_bytes` (oldest
// access first out), crash-safe (copy-on-write B-tree: a killed writer leaves
// the last committed state) and kept across restarts.
//
// Keys are 128-bit XXH3 hashes of (model fingerprint, options signature,
// text), stored behind the 128-bit model fingerprint, so a changed model never
// hits and one model's entries are one contiguous key range (invalidation is a
// range delete). Values are float32 vectors checked on every read: a short or
// damaged record is a miss, never a crash.
//
// Thread-safe. One EmbeddingCache per disk_dir at a time (a lock file turns a
// second opener, in this process or another, into a clear error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/service.h"
#include "textembed/status.h"

namespace textembed::service {

class MetricsRegistry;  // service/metrics/metrics_registry.h

// A 128-bit content hash (XXH3-128).
struct Hash128 {
  uint64_t high = 0;
  uint64_t low = 0;

  friend bool operator==(const Hash128&, const Hash128&) = default;
  std::string ToHex() const;  // 32 lowercase hex digits, high first
};

// Content hash of everything in a model folder that changes its vectors:
// config.json, tokenizer.json, modules.json, sentence_bert_config.json, each
// Pooling/Dense/Normalize module's files (configs and Dense weights) and the
// weights file. `weights_file` is the one the engine read
// (ModelInfo::weights_file); empty: the engine's choice (model.safetensors,
// else onnx/model.onnx). Streams XXH3 over mmapped files (~10 GB/s once the
// pages are cached).
Result<Hash128> ModelFingerprint(const std::filesystem::path& folder,
                                 const std::filesystem::path& weights_file = {});

// What a vector is looked up by. `model` leads the stored key so that one
// model's entries are contiguous; `item` hashes (model, options, text).
struct CacheKey {
  Hash128 model;
  Hash128 item;

  // `options_signature`: a canonical string of every option that changes the
  // vector (normalize, dimensions, prompt, max length, truncation side,
  // chunking mode and overlap, ...), e.g. "n=1;d=384;p=query: ;L=256;t=R".
  // The three parts are length-prefixed before hashing, so no two different
  // (signature, text) pairs share an input.
  static CacheKey Make(const Hash128& model, std::string_view options_signature, std::string_view text);

  friend bool operator==(const CacheKey&, const CacheKey&) = default;
};

struct EmbeddingCacheOptions {
  size_t memory_max_entries = 100'000;  // 0 (or memory_max_bytes 0) disables the memory level
  size_t memory_max_bytes = 256u << 20;  // vector bytes + kMemoryEntryOverhead per entry
  size_t memory_shards = 0;              // 0: chosen from memory_max_entries (1 when small)
  std::filesystem::path disk_dir;        // "" disables the disk level
  size_t disk_max_bytes = size_t{1} << 30;  // hard bound of the LMDB file (its map size)
  // true: every disk write is committed and synced before Put returns (slow;
  // tests of crash behaviour). false: Put queues the write; a background
  // writer commits in batches; Flush() waits for it.
  bool disk_synchronous = false;

  // The public ServiceOptions::cache fields (warm_file/warm_model are the
  // Service's: it warms by calling Put).
  static EmbeddingCacheOptions From(const CacheOptions& options) {
    EmbeddingCacheOptions out;
    out.memory_max_entries = options.memory_max_entries;
    out.memory_max_bytes = options.memory_max_bytes;
    out.disk_dir = options.disk_dir;
    out.disk_max_bytes = options.disk_max_bytes;
    return out;
  }
};

// Accounting charge of one memory entry besides its floats (key, list node,
// hash-table slot), so memory_max_bytes bounds real memory.
inline constexpr size_t kMemoryEntryOverhead = 96;

enum class CacheLevel { kMiss, kMemory, kDisk };

struct CacheLevelStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;      // memory: charged bytes; disk: pages in use × page size
  uint64_t evictions = 0;
};

struct CacheStats {
  CacheLevelStats memory;
  CacheLevelStats disk;
  uint64_t disk_write_errors = 0;
  uint64_t disk_corrupt_records = 0;  // records read back damaged (treated as misses, deleted)
};

class EmbeddingCache {
 public:
  // Opens (creating if needed) the levels `options` enables. `metrics` may be
  // null; otherwise it must outlive the cache. Metrics (label level="memory"|"disk"):
  // textembed_cache_hits_total, textembed_cache_misses_total,
  // textembed_cache_evictions_total, textembed_cache_entries, textembed_cache_bytes,
  // textembed_cache_disk_write_errors_total.
  static Result<std::unique_ptr<EmbeddingCache>> Open(const EmbeddingCacheOptions& options,
                                                      MetricsRegistry* metrics = nullptr);
  ~EmbeddingCache();  // flushes pending disk writes

  EmbeddingCache(const EmbeddingCache&) = delete;
  EmbeddingCache& operator=(const EmbeddingCache&) = delete;

  // Copies the vector into `*out` (resized) and says where it came from. A
  // disk hit is promoted into memory. Never fails: disk errors count as misses.
  CacheLevel Get(const CacheKey& key, std::vector<float>* out);

  // Stores into both levels (replacing an existing entry). An empty vector is
  // ignored. Disk writes are queued unless disk_synchronous; their errors are
  // counted, logged and returned by the next Flush().
  void Put(const CacheKey& key, std::span<const float> vector);

  // Removes every entry of one model from both levels.
  Status InvalidateModel(const Hash128& model);
  // Removes everything from both levels.
  Status Clear();
  // Waits for queued disk writes and syncs the store to disk. Returns the
  // first disk write error since the last Flush, if any (e.g. kResourceExhausted
  // when the disk is full; what was committed before stays intact).
  Status Flush();

  CacheStats Stats() const;
  bool has_memory_level() const;
  bool has_disk_level() const;

 private:
  struct Impl;
  explicit EmbeddingCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace textembed::service
