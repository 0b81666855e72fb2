// The three metric kinds of the Prometheus data model, as lock-free values.
// Each is one atomic (or one atomic per bucket): recording never takes a lock
// and never allocates, so the request path can record where the event happens.
// They are created by a MetricsRegistry (metrics_registry.h) and live as long
// as it does; callers keep the references it returns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace textembed::service {

// Goes up only (requests, errors, tokens). Render adds nothing: the name the
// caller registered should already end in `_total`.
class Counter {
 public:
  void Increment(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Goes up and down (queue depth, loaded bytes, cache entries).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Increment(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void Decrement(double amount = 1.0) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Counts observations into buckets by upper bound (rendered cumulatively as
// `_bucket{le="..."}`, with `_sum` and `_count`).
class Histogram {
 public:
  // `upper_bounds`: strictly increasing, finite; +Inf is implicit.
  // Callers go through MetricsRegistry, which validates them.
  explicit Histogram(std::span<const double> upper_bounds);

  void Observe(double value);
  template <typename Rep, typename Period>
  void ObserveDuration(std::chrono::duration<Rep, Period> elapsed) {
    Observe(std::chrono::duration<double>(elapsed).count());
  }

  struct Snapshot {
    std::vector<double> upper_bounds;       // without +Inf
    std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf (== count)
    double sum = 0.0;
    uint64_t count() const { return cumulative_counts.empty() ? 0 : cumulative_counts.back(); }
  };
  // Counts are read bucket by bucket, so a snapshot taken while others observe
  // may miss their latest values, but it is always self-consistent: `count` is
  // the +Inf bucket and the buckets never decrease.
  Snapshot Read() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket (not cumulative), last is +Inf
  std::atomic<double> sum_{0.0};
};

// Observes the time from construction to destruction into a histogram, in seconds.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram& histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { histogram_.ObserveDuration(std::chrono::steady_clock::now() - start_); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram& histogram_;
  std::chrono::steady_clock::time_point start_;
};

// Bucket layouts. Latencies are in seconds (the Prometheus base unit).
// 0.5 ms … 10 s: a forward pass on a CPU spans that range, from a cache hit
// (sub-millisecond) to a large batch of long texts.
std::vector<double> DefaultLatencyBuckets();
// start, start*factor, …, `count` bounds (e.g. 1, 2, 4 … for batch sizes).
std::vector<double> ExponentialBuckets(double start, double factor, size_t count);
// start, start+width, …, `count` bounds.
std::vector<double> LinearBuckets(double start, double width, size_t count);

}  // namespace textembed::service
