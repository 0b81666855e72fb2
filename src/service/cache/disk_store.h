// Level 2 of the embedding cache: vectors in an LMDB environment.
//
// Three named databases:
//   vectors: key (32 bytes: model fingerprint, item hash; big-endian) → record
//   age:     access stamp (8 bytes big-endian) + key → empty; oldest first
//   meta:    "format" → layout version
// A record is a 24-byte header (magic, dimension, stamp, XXH3-64 checksum of
// key, dimension and floats) followed by the float32 values; any record that
// does not check out reads as a miss.
//
// Size: the LMDB map size is the hard bound of the file. Writes go in
// transactions of at most ~4% of the map; before each, pages in use above the
// high-water mark (85% of the map, less for tiny maps) evict the oldest stamps
// by 15% of the map; a write that still finds the map full (MDB_MAP_FULL)
// evicts harder and retries in smaller transactions.
// Reads are lock-free LMDB read transactions; writes are serialized by LMDB.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "service/cache/embedding_cache.h"

namespace textembed::service {

class DiskStore {
 public:
  static Result<std::unique_ptr<DiskStore>> Open(const std::filesystem::path& dir, size_t max_bytes,
                                                 bool sync_each_commit);
  ~DiskStore();
  DiskStore(const DiskStore&) = delete;
  DiskStore& operator=(const DiskStore&) = delete;

  enum class Lookup { kHit, kMiss, kCorrupt };
  Lookup Get(const CacheKey& key, std::vector<float>* out) const;

  struct Write {
    CacheKey key;
    std::vector<float> vector;  // empty: only refresh the access stamp (a disk hit)
  };
  // Commits all writes in one transaction, evicting as needed. On an error
  // (full disk, I/O) nothing of this batch is stored and everything committed
  // before stays readable.
  Status Apply(std::span<const Write> writes);

  Status EraseModel(const Hash128& model);
  Status Clear();
  Status Sync();

  struct Usage {
    uint64_t entries = 0;
    uint64_t bytes = 0;  // pages in use × page size
  };
  Usage usage() const;
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  size_t map_bytes() const { return map_bytes_; }

  // Walks every record and counts those that do not check out (tests, fsck).
  Result<std::pair<uint64_t, uint64_t>> Verify() const;  // (valid, damaged)

 private:
  DiskStore() = default;
  Status EvictTo(size_t target_bytes, bool at_least_one, size_t per_txn);
  Status DropAllLocked(bool count_as_evictions);  // write_mutex_ held
  Status AdvanceTxn();
  Status TryApply(std::span<const Write> writes, int* mdb_error);
  uint64_t UsedBytes(MDB_txn* txn) const;

  MDB_env* env_ = nullptr;
  MDB_dbi vectors_ = 0;
  MDB_dbi age_ = 0;
  MDB_dbi meta_ = 0;
  int lock_fd_ = -1;
  size_t map_bytes_ = 0;
  size_t page_size_ = 4096;
  std::mutex write_mutex_;   // one writer at a time (LMDB would block anyway)
  uint64_t next_stamp_ = 1;  // guarded by write_mutex_
  std::atomic<uint64_t> evictions_{0};
  std::filesystem::path dir_;
};

}  // namespace textembed::service
