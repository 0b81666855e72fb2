// The dynamic batcher of one model: every caller's sequences go into one
// queue; a single thread coalesces them into packed forward batches under a
// token budget, waiting at most `max_wait` for a batch to fill (only while
// other callers tend to arrive in that time: BatcherOptions::adaptive_wait), and runs one
// forward pass at a time (all inference threads on that pass, so callers never
// oversubscribe the cores).
//
//   callers ──Submit──▶ queue ──(window sorted by length, budget)──▶ forward ──▶ done(vector)
//
// The budget either is fixed or follows measured latency (BatchTuner). The
// queue is bounded by tokens shared with other batchers of the service
// (QueueBudget): Submit beyond it fails with kUnavailable "overloaded".
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "service/batch_tuner.h"
#include "textembed/embedder.h"
#include "textembed/status.h"

namespace textembed::service {

class Gauge;
class Histogram;

using Clock = std::chrono::steady_clock;

// Tokens queued across all batchers of a service, bounded.
class QueueBudget {
 public:
  explicit QueueBudget(size_t max_tokens) : max_tokens_(max_tokens) {}
  // Reserves `tokens` or returns false when the queue would exceed its bound.
  // An empty queue always accepts, so a single request larger than the bound
  // still runs (alone) instead of failing forever.
  bool TryReserve(size_t tokens);
  void Release(size_t tokens) { queued_.fetch_sub(tokens, std::memory_order_relaxed); }
  size_t queued() const { return queued_.load(std::memory_order_relaxed); }
  size_t max_tokens() const { return max_tokens_; }

 private:
  const size_t max_tokens_;
  std::atomic<size_t> queued_{0};
};

// A deadline shared by every sequence of one piece of work; it may be moved
// later while queued (another caller joins the work). Nanoseconds of the
// steady clock; kNoDeadline when none.
struct SharedDeadline {
  static constexpr int64_t kNoDeadline = INT64_MAX;
  std::atomic<int64_t> ns{kNoDeadline};

  static int64_t ToNs(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  bool Passed(Clock::time_point now) const { return ns.load(std::memory_order_relaxed) < ToNs(now); }
  void Extend(std::optional<Clock::time_point> deadline);  // nullopt: none
};

// One sequence waiting for the model.
struct BatchItem {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  bool token_states = false;
  std::shared_ptr<SharedDeadline> deadline;  // may be null
  // Called once on the batcher thread with the sequence's output (see
  // Embedder::ForwardPacked) or why there is none. Must not block.
  std::function<void(Result<std::vector<float>>)> done;
  Clock::time_point enqueued{};
};

// Runs one packed forward pass (Embedder::ForwardPacked in the service; a
// fake in tests).
using ForwardFn = std::function<Status(std::span<const TokenSequence>, std::vector<std::vector<float>>*)>;

struct BatcherOptions {
  size_t max_batch_tokens = 0;  // 0: auto-tuned (see `tuner`)
  BatchTunerOptions tuner;      // used when max_batch_tokens is 0
  std::chrono::microseconds max_wait{2000};
  // Wait only while it pays: when fewer than half of the recent batches had
  // another item arrive within max_wait of their first one (while that one
  // was still queued or running), a batch starts at once. A lone caller
  // (one connection, one request at a time) then never waits, and concurrent
  // callers, who do arrive within the wait, still get batched. false: every
  // batch waits up to max_wait to fill.
  bool adaptive_wait = true;
  // The window sorted by length holds at most this many budgets of tokens.
  size_t window_budgets = 4;
};

// Where the batcher records what it does; every pointer may be null.
struct BatcherMetrics {
  Histogram* batch_texts = nullptr;
  Histogram* batch_tokens = nullptr;
  Histogram* queue_seconds = nullptr;      // per sequence, enqueue → forward start
  Histogram* inference_seconds = nullptr;  // per forward pass
  Gauge* token_budget = nullptr;
  Gauge* queued_tokens = nullptr;          // this service's whole queue
};

class DynamicBatcher {
 public:
  // `compute` serializes forward passes across the service's batchers (one
  // pass at a time uses every inference thread); `queue` bounds queued tokens.
  DynamicBatcher(BatcherOptions options, ForwardFn forward, std::shared_ptr<std::mutex> compute,
                 std::shared_ptr<QueueBudget> queue, BatcherMetrics metrics);
  ~DynamicBatcher();  // Stop(now): what is still queued fails with kUnavailable

  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // Queues all of `items` or none: kUnavailable "overloaded" when the queue
  // bound would be exceeded, or after Stop.
  Status Submit(std::vector<BatchItem> items);

  // Stops accepting; keeps batching (without waiting to fill) until the queue
  // is empty or `drain_until` passes, then fails what is left with
  // kUnavailable and joins the thread. Idempotent.
  void Stop(Clock::time_point drain_until);

  size_t token_budget() const;  // the budget the next batch gets
  size_t queued_sequences() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::mutex join_mutex_;  // Stop may be called from several threads
  std::thread thread_;
};

}  // namespace textembed::service
