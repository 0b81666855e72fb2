// The batcher with a fake forward pass that records what it was given: token
// budget, wait bound, length-sorted windows, deadlines, back-pressure, drain.
#include "service/dynamic_batcher.h"

#include <gtest/gtest.h>

#include <future>
#include <numeric>

#include "service/batch_tuner.h"

namespace textembed::service {
namespace {

using namespace std::chrono_literals;

// Records each pass's sequence lengths; optionally blocks until released.
class FakeModel {
 public:
  ForwardFn Forward() {
    return [this](std::span<const TokenSequence> sequences, std::vector<std::vector<float>>* outputs) {
      std::vector<size_t> lengths;
      for (const TokenSequence& s : sequences) lengths.push_back(s.ids.size());
      {
        std::unique_lock lock(mutex_);
        passes_.push_back(lengths);
        changed_.notify_all();
        changed_.wait(lock, [&] { return !blocked_; });
      }
      outputs->clear();
      for (const TokenSequence& s : sequences) outputs->push_back({static_cast<float>(s.ids[0])});
      return Status::Ok();
    };
  }
  void Block(bool blocked) {
    std::lock_guard lock(mutex_);
    blocked_ = blocked;
    changed_.notify_all();
  }
  bool WaitForPasses(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return passes_.size() >= n; });
  }
  std::vector<std::vector<size_t>> passes() {
    std::lock_guard lock(mutex_);
    return passes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<size_t>> passes_;
  bool blocked_ = false;
};

// A sequence of `length` tokens whose first id is `tag`; its result lands in `results`.
BatchItem Item(size_t length, int32_t tag, std::shared_ptr<std::promise<Result<std::vector<float>>>> result) {
  BatchItem item;
  item.ids.assign(length, tag);
  item.done = [result](Result<std::vector<float>> output) { result->set_value(std::move(output)); };
  return item;
}

struct Harness {
  explicit Harness(BatcherOptions options, size_t max_queued = 1 << 20)
      : queue(std::make_shared<QueueBudget>(max_queued)),
        batcher(options, model.Forward(), std::make_shared<std::mutex>(), queue, BatcherMetrics{}) {}
  FakeModel model;
  std::shared_ptr<QueueBudget> queue;
  DynamicBatcher batcher;
};

using Promise = std::promise<Result<std::vector<float>>>;

TEST(DynamicBatcherTest, BatchesStayWithinTheTokenBudget) {
  BatcherOptions options;
  options.max_batch_tokens = 100;
  options.max_wait = 1h;  // only the budget may close a batch (or the drain at Stop)
  options.adaptive_wait = false;
  Harness h(options);
  std::vector<std::shared_ptr<Promise>> results;
  std::vector<BatchItem> items;
  const std::vector<size_t> lengths = {30, 70, 20, 50, 40, 10, 60, 25, 35, 45};
  for (size_t i = 0; i < lengths.size(); ++i) {
    results.push_back(std::make_shared<Promise>());
    items.push_back(Item(lengths[i], static_cast<int32_t>(i + 1), results.back()));
  }
  ASSERT_TRUE(h.batcher.Submit(std::move(items)).ok());
  h.batcher.Stop(Clock::now() + 30s);  // drains everything still queued
  size_t total = 0;
  for (const auto& pass : h.model.passes()) {
    const size_t tokens = std::accumulate(pass.begin(), pass.end(), size_t{0});
    EXPECT_LE(tokens, 100u);
    total += tokens;
  }
  EXPECT_EQ(total, std::accumulate(lengths.begin(), lengths.end(), size_t{0}));
  for (size_t i = 0; i < results.size(); ++i) {
    auto output = results[i]->get_future().get();
    ASSERT_TRUE(output.ok());
    EXPECT_EQ((*output)[0], static_cast<float>(i + 1));  // each caller gets its own sequence's output
  }
}

TEST(DynamicBatcherTest, WindowIsSortedByLengthWithTheOldestFirst) {
  BatcherOptions options;
  options.max_batch_tokens = 100;
  options.max_wait = 1h;
  options.adaptive_wait = false;
  Harness h(options);
  std::vector<BatchItem> items;
  std::vector<std::shared_ptr<Promise>> results;
  for (size_t length : {10, 20, 90, 30, 80}) {
    results.push_back(std::make_shared<Promise>());
    items.push_back(Item(length, 1, results.back()));
  }
  ASSERT_TRUE(h.batcher.Submit(std::move(items)).ok());
  h.batcher.Stop(Clock::now() + 30s);
  const auto passes = h.model.passes();
  ASSERT_FALSE(passes.empty());
  // The oldest (10) goes first, then the longest that fit: 90 → 100 tokens.
  EXPECT_EQ(passes[0], (std::vector<size_t>{10, 90}));
  EXPECT_EQ(passes[1], (std::vector<size_t>{20, 80}));
  EXPECT_EQ(passes[2], (std::vector<size_t>{30}));
}

TEST(DynamicBatcherTest, AFullBudgetRunsWithoutWaitingAndALoneItemWaitsForMaxWait) {
  BatcherOptions options;
  options.max_batch_tokens = 50;
  options.max_wait = 1h;
  options.adaptive_wait = false;
  Harness h(options);
  auto lone = std::make_shared<Promise>();
  std::vector<BatchItem> first;
  first.push_back(Item(20, 1, lone));
  ASSERT_TRUE(h.batcher.Submit(std::move(first)).ok());
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(h.model.passes().empty()) << "20 of 50 tokens must wait for more (max_wait is an hour)";
  // Filling the budget releases the batch long before max_wait.
  auto filler = std::make_shared<Promise>();
  std::vector<BatchItem> second;
  second.push_back(Item(30, 2, filler));
  ASSERT_TRUE(h.batcher.Submit(std::move(second)).ok());
  ASSERT_TRUE(h.model.WaitForPasses(1));
  EXPECT_EQ(h.model.passes()[0], (std::vector<size_t>{20, 30}));

  // With a short max_wait a lone item runs on its own.
  BatcherOptions quick = options;
  quick.max_wait = 1ms;
  Harness q(quick);
  auto alone = std::make_shared<Promise>();
  std::vector<BatchItem> items;
  items.push_back(Item(5, 3, alone));
  ASSERT_TRUE(q.batcher.Submit(std::move(items)).ok());
  ASSERT_TRUE(q.model.WaitForPasses(1));
  EXPECT_TRUE(alone->get_future().get().ok());
}

// Submits one sequence of `length` tokens tagged `tag`; its result lands in the returned promise.
std::shared_ptr<Promise> SubmitOne(DynamicBatcher& batcher, size_t length, int32_t tag) {
  auto result = std::make_shared<Promise>();
  std::vector<BatchItem> items;
  items.push_back(Item(length, tag, result));
  EXPECT_TRUE(batcher.Submit(std::move(items)).ok());
  return result;
}

bool Finishes(const std::shared_ptr<Promise>& result) {
  return result->get_future().wait_for(30s) == std::future_status::ready;
}

TEST(DynamicBatcherTest, AdaptiveWaitSkipsTheWaitForALoneCallerAndWaitsOnceOthersJoin) {
  BatcherOptions options;
  options.max_batch_tokens = 1000;
  options.max_wait = 1h;  // a batch that waits would never run before Stop
  ASSERT_TRUE(options.adaptive_wait);
  Harness h(options);
  // One caller, one request at a time: nobody could join, so nothing waits.
  for (int32_t i = 1; i <= 3; ++i) ASSERT_TRUE(Finishes(SubmitOne(h.batcher, 5, i))) << "request " << i << " waited";
  ASSERT_EQ(h.model.passes().size(), 3u);

  // Two callers arrive while each pass runs: both the pass they arrived
  // during and their own pair count as joined, so after two rounds (4 of
  // the last 6 batches joined) batches wait again.
  size_t passes = 3;
  for (int round = 0; round < 2; ++round) {
    h.model.Block(true);
    auto first = SubmitOne(h.batcher, 5, 10);
    ASSERT_TRUE(h.model.WaitForPasses(++passes));
    auto second = SubmitOne(h.batcher, 5, 11);
    std::this_thread::sleep_for(1ms);  // a later arrival than `second`
    auto third = SubmitOne(h.batcher, 5, 12);
    h.model.Block(false);
    ASSERT_TRUE(Finishes(first) && Finishes(second) && Finishes(third));
    ASSERT_EQ(h.model.passes().size(), ++passes);
    EXPECT_EQ(h.model.passes().back(), (std::vector<size_t>{5, 5}));
  }
  auto lone = SubmitOne(h.batcher, 5, 20);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.model.passes().size(), passes) << "with others joining recently, a lone item waits to fill";
  h.batcher.Stop(Clock::now() + 30s);
  EXPECT_TRUE(Finishes(lone));
}

TEST(DynamicBatcherTest, FullQueueIsOverloaded) {
  BatcherOptions options;
  options.max_batch_tokens = 1000;
  options.max_wait = 1h;
  options.adaptive_wait = false;
  Harness h(options, /*max_queued=*/100);
  auto a = std::make_shared<Promise>(), b = std::make_shared<Promise>(), c = std::make_shared<Promise>();
  std::vector<BatchItem> first, second, third;
  first.push_back(Item(80, 1, a));
  ASSERT_TRUE(h.batcher.Submit(std::move(first)).ok());
  second.push_back(Item(30, 2, b));
  const Status overloaded = h.batcher.Submit(std::move(second));
  EXPECT_EQ(overloaded.code(), Status::Code::kUnavailable);
  EXPECT_NE(overloaded.message().find("overloaded"), std::string::npos);
  third.push_back(Item(20, 3, c));  // still fits: 100 tokens
  EXPECT_TRUE(h.batcher.Submit(std::move(third)).ok());
  EXPECT_EQ(h.queue->queued(), 100u);
  h.batcher.Stop(Clock::now() + 30s);
  EXPECT_EQ(h.queue->queued(), 0u);
  EXPECT_TRUE(a->get_future().get().ok());
}

TEST(DynamicBatcherTest, ExpiredItemsFailWithoutRunning) {
  BatcherOptions options;
  options.max_batch_tokens = 1000;
  options.max_wait = 1h;
  options.adaptive_wait = false;
  Harness h(options);
  auto late = std::make_shared<Promise>(), on_time = std::make_shared<Promise>();
  std::vector<BatchItem> items;
  items.push_back(Item(10, 1, late));
  items.back().deadline = std::make_shared<SharedDeadline>();
  items.back().deadline->ns = SharedDeadline::ToNs(Clock::now() - 1s);
  items.push_back(Item(10, 2, on_time));
  ASSERT_TRUE(h.batcher.Submit(std::move(items)).ok());
  h.batcher.Stop(Clock::now() + 30s);
  EXPECT_EQ(late->get_future().get().status().code(), Status::Code::kDeadlineExceeded);
  EXPECT_TRUE(on_time->get_future().get().ok());
  ASSERT_EQ(h.model.passes().size(), 1u);
  EXPECT_EQ(h.model.passes()[0], (std::vector<size_t>{10}));
}

TEST(DynamicBatcherTest, StopWithoutGraceFailsWhatIsQueuedAndRefusesMore) {
  BatcherOptions options;
  options.max_batch_tokens = 10;
  options.max_wait = 0us;
  Harness h(options);
  h.model.Block(true);
  std::vector<std::shared_ptr<Promise>> results;
  std::vector<BatchItem> items;
  for (int i = 0; i < 3; ++i) {
    results.push_back(std::make_shared<Promise>());
    items.push_back(Item(10, i + 1, results.back()));
  }
  ASSERT_TRUE(h.batcher.Submit(std::move(items)).ok());
  ASSERT_TRUE(h.model.WaitForPasses(1));  // the first pass is running, two wait
  std::thread stopper([&] { h.batcher.Stop(Clock::now()); });
  std::this_thread::sleep_for(20ms);
  h.model.Block(false);
  stopper.join();
  EXPECT_TRUE(results[0]->get_future().get().ok());
  EXPECT_EQ(results[1]->get_future().get().status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(results[2]->get_future().get().status().code(), Status::Code::kUnavailable);
  std::vector<BatchItem> more;
  more.push_back(Item(1, 9, std::make_shared<Promise>()));
  EXPECT_EQ(h.batcher.Submit(std::move(more)).code(), Status::Code::kUnavailable);
}

TEST(BatchTunerTest, BudgetMovesTowardTheTargetLatency) {
  BatchTunerOptions options;
  options.target_latency = 50ms;
  options.initial_tokens = 1000;
  options.min_tokens = 64;
  options.max_tokens = 100000;
  BatchTuner tuner(options);
  EXPECT_EQ(tuner.budget(), 1000u);
  // 10 µs per token: 50 ms is 5000 tokens.
  for (int i = 0; i < 20; ++i) tuner.Record(tuner.budget(), std::chrono::microseconds(10) * tuner.budget());
  EXPECT_NEAR(static_cast<double>(tuner.budget()), 5000.0, 50.0);
  // The model got 4x slower: the budget shrinks.
  for (int i = 0; i < 30; ++i) tuner.Record(tuner.budget(), std::chrono::microseconds(40) * tuner.budget());
  EXPECT_NEAR(static_cast<double>(tuner.budget()), 1250.0, 50.0);
  // Tiny passes (a quiet queue) do not drag it around.
  tuner.Record(10, 5ms);
  EXPECT_NEAR(static_cast<double>(tuner.budget()), 1250.0, 50.0);
}

TEST(BatchTunerTest, BudgetStaysWithinBounds) {
  BatchTunerOptions options;
  options.target_latency = 50ms;
  options.min_tokens = 256;
  options.max_tokens = 4096;
  BatchTuner tuner(options);
  tuner.Record(1000, 10s);
  EXPECT_EQ(tuner.budget(), 256u);
  BatchTuner fast(options);
  fast.Record(1000, 1us);
  EXPECT_EQ(fast.budget(), 4096u);
}

}  // namespace
}  // namespace textembed::service
