#include <gtest/gtest.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "cache_test_util.h"
#include "service/cache/disk_store.h"
#include "service/cache/embedding_cache.h"

namespace textembed::service {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;
using testing::TestKey;
using testing::TestModel;
using testing::TestVector;

EmbeddingCacheOptions DiskOnly(const fs::path& dir, size_t max_bytes = 64 << 20) {
  EmbeddingCacheOptions options;
  options.memory_max_entries = 0;  // every hit below comes from disk
  options.disk_dir = dir;
  options.disk_max_bytes = max_bytes;
  return options;
}

std::unique_ptr<EmbeddingCache> OpenOrDie(const EmbeddingCacheOptions& options) {
  auto cache = EmbeddingCache::Open(options);
  EXPECT_TRUE(cache.ok()) << cache.status().ToString();
  return cache.ok() ? std::move(cache).value() : nullptr;
}

TEST(CacheDiskTest, SurvivesReopen) {
  TempDir dir("cache-reopen");
  {
    auto cache = OpenOrDie(DiskOnly(dir.path()));
    for (int i = 0; i < 100; ++i) cache->Put(TestKey(i), TestVector(i));
    ASSERT_TRUE(cache->Flush().ok());
  }
  auto cache = OpenOrDie(DiskOnly(dir.path()));
  EXPECT_EQ(cache->Stats().disk.entries, 100u);
  std::vector<float> out;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(cache->Get(TestKey(i), &out), CacheLevel::kDisk) << i;
    EXPECT_EQ(out, TestVector(i));
  }
  EXPECT_EQ(cache->Get(TestKey(100), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Stats().disk.hits, 100u);
  EXPECT_EQ(cache->Stats().disk.misses, 1u);
}

TEST(CacheDiskTest, QueuedWritesAreVisibleBeforeTheyAreCommitted) {
  TempDir dir("cache-queued");
  auto cache = OpenOrDie(DiskOnly(dir.path()));
  std::vector<float> out;
  for (int i = 0; i < 50; ++i) {
    cache->Put(TestKey(i), TestVector(i));
    ASSERT_EQ(cache->Get(TestKey(i), &out), CacheLevel::kDisk) << i;
    EXPECT_EQ(out, TestVector(i));
  }
}

TEST(CacheDiskTest, DiskHitIsPromotedToMemory) {
  TempDir dir("cache-promote");
  EmbeddingCacheOptions options = DiskOnly(dir.path());
  options.memory_max_entries = 10;
  {
    auto cache = OpenOrDie(options);
    cache->Put(TestKey(1), TestVector(1));
  }  // the destructor flushes
  auto cache = OpenOrDie(options);
  std::vector<float> out;
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kDisk);
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMemory);
  EXPECT_EQ(out, TestVector(1));
}

TEST(CacheDiskTest, AChangedModelNeverHitsAndInvalidationIsPerModel) {
  TempDir dir("cache-models");
  {
    auto cache = OpenOrDie(DiskOnly(dir.path()));
    for (int i = 0; i < 20; ++i) {
      cache->Put(TestKey(i, 1), TestVector(i));
      cache->Put(TestKey(i, 2), TestVector(1000 + i));
      cache->Put(TestKey(i, 3), TestVector(2000 + i));
    }
  }
  auto cache = OpenOrDie(DiskOnly(dir.path()));
  std::vector<float> out;
  EXPECT_EQ(cache->Get(TestKey(0, /*model=*/4), &out), CacheLevel::kMiss);
  ASSERT_EQ(cache->Get(TestKey(0, 2), &out), CacheLevel::kDisk);
  EXPECT_EQ(out, TestVector(1000));

  ASSERT_TRUE(cache->InvalidateModel(TestModel(2)).ok());
  EXPECT_EQ(cache->Stats().disk.entries, 40u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(cache->Get(TestKey(i, 2), &out), CacheLevel::kMiss) << i;
    ASSERT_EQ(cache->Get(TestKey(i, 1), &out), CacheLevel::kDisk) << i;
    EXPECT_EQ(out, TestVector(i));
    ASSERT_EQ(cache->Get(TestKey(i, 3), &out), CacheLevel::kDisk) << i;
  }
  ASSERT_TRUE(cache->Clear().ok());
  EXPECT_EQ(cache->Stats().disk.entries, 0u);
  EXPECT_EQ(cache->Get(TestKey(0, 1), &out), CacheLevel::kMiss);
}

TEST(CacheDiskTest, FullStoreEvictsOldestAndStaysWithinItsBound) {
  TempDir dir("cache-full");
  const size_t max_bytes = 1 << 20;  // a few hundred records of 384 floats
  auto cache = OpenOrDie(DiskOnly(dir.path(), max_bytes));
  std::vector<float> out;
  for (int i = 0; i < 1200; ++i) {
    cache->Put(TestKey(i), TestVector(i));
    if (i % 300 == 299) {
      ASSERT_TRUE(cache->Flush().ok());
    }
  }
  ASSERT_TRUE(cache->Flush().ok());
  const CacheStats stats = cache->Stats();
  EXPECT_EQ(stats.disk_write_errors, 0u);
  EXPECT_GT(stats.disk.evictions, 600u);
  EXPECT_GT(stats.disk.entries, 50u);
  EXPECT_LT(stats.disk.entries, 600u);
  EXPECT_EQ(stats.disk.entries + stats.disk.evictions, 1200u);
  EXPECT_LE(stats.disk.bytes, max_bytes);
  EXPECT_LE(fs::file_size(dir.path() / "data.mdb"), max_bytes);
  // The newest survive with their values; the oldest went first.
  for (int i = 1190; i < 1200; ++i) {
    ASSERT_EQ(cache->Get(TestKey(i), &out), CacheLevel::kDisk) << i;
    EXPECT_EQ(out, TestVector(i));
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(cache->Get(TestKey(i), &out), CacheLevel::kMiss) << i;
}

// Callers putting and getting while the writer commits (and evicts, the map
// being small): every hit is the exact vector of its key (run under TSan in CI).
TEST(CacheDiskTest, ConcurrentCallersWithTheWriterAndEviction) {
  TempDir dir("cache-concurrent");
  EmbeddingCacheOptions options = DiskOnly(dir.path(), 2 << 20);
  options.memory_max_entries = 64;
  options.memory_shards = 4;
  auto cache = OpenOrDie(options);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> out;
      for (int n = 0; n < 400; ++n) {
        const int i = (n * 13 + t * 101) % 600;
        if (cache->Get(TestKey(i), &out) != CacheLevel::kMiss) {
          if (out != TestVector(i, 64)) ++wrong;
        } else {
          cache->Put(TestKey(i), TestVector(i, 64));
        }
        if (n % 100 == 99 && t == 0) (void)cache->Flush();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  ASSERT_TRUE(cache->Flush().ok());
  EXPECT_EQ(cache->Stats().disk_write_errors, 0u);
}

TEST(CacheDiskTest, ASecondOpenerOfTheSameFolderIsRefused) {
  TempDir dir("cache-lock");
  auto first = OpenOrDie(DiskOnly(dir.path()));
  auto second = EmbeddingCache::Open(DiskOnly(dir.path()));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable) << second.status().ToString();
}

// A record damaged behind the cache's back (bit rot, a foreign writer) reads
// as a miss and is counted, never returned or crashed on.
TEST(CacheDiskTest, ADamagedRecordIsAMiss) {
  TempDir dir("cache-damaged");
  {
    auto cache = OpenOrDie(DiskOnly(dir.path()));
    cache->Put(TestKey(1), TestVector(1));
    cache->Put(TestKey(2), TestVector(2));
  }
  {  // Rewrite every record of the store: one truncated, one with a flipped float.
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    ASSERT_EQ(mdb_env_open(env, dir.path().c_str(), 0, 0644), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, "vectors", 0, &dbi), 0);
    MDB_cursor* cursor = nullptr;
    ASSERT_EQ(mdb_cursor_open(txn, dbi, &cursor), 0);
    MDB_val key, value;
    int n = 0;
    for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT), ++n) {
      std::string bytes(static_cast<const char*>(value.mv_data), value.mv_size);
      if (n == 0) bytes.resize(bytes.size() - 7);
      else bytes[100] ^= 0x40;
      MDB_val replaced{bytes.size(), bytes.data()};
      ASSERT_EQ(mdb_cursor_put(cursor, &key, &replaced, MDB_CURRENT), 0);
    }
    EXPECT_EQ(n, 2);
    mdb_cursor_close(cursor);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  auto cache = OpenOrDie(DiskOnly(dir.path()));
  std::vector<float> out;
  EXPECT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Get(TestKey(2), &out), CacheLevel::kMiss);
  EXPECT_EQ(cache->Stats().disk_corrupt_records, 2u);
  // A fresh Put replaces the damaged record.
  cache->Put(TestKey(1), TestVector(1));
  ASSERT_TRUE(cache->Flush().ok());
  ASSERT_EQ(cache->Get(TestKey(1), &out), CacheLevel::kDisk);
  EXPECT_EQ(out, TestVector(1));
}

// A full disk (here: the file-size limit, which fails writes the same way)
// is a clear error, and nothing committed before it is lost.
TEST(CacheDiskTest, AFullDiskIsAClearErrorAndLosesNothingStored) {
  TempDir dir("cache-disk-full");
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(report[0]);
    EmbeddingCacheOptions options = DiskOnly(dir.path());
    options.disk_synchronous = true;  // each Put is committed (or failed) before it returns
    auto cache = EmbeddingCache::Open(options);
    if (!cache.ok()) ::_exit(3);
    ::signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG instead
    const rlimit limit{256 << 10, 256 << 10};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(4);
    int stored = -1;
    for (int i = 0; i < 2000 && stored < 0; ++i) {
      (*cache)->Put(TestKey(i), TestVector(i));
      if ((*cache)->Stats().disk_write_errors > 0) stored = i;  // 0..i-1 committed
    }
    const Status flushed = (*cache)->Flush();
    const bool clear = flushed.code() == Status::Code::kResourceExhausted &&
                       flushed.message().find("intact") != std::string::npos;
    (void)!::write(report[1], &stored, sizeof(stored));
    ::_exit(stored > 0 && clear ? 0 : 5);
  }
  ::close(report[1]);
  int stored = -1;
  ASSERT_EQ(::read(report[0], &stored, sizeof(stored)), static_cast<ssize_t>(sizeof(stored)));
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "stored " << stored << " before the first error";

  auto cache = OpenOrDie(DiskOnly(dir.path()));
  std::vector<float> out;
  for (int i = 0; i < stored; ++i) {
    ASSERT_EQ(cache->Get(TestKey(i), &out), CacheLevel::kDisk) << i;
    EXPECT_EQ(out, TestVector(i));
  }
  EXPECT_EQ(cache->Stats().disk.entries, static_cast<uint64_t>(stored));
}

// kill -9 while a child process writes: the store must open afterwards, and
// every record in it must check out and hold exactly the vector of its key.
TEST(CacheDiskTest, KillDuringWritesLeavesNoTornEntry) {
  TempDir dir("cache-kill");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    auto cache = EmbeddingCache::Open(DiskOnly(dir.path(), 8 << 20));
    if (!cache.ok()) ::_exit(3);
    for (uint64_t i = 0;; ++i) {  // forever, until killed
      (*cache)->Put(TestKey(i % 20000), TestVector(i % 20000));
      if (i == 3000) {  // some commits have landed for sure; then keep writing until killed
        if (!(*cache)->Flush().ok()) ::_exit(4);
        (void)!::write(ready[1], "r", 1);
      }
    }
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the writer child died before writing";
  ::usleep(50'000);  // let it get well into a commit
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(ready[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto store = DiskStore::Open(dir.path(), 8 << 20, false);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto counts = (*store)->Verify();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_GT(counts->first, 0u);
  EXPECT_EQ(counts->second, 0u) << "torn records after kill -9";
  store->reset();

  auto cache = OpenOrDie(DiskOnly(dir.path(), 8 << 20));
  std::vector<float> out;
  size_t hits = 0;
  for (int i = 0; i < 20000; ++i) {
    if (cache->Get(TestKey(i), &out) == CacheLevel::kDisk) {
      ++hits;
      ASSERT_EQ(out, TestVector(i)) << i;
    }
  }
  EXPECT_EQ(hits, counts->first);
}

}  // namespace
}  // namespace textembed::service
