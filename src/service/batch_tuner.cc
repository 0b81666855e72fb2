#include "service/batch_tuner.h"

#include <algorithm>
#include <cmath>

namespace textembed::service {

BatchTuner::BatchTuner(const BatchTunerOptions& options) : options_(options) {
  options_.min_tokens = std::max<size_t>(options_.min_tokens, 1);
  options_.max_tokens = std::max(options_.max_tokens, options_.min_tokens);
  budget_ = std::clamp(options_.initial_tokens, options_.min_tokens, options_.max_tokens);
}

void BatchTuner::Record(size_t tokens, std::chrono::nanoseconds elapsed) {
  if (tokens == 0 || elapsed.count() <= 0) return;
  const double per_token = std::chrono::duration<double>(elapsed).count() / static_cast<double>(tokens);
  const bool representative = tokens * 4 >= budget_;
  if (seconds_per_token_ == 0.0) {
    seconds_per_token_ = per_token;
  } else if (representative) {
    seconds_per_token_ += options_.smoothing * (per_token - seconds_per_token_);
  } else {
    return;
  }
  const double target = std::chrono::duration<double>(options_.target_latency).count();
  const double ideal = target / seconds_per_token_;
  if (!std::isfinite(ideal)) return;
  budget_ = static_cast<size_t>(std::clamp(ideal, static_cast<double>(options_.min_tokens),
                                           static_cast<double>(options_.max_tokens)));
}

}  // namespace textembed::service
