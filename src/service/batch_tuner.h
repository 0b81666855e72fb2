// Picks the token budget of the next forward batch from measured latency:
// the budget whose pass takes about `target_latency` (the auto-tuning the Go
// service's users configure). Larger batches amortize per-pass overhead;
// beyond the target they only make every caller in the batch wait longer.
#pragma once

#include <chrono>
#include <cstddef>

namespace textembed::service {

struct BatchTunerOptions {
  std::chrono::microseconds target_latency{50'000};
  size_t initial_tokens = 2048;
  size_t min_tokens = 128;    // at least one full sequence of the model
  size_t max_tokens = 65536;
  double smoothing = 0.3;     // weight of the newest measurement
};

class BatchTuner {
 public:
  explicit BatchTuner(const BatchTunerOptions& options);

  size_t budget() const { return budget_; }

  // A pass over `tokens` tokens took `elapsed`. Passes much smaller than the
  // budget (a quiet queue) say little about large ones — their fixed cost
  // dominates — so they only seed the estimate when there is none.
  void Record(size_t tokens, std::chrono::nanoseconds elapsed);

  double seconds_per_token() const { return seconds_per_token_; }

 private:
  BatchTunerOptions options_;
  size_t budget_;
  double seconds_per_token_ = 0.0;  // smoothed; 0: no measurement yet
};

}  // namespace textembed::service
