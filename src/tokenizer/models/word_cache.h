// A bounded cache of recent words for models whose Tokenize() is const and
// called from many threads: sharded so threads rarely contend on one mutex.
// Like Hugging Face's cache it simply stops admitting words once full, which
// keeps it allocation-free on the hot path after warm-up.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/models/vocab.h"

namespace textembed::tokenizer::models {

template <typename Value>
class WordCache {
 public:
  // Words longer than this are rare and would mostly pollute the cache.
  static constexpr size_t kMaxWordBytes = 256;

  explicit WordCache(size_t capacity) : per_shard_capacity_((capacity + kShards - 1) / kShards) {}

  bool Lookup(std::string_view word, Value* out) const {
    if (per_shard_capacity_ == 0 || word.size() > kMaxWordBytes) return false;
    const size_t hash = TransparentStringHash{}(word);
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.entries.find(word);
    if (it == shard.entries.end()) return false;
    *out = it->second;
    return true;
  }

  void Store(std::string_view word, const Value& value) const {
    if (per_shard_capacity_ == 0 || word.size() > kMaxWordBytes) return;
    const size_t hash = TransparentStringHash{}(word);
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.entries.size() >= per_shard_capacity_) return;
    shard.entries.emplace(std::string(word), value);
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Value, TransparentStringHash, std::equal_to<>> entries;
  };

  size_t per_shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace textembed::tokenizer::models
