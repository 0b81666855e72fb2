#include <gtest/gtest.h>

#include <thread>

#include "cache_test_util.h"
#include "service/cache/embedding_cache.h"
#include "service/metrics/metrics_registry.h"

namespace textembed::service {
namespace {
using testing::TestKey;
using testing::TestModel;
using testing::TestVector;

std::unique_ptr<EmbeddingCache> MemoryOnly(size_t entries, size_t bytes, MetricsRegistry* metrics = nullptr) {
  EmbeddingCacheOptions options;
  options.memory_max_entries = entries;
  options.memory_max_bytes = bytes;
  options.memory_shards = 1;  // exact LRU order
  auto cache = EmbeddingCache::Open(options, metrics);
  EXPECT_TRUE(cache.ok()) << cache.status().ToString();
  return std::move(cache).value();
}

TEST(CacheMemoryTest, HitReturnsTheStoredVector) {
  auto cache = MemoryOnly(10, 1 << 20);
  std::vector<float> out;
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMiss);
  cache->Put(TestKey(1), TestVector(1));
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMemory);
  EXPECT_EQ(out, TestVector(1));
  const CacheStats stats = cache->Stats();
  EXPECT_EQ(stats.memory.hits, 1u);
  EXPECT_EQ(stats.memory.misses, 1u);
  EXPECT_EQ(stats.memory.entries, 1u);
  EXPECT_EQ(stats.memory.bytes, 384 * sizeof(float) + kMemoryEntryOverhead);
}

TEST(CacheMemoryTest, EvictsLeastRecentlyUsedByCount) {
  auto cache = MemoryOnly(3, 1 << 20);
  std::vector<float> out;
  for (int i = 0; i < 3; ++i) cache->Put(TestKey(i), TestVector(i));
  ASSERT_EQ(cache->Get(TestKey(0), &out), CacheLevel::kMemory);  // 0 is now the newest
  cache->Put(TestKey(3), TestVector(3));                        // evicts 1, the oldest
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMiss);
  for (int i : {0, 2, 3}) {
    EXPECT_EQ(cache->Get(TestKey(i), &out), CacheLevel::kMemory) << i;
    EXPECT_EQ(out, TestVector(i));
  }
  EXPECT_EQ(cache->Stats().memory.entries, 3u);
  EXPECT_EQ(cache->Stats().memory.evictions, 1u);
}

TEST(CacheMemoryTest, EvictsByBytes) {
  const size_t charge = 384 * sizeof(float) + kMemoryEntryOverhead;
  auto cache = MemoryOnly(1000, 2 * charge + charge / 2);  // room for two 384-d vectors
  std::vector<float> out;
  for (int i = 0; i < 3; ++i) cache->Put(TestKey(i), TestVector(i));
  EXPECT_EQ(cache->Get(TestKey(0), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMemory);
  EXPECT_EQ(cache->Get(TestKey(2), &out), CacheLevel::kMemory);
  EXPECT_EQ(cache->Stats().memory.bytes, 2 * charge);
  // Ten small vectors (128 bytes charged each) need 1,280 bytes: the oldest
  // big entry (1) makes room, the younger one (2) stays.
  for (int i = 10; i < 20; ++i) cache->Put(TestKey(i), TestVector(i, 8));
  EXPECT_EQ(cache->Stats().memory.entries, 11u);
  EXPECT_EQ(cache->Stats().memory.bytes, charge + 10 * (8 * sizeof(float) + kMemoryEntryOverhead));
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Get(TestKey(2), &out), CacheLevel::kMemory);
  // One vector bigger than the whole budget is not stored and evicts nothing.
  cache->Put(TestKey(99), TestVector(99, 4096));
  EXPECT_EQ(cache->Get(TestKey(99), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Stats().memory.entries, 11u);
}

TEST(CacheMemoryTest, ReplacingAnEntryKeepsOneCopy) {
  auto cache = MemoryOnly(10, 1 << 20);
  cache->Put(TestKey(1), TestVector(1));
  cache->Put(TestKey(1), TestVector(2));
  std::vector<float> out;
  ASSERT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMemory);
  EXPECT_EQ(out, TestVector(2));
  EXPECT_EQ(cache->Stats().memory.entries, 1u);
}

TEST(CacheMemoryTest, InvalidatesOneModelAndClears) {
  auto cache = MemoryOnly(100, 1 << 20);
  for (int i = 0; i < 5; ++i) {
    cache->Put(TestKey(i, /*model=*/1), TestVector(i));
    cache->Put(TestKey(i, /*model=*/2), TestVector(i));
  }
  std::vector<float> out;
  ASSERT_TRUE(cache->InvalidateModel(TestModel(1)).ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(cache->Get(TestKey(i, 1), &out), CacheLevel::kMiss);
    EXPECT_EQ(cache->Get(TestKey(i, 2), &out), CacheLevel::kMemory);
  }
  ASSERT_TRUE(cache->Clear().ok());
  EXPECT_EQ(cache->Stats().memory.entries, 0u);
  EXPECT_EQ(cache->Stats().memory.bytes, 0u);
  EXPECT_EQ(cache->Get(TestKey(0, 2), &out), CacheLevel::kMiss);
}

TEST(CacheMemoryTest, ADifferentModelNeverHits) {
  auto cache = MemoryOnly(100, 1 << 20);
  cache->Put(CacheKey::Make(TestModel(1), "n=1", "same text"), TestVector(1));
  std::vector<float> out;
  EXPECT_EQ(cache->Get(CacheKey::Make(TestModel(2), "n=1", "same text"), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Get(CacheKey::Make(TestModel(1), "n=0", "same text"), &out), CacheLevel::kMiss);
}

TEST(CacheMemoryTest, ReportsIntoTheMetricsRegistry) {
  MetricsRegistry metrics(MetricsRegistry::Options{.process_metrics = false});
  auto cache = MemoryOnly(10, 1 << 20, &metrics);
  std::vector<float> out;
  cache->Put(TestKey(1), TestVector(1));
  (void)cache->Get(TestKey(1), &out);
  (void)cache->Get(TestKey(2), &out);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("textembed_cache_hits_total{level=\"memory\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("textembed_cache_misses_total{level=\"memory\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("textembed_cache_entries{level=\"memory\"} 1"), std::string::npos) << text;
}

// Many threads on a sharded LRU: every hit must be the exact vector of its
// key (run under ThreadSanitizer in CI).
TEST(CacheMemoryTest, ConcurrentCallersSeeConsistentEntries) {
  EmbeddingCacheOptions options;
  options.memory_max_entries = 500;
  options.memory_max_bytes = 64 << 20;
  options.memory_shards = 8;
  auto cache = EmbeddingCache::Open(options);
  ASSERT_TRUE(cache.ok());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> out;
      for (int n = 0; n < 2000; ++n) {
        const int i = (n * 7 + t * 13) % 1000;
        if ((*cache)->Get(TestKey(i), &out) == CacheLevel::kMemory) {
          if (out != TestVector(i, 16)) ++wrong;
        } else {
          (*cache)->Put(TestKey(i), TestVector(i, 16));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE((*cache)->Stats().memory.entries, 504u);  // per-shard bound, rounded up
}

}  // namespace
}  // namespace textembed::service
