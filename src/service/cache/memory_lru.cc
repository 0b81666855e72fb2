#include "service/cache/memory_lru.h"

#include <algorithm>

namespace textembed::service {

MemoryLru::MemoryLru(size_t max_entries, size_t max_bytes, size_t shards)
    : shards_(shards != 0 ? shards : (max_entries < 4096 ? 1 : 16)) {
  const size_t n = shards_.size();
  max_entries_per_shard_ = (max_entries + n - 1) / n;
  max_bytes_per_shard_ = (max_bytes + n - 1) / n;
}

bool MemoryLru::Get(const CacheKey& key, std::vector<float>* out) {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return false;
  shard.order.splice(shard.order.begin(), shard.order, found->second);
  const std::vector<float>& vector = found->second->vector;
  out->assign(vector.begin(), vector.end());
  return true;
}

void MemoryLru::EraseLocked(Shard& shard, std::list<Entry>::iterator it) {
  const size_t charge = ChargeOf(it->vector.size());
  shard.bytes -= charge;
  bytes_.fetch_sub(charge, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.index.erase(it->key);
  shard.order.erase(it);
}

size_t MemoryLru::Put(const CacheKey& key, std::span<const float> vector) {
  const size_t charge = ChargeOf(vector.size());
  if (vector.empty() || max_entries_per_shard_ == 0 || charge > max_bytes_per_shard_) return 0;
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mutex);
  if (auto found = shard.index.find(key); found != shard.index.end()) EraseLocked(shard, found->second);
  size_t evicted = 0;
  while (!shard.order.empty() &&
         (shard.index.size() + 1 > max_entries_per_shard_ || shard.bytes + charge > max_bytes_per_shard_)) {
    EraseLocked(shard, std::prev(shard.order.end()));
    ++evicted;
  }
  shard.order.push_front(Entry{key, std::vector<float>(vector.begin(), vector.end())});
  shard.index.emplace(key, shard.order.begin());
  shard.bytes += charge;
  bytes_.fetch_add(charge, std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
  return evicted;
}

void MemoryLru::EraseModel(const Hash128& model) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.order.begin(); it != shard.order.end();) {
      auto next = std::next(it);
      if (it->key.model == model) EraseLocked(shard, it);
      it = next;
    }
  }
}

void MemoryLru::Clear() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    while (!shard.order.empty()) EraseLocked(shard, shard.order.begin());
  }
}

}  // namespace textembed::service
