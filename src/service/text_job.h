// The unit of work behind one text: its windows go to the batcher, their
// outputs come back one by one, and when the last arrives the job finishes
// the vector(s) and hands them to every request waiting for that text — more
// than one when identical texts arrived at once (single flight).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "service/cache/embedding_cache.h"
#include "service/dynamic_batcher.h"
#include "service/text_windows.h"
#include "service/vector_ops.h"
#include "textembed/service.h"

namespace textembed::service {

class ServedModel;
class EmbeddingCache;

// What one text produced: one row, or one per chunk (kChunkEach), or one per
// token (token states).
struct TextOutput {
  size_t rows = 0;
  size_t dimension = 0;
  std::vector<float> values;  // rows × dimension
  struct Chunk {
    Offset bytes;
    uint32_t tokens = 0;
  };
  std::vector<Chunk> chunks;  // kChunkEach: one per row
  size_t tokens = 0;          // tokens the model saw (0 for a cache hit)
};

// Collects the outputs of one request's texts and answers the caller once.
class RequestState {
 public:
  using Done = std::function<void(Result<std::vector<std::shared_ptr<const TextOutput>>>)>;
  RequestState(size_t texts, Done done) : outputs_(texts), remaining_(texts), done_(std::move(done)) {}

  void Deliver(size_t index, std::shared_ptr<const TextOutput> output);
  void Fail(const Status& status);  // the first failure answers; later ones are ignored
  bool finished() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const TextOutput>> outputs_;
  size_t remaining_;
  bool finished_ = false;
  Done done_;
};

struct JobSpec {
  LongTextMode mode = LongTextMode::kTruncate;
  bool token_states = false;
  VectorOptions vector;
  std::optional<CacheKey> key;  // set: single flight (and cache, if `cache`)
  EmbeddingCache* cache = nullptr;
};

class TextJob : public std::enable_shared_from_this<TextJob> {
 public:
  TextJob(std::shared_ptr<ServedModel> model, JobSpec spec, std::optional<Clock::time_point> deadline);

  // A request waiting for this job's output. With a key, call under the
  // model's inflight mutex (the job is in the table).
  void AddWaiter(std::shared_ptr<RequestState> request, size_t index, std::optional<Clock::time_point> deadline);

  // The batcher items for `windows` (their outputs come back to this job).
  std::vector<BatchItem> MakeItems(std::vector<TextWindow> windows);

  // Fails every waiter (tokenization error, overloaded queue, ...).
  void Fail(const Status& status);

 private:
  void OnWindow(size_t window, Result<std::vector<float>> output);
  void Finish();
  // Leaves the model's inflight table and returns the waiters, now final.
  std::vector<std::pair<std::shared_ptr<RequestState>, size_t>> TakeWaiters();

  std::shared_ptr<ServedModel> model_;
  JobSpec spec_;
  std::shared_ptr<SharedDeadline> deadline_;
  std::vector<std::pair<std::shared_ptr<RequestState>, size_t>> waiters_;  // guarded as AddWaiter says

  std::mutex mutex_;  // guards what follows
  std::vector<TextOutput::Chunk> windows_;
  std::vector<std::vector<float>> window_outputs_;
  size_t windows_left_ = 0;
  bool failed_ = false;
};

}  // namespace textembed::service
