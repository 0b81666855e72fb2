// Many threads calling one Service at once get what single-threaded calls
// get, whatever the batcher packed together; also runs under ThreadSanitizer
// (make test-tsan, with TEXTEMBED_TEST_THREADS=1: the engine's OpenMP runtime
// is not instrumented).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "service_test_util.h"
#include "textembed/service.h"

namespace textembed {
namespace {

#if defined(TEXTEMBED_SANITIZED_BUILD)
constexpr int kCallsPerThread = 6;
#else
constexpr int kCallsPerThread = 12;
#endif
constexpr int kThreads = 8;

TEST(ServiceConcurrencyTest, ConcurrentCallsEqualSingleThreadedOnes) {
  ServiceOptions options = testing::TinyServiceOptions();
  options.cache.memory_max_entries = 0;
  auto service = Service::Create(options);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  const std::vector<std::string> texts = testing::SampleSentences(64);
  // The reference: one text per call, one call at a time.
  std::vector<std::vector<float>> reference;
  for (const std::string& text : texts) {
    auto result = (*service)->Embed({text});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    reference.emplace_back(result->embeddings.values);
  }
  std::atomic<int> mismatches{0}, failures{0};
  std::atomic<double> worst{0.0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      for (int call = 0; call < kCallsPerThread; ++call) {
        std::vector<size_t> picked(1 + random() % 6);
        for (size_t& index : picked) index = random() % texts.size();
        std::vector<std::string> batch;
        for (size_t index : picked) batch.push_back(texts[index]);
        Result<EmbedResult> result = call % 3 == 2 ? (*service)->EmbedAsync(batch).get() : (*service)->Embed(batch);
        if (!result.ok()) {
          ++failures;
          continue;
        }
        for (size_t k = 0; k < picked.size(); ++k) {
          const double diff = testing::MaxAbsDiff(result->embeddings.row(k), reference[picked[k]]);
          double seen = worst.load();
          while (diff > seen && !worst.compare_exchange_weak(seen, diff)) {
          }
          if (diff > 0.0) ++mismatches;  // bit for bit: a row does not depend on its batch
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(mismatches, 0) << "largest difference " << worst.load();
  RecordProperty("max_abs_diff", std::to_string(worst.load()));
}

TEST(ServiceConcurrencyTest, ConcurrentCallsAcrossModelsCacheAndShutdown) {
  ServiceOptions options = testing::TinyServiceOptions();
  options.models = {{"a", testing::TinyModel(), "main"}, {"b", testing::TinyModel(), "main"}};
  options.cache.memory_max_entries = 100;  // small: entries are evicted while others read
  auto service = Service::Create(options);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  const std::vector<std::string> texts = testing::SampleSentences(32);
  std::atomic<int> ok{0}, unavailable{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int call = 0; call < kCallsPerThread; ++call) {
        EmbedOptions call_options;
        call_options.model = (t + call) % 2 ? "a" : "b";
        if (call % 4 == 1) call_options.dimensions = 64;
        auto result = (*service)->Embed({texts[(t * 7 + call) % texts.size()], texts[call % texts.size()]},
                                        call_options);
        if (result.ok()) {
          ++ok;
        } else if (result.status().code() == Status::Code::kUnavailable) {
          ++unavailable;
        } else {
          ++other;
        }
        if (t == 0 && call == kCallsPerThread / 2) (void)(*service)->InvalidateCache("a");
        if (t == 1 && call == kCallsPerThread / 2) (void)(*service)->RenderMetrics();
      }
    });
  }
  // Shut down while calls are still arriving: each gets an answer, either a
  // result or kUnavailable, never a hang or a crash.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_TRUE((*service)->Shutdown(std::chrono::seconds(30)).ok());
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + unavailable, kThreads * kCallsPerThread);
}

}  // namespace
}  // namespace textembed
