// Compares the GEMM libraries on the encoder's real shapes (C[M×N] = A[M×K]·W^T,
// W in PyTorch [N×K] layout or pre-transposed [K×N]) to pick one for the engine.
// Run: build/<dir>/engine_gemm_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>

#include <random>
#include <vector>

namespace {

struct Shape {
  int n, k;
};
constexpr Shape kShapes[] = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536}};

struct Operands {
  std::vector<float> a, w, c;
  Operands(int m, int n, int k) : a(size_t(m) * k), w(size_t(n) * k), c(size_t(m) * n) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1, 1);
    for (auto& x : a) x = d(rng);
    for (auto& x : w) x = d(rng);
  }
};

void SetCounters(benchmark::State& state, int m, int n, int k) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k * state.iterations(),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// Args: M, shape index, transposed weights (0: W is N×K, 1: W is K×N).
void BM_DnnlSgemm(benchmark::State& state) {
  const int m = state.range(0);
  const auto [n, k] = kShapes[state.range(1)];
  const bool pre_transposed = state.range(2) != 0;
  omp_set_num_threads(1);
  Operands op(m, n, k);
  for (auto _ : state) {
    dnnl_sgemm('N', pre_transposed ? 'N' : 'T', m, n, k, 1.f, op.a.data(), k, op.w.data(),
               pre_transposed ? n : k, 0.f, op.c.data(), n);
    benchmark::DoNotOptimize(op.c.data());
  }
  SetCounters(state, m, n, k);
}

void BM_OpenblasSgemm(benchmark::State& state) {
  const int m = state.range(0);
  const auto [n, k] = kShapes[state.range(1)];
  const bool pre_transposed = state.range(2) != 0;
  openblas_set_num_threads(1);
  Operands op(m, n, k);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, pre_transposed ? CblasNoTrans : CblasTrans, m, n, k, 1.f,
                op.a.data(), k, op.w.data(), pre_transposed ? n : k, 0.f, op.c.data(), n);
    benchmark::DoNotOptimize(op.c.data());
  }
  SetCounters(state, m, n, k);
}

void Args(benchmark::internal::Benchmark* b) {
  for (int m : {32, 128, 512, 2048})
    for (int s = 0; s < 4; ++s)
      for (int t = 0; t < 2; ++t) b->Args({m, s, t});
}

BENCHMARK(BM_DnnlSgemm)->Apply(Args);
BENCHMARK(BM_OpenblasSgemm)->Apply(Args);

}  // namespace

BENCHMARK_MAIN();
