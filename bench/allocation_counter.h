// Heap allocations per benchmark iteration, reported as Google Benchmark
// counters "allocs/iter" and "alloc_bytes/iter" next to time and bytes/s.
//
// Include in exactly one translation unit of a benchmark binary: it replaces
// the global operator new/delete with counting versions. That replacement is
// process-wide by nature, so the counters are the one global here.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include <benchmark/benchmark.h>

namespace textembed::bench {

struct AllocationTotals {
  std::atomic<int64_t> count{0};
  std::atomic<int64_t> bytes{0};
};
inline constinit AllocationTotals g_allocations;

inline void* CountedAllocate(std::size_t size, std::size_t alignment) {
  g_allocations.count.fetch_add(1, std::memory_order_relaxed);
  g_allocations.bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = alignment <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Counts what the enclosing benchmark function allocates; put it before the
// `for (auto _ : state)` loop.
class CountAllocations {
 public:
  explicit CountAllocations(benchmark::State& state)
      : state_(state), count_(g_allocations.count.load()), bytes_(g_allocations.bytes.load()) {}
  ~CountAllocations() {
    state_.counters["allocs/iter"] = benchmark::Counter(static_cast<double>(g_allocations.count.load() - count_),
                                                        benchmark::Counter::kAvgIterations);
    state_.counters["alloc_bytes/iter"] = benchmark::Counter(
        static_cast<double>(g_allocations.bytes.load() - bytes_), benchmark::Counter::kAvgIterations);
  }
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;

 private:
  benchmark::State& state_;
  int64_t count_;
  int64_t bytes_;
};

}  // namespace textembed::bench

void* operator new(std::size_t size) { return textembed::bench::CountedAllocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t align) {
  return textembed::bench::CountedAllocate(size, static_cast<std::size_t>(align));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
