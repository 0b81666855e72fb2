// Compares the GEMM libraries on the encoder's real shapes (C[M×N] = A[M×K]·W^T,
// W in PyTorch [N×K] layout or pre-transposed [K×N]) to pick one for the engine.
// Run: build/<dir>/engine_gemm_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>
#include <dnnl.hpp>
#include <omp.h>

#include <random>
#include <vector>

#include "allocation_counter.h"

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
  textembed::bench::CountAllocations count_allocations(state);
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
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, pre_transposed ? CblasNoTrans : CblasTrans, m, n, k, 1.f,
                op.a.data(), k, op.w.data(), pre_transposed ? n : k, 0.f, op.c.data(), n);
    benchmark::DoNotOptimize(op.c.data());
  }
  SetCounters(state, m, n, k);
}

// oneDNN matmul primitive with weights reordered once into the layout the
// primitive prefers (format_tag::any), as a pre-packed alternative to sgemm.
void BM_DnnlMatmulPacked(benchmark::State& state) {
  const int m = state.range(0);
  const auto [n, k] = kShapes[state.range(1)];
  omp_set_num_threads(1);
  Operands op(m, n, k);
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const dnnl::memory::desc a_md({m, k}, dt::f32, tag::ab), w_any({k, n}, dt::f32, tag::any),
      w_plain({k, n}, dt::f32, tag::ba), c_md({m, n}, dt::f32, tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, w_any, c_md), engine);
  dnnl::memory w_src(w_plain, engine, op.w.data());  // W [N×K] row-major is B^T: B in "ba"
  dnnl::memory w_packed(pd.weights_desc(), engine);
  dnnl::reorder(w_src, w_packed).execute(stream, w_src, w_packed);
  dnnl::memory a_mem(a_md, engine, op.a.data()), c_mem(c_md, engine, op.c.data());
  dnnl::matmul prim(pd);
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    prim.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, w_packed}, {DNNL_ARG_DST, c_mem}});
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
BENCHMARK(BM_DnnlMatmulPacked)->Apply([](benchmark::internal::Benchmark* b) {
  for (int m : {32, 128, 512, 2048})
    for (int s = 0; s < 4; ++s) b->Args({m, s, 0});
});

}  // namespace

BENCHMARK_MAIN();
