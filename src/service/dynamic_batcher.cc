#include "service/dynamic_batcher.h"

#include <algorithm>
#include <exception>
#include <new>
#include <numeric>
#include <string>

#include "service/metrics/metric_types.h"

namespace textembed::service {

bool QueueBudget::TryReserve(size_t tokens) {
  size_t current = queued_.load(std::memory_order_relaxed);
  for (;;) {
    if (current != 0 && current + tokens > max_tokens_) return false;
    if (queued_.compare_exchange_weak(current, current + tokens, std::memory_order_relaxed)) return true;
  }
}

void SharedDeadline::Extend(std::optional<Clock::time_point> deadline) {
  if (!deadline) {
    ns.store(kNoDeadline, std::memory_order_relaxed);
    return;
  }
  const int64_t wanted = ToNs(*deadline);
  int64_t current = ns.load(std::memory_order_relaxed);
  while (current < wanted && !ns.compare_exchange_weak(current, wanted, std::memory_order_relaxed)) {
  }
}

struct DynamicBatcher::State {
  BatcherOptions options;
  ForwardFn forward;
  std::shared_ptr<std::mutex> compute;
  std::shared_ptr<QueueBudget> queue;
  BatcherMetrics metrics;
  BatchTuner tuner;
  std::atomic<size_t> budget{0};

  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<BatchItem> items;  // guarded by mutex
  size_t item_tokens = 0;       // guarded by mutex: tokens in `items`
  bool stopping = false;        // guarded by mutex
  Clock::time_point drain_until{};

  // Adaptive wait: the share of recent batches that others joined (weight
  // kJoinWeight on the newest), and the batch last run, whose joiners are
  // counted once its pass ended. Only the batcher thread touches these.
  static constexpr double kJoinWeight = 0.2;
  double join_share = 0;
  struct LastBatch {
    Clock::time_point first_enqueued;  // its oldest item's
    Clock::time_point window_end;      // first_enqueued + max_wait, or the pass's end if sooner
    bool joined = false;               // another item of the batch arrived inside the window
  };
  std::optional<LastBatch> last_batch;

  State(BatcherOptions o, ForwardFn f, std::shared_ptr<std::mutex> c, std::shared_ptr<QueueBudget> q, BatcherMetrics m)
      : options(std::move(o)), forward(std::move(f)), compute(std::move(c)), queue(std::move(q)), metrics(m),
        tuner(options.tuner) {
    budget = options.max_batch_tokens != 0 ? options.max_batch_tokens : tuner.budget();
    if (metrics.token_budget != nullptr) metrics.token_budget->Set(static_cast<double>(budget.load()));
  }

  void Run();
  // Under `mutex`: moves the next batch out of `items`, and expired items to `expired`.
  void TakeBatch(std::vector<BatchItem>* batch, std::vector<BatchItem>* expired);
  // Runs the pass and returns when it ended.
  Clock::time_point Execute(std::vector<BatchItem>& batch);
  // Under `mutex`: folds whether anyone joined `last_batch` into join_share.
  void RecordJoiners();
  bool ShouldWait() const { return !options.adaptive_wait || join_share >= 0.5; }
  void Dequeued(const std::vector<BatchItem>& items_left);
};

namespace {

size_t TokensOf(const std::vector<BatchItem>& items) {
  size_t tokens = 0;
  for (const BatchItem& item : items) tokens += item.ids.size();
  return tokens;
}

void FailAll(std::vector<BatchItem>& items, const Status& status) {
  for (BatchItem& item : items) item.done(status);
}

}  // namespace

void DynamicBatcher::State::Dequeued(const std::vector<BatchItem>& left) {
  queue->Release(TokensOf(left));
  if (metrics.queued_tokens != nullptr) metrics.queued_tokens->Set(static_cast<double>(queue->queued()));
}

void DynamicBatcher::State::TakeBatch(std::vector<BatchItem>* batch, std::vector<BatchItem>* expired) {
  const size_t limit = budget.load();
  const Clock::time_point now = Clock::now();
  // The window: the oldest items, up to `window_budgets` budgets of tokens.
  std::vector<size_t> window;
  size_t window_tokens = 0;
  std::vector<bool> taken(items.size(), false);
  for (size_t i = 0; i < items.size(); ++i) {
    const BatchItem& item = items[i];
    if (item.deadline != nullptr && item.deadline->Passed(now)) {
      taken[i] = true;
      continue;
    }
    if (!window.empty() && window_tokens + item.ids.size() > options.window_budgets * limit) break;
    window.push_back(i);
    window_tokens += item.ids.size();
  }
  if (!window.empty()) {
    // The oldest always goes (no starvation); the rest longest first while
    // they fit, so a batch holds similar lengths.
    std::stable_sort(window.begin() + 1, window.end(),
                     [&](size_t a, size_t b) { return items[a].ids.size() > items[b].ids.size(); });
    size_t tokens = 0;
    for (size_t k = 0; k < window.size(); ++k) {
      const size_t length = items[window[k]].ids.size();
      if (k != 0 && tokens + length > limit) continue;
      tokens += length;
      taken[window[k]] = true;
    }
    std::sort(window.begin(), window.end());
  }
  std::deque<BatchItem> kept;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!taken[i]) {
      kept.push_back(std::move(items[i]));
    } else if (std::binary_search(window.begin(), window.end(), i)) {
      batch->push_back(std::move(items[i]));
    } else {
      expired->push_back(std::move(items[i]));
    }
  }
  items.swap(kept);
  item_tokens -= TokensOf(*batch) + TokensOf(*expired);
}

void DynamicBatcher::State::RecordJoiners() {
  if (!last_batch) return;
  // Items still queued are in arrival order; any that arrived inside the
  // window would have joined a batch that waited for them.
  bool joined = last_batch->joined;
  for (const BatchItem& item : items) {
    if (item.enqueued > last_batch->window_end) break;
    if (item.enqueued > last_batch->first_enqueued) {
      joined = true;
      break;
    }
  }
  join_share = (1 - kJoinWeight) * join_share + (joined ? kJoinWeight : 0.0);
  last_batch.reset();
}

Clock::time_point DynamicBatcher::State::Execute(std::vector<BatchItem>& batch) {
  std::vector<TokenSequence> sequences;
  sequences.reserve(batch.size());
  size_t tokens = 0;
  for (const BatchItem& item : batch) {
    sequences.push_back(TokenSequence{item.ids, item.type_ids, item.token_states});
    tokens += item.ids.size();
  }
  std::vector<std::vector<float>> outputs;
  Status status;
  Clock::time_point start, end;
  {
    std::lock_guard compute_lock(*compute);
    start = Clock::now();
    try {
      status = forward(sequences, &outputs);
    } catch (const std::bad_alloc&) {
      status = Status::ResourceExhausted("out of memory in a forward pass of " + std::to_string(tokens) + " tokens");
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("forward pass: ") + e.what());
    }
    end = Clock::now();
  }
  if (options.max_batch_tokens == 0 && status.ok()) {
    tuner.Record(tokens, end - start);
    budget = tuner.budget();
  }
  if (metrics.token_budget != nullptr) metrics.token_budget->Set(static_cast<double>(budget.load()));
  if (metrics.batch_texts != nullptr) metrics.batch_texts->Observe(static_cast<double>(batch.size()));
  if (metrics.batch_tokens != nullptr) metrics.batch_tokens->Observe(static_cast<double>(tokens));
  if (metrics.inference_seconds != nullptr) metrics.inference_seconds->ObserveDuration(end - start);
  if (metrics.queue_seconds != nullptr)
    for (const BatchItem& item : batch) metrics.queue_seconds->ObserveDuration(start - item.enqueued);
  if (status.ok() && outputs.size() != batch.size())
    status = Status::Internal("the forward pass returned " + std::to_string(outputs.size()) + " outputs for " +
                              std::to_string(batch.size()) + " sequences");
  for (size_t i = 0; i < batch.size(); ++i) {
    if (status.ok()) {
      batch[i].done(std::move(outputs[i]));
    } else {
      batch[i].done(status);
    }
  }
  return end;
}

void DynamicBatcher::State::Run() {
  for (;;) {
    std::vector<BatchItem> batch, expired, abandoned;
    {
      std::unique_lock lock(mutex);
      RecordJoiners();
      wake.wait(lock, [&] { return stopping || !items.empty(); });
      if (items.empty()) return;  // stopping and drained
      if (!stopping && ShouldWait()) {
        // Let the batch fill until the budget is reached or the oldest item
        // has waited max_wait.
        const Clock::time_point fill_until = items.front().enqueued + options.max_wait;
        wake.wait_until(lock, fill_until, [&] { return stopping || item_tokens >= budget.load(); });
      }
      if (stopping && Clock::now() >= drain_until) {
        abandoned.assign(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
        items.clear();
        item_tokens = 0;
      } else {
        TakeBatch(&batch, &expired);
      }
    }
    Dequeued(batch);
    Dequeued(expired);
    Dequeued(abandoned);
    FailAll(expired, Status::DeadlineExceeded("the deadline passed while the request was queued"));
    FailAll(abandoned, Status::Unavailable("the service is shutting down"));
    if (batch.empty()) continue;
    LastBatch last{batch.front().enqueued, batch.front().enqueued + options.max_wait};
    for (const BatchItem& item : batch)
      last.joined = last.joined || (item.enqueued > last.first_enqueued && item.enqueued <= last.window_end);
    last.window_end = std::min(last.window_end, Execute(batch));
    last_batch = last;
  }
}

DynamicBatcher::DynamicBatcher(BatcherOptions options, ForwardFn forward, std::shared_ptr<std::mutex> compute,
                               std::shared_ptr<QueueBudget> queue, BatcherMetrics metrics)
    : state_(std::make_shared<State>(std::move(options), std::move(forward), std::move(compute), std::move(queue),
                                     metrics)) {
  // The thread co-owns the state: a batcher destroyed from its own thread (a
  // callback that drops the last reference to a model) detaches instead of
  // joining itself, and the state outlives it.
  thread_ = std::thread([state = state_] { state->Run(); });
}

DynamicBatcher::~DynamicBatcher() { Stop(Clock::now()); }

Status DynamicBatcher::Submit(std::vector<BatchItem> items) {
  if (items.empty()) return Status::Ok();
  const size_t tokens = TokensOf(items);
  if (!state_->queue->TryReserve(tokens))
    return Status::Unavailable("overloaded: " + std::to_string(state_->queue->queued()) + " tokens queued (limit " +
                               std::to_string(state_->queue->max_tokens()) + "); retry later");
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) {
      state_->queue->Release(tokens);
      return Status::Unavailable("the service is shutting down");
    }
    const Clock::time_point now = Clock::now();
    for (BatchItem& item : items) {
      item.enqueued = now;
      state_->items.push_back(std::move(item));
    }
    state_->item_tokens += tokens;
  }
  if (state_->metrics.queued_tokens != nullptr)
    state_->metrics.queued_tokens->Set(static_cast<double>(state_->queue->queued()));
  state_->wake.notify_one();
  return Status::Ok();
}

void DynamicBatcher::Stop(Clock::time_point drain_until) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->stopping) {
      state_->stopping = true;
      state_->drain_until = drain_until;
    } else {
      state_->drain_until = std::min(state_->drain_until, drain_until);
    }
  }
  state_->wake.notify_all();
  std::lock_guard join_lock(join_mutex_);
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

size_t DynamicBatcher::token_budget() const { return state_->budget.load(); }

size_t DynamicBatcher::queued_sequences() const {
  std::lock_guard lock(state_->mutex);
  return state_->items.size();
}

}  // namespace textembed::service
