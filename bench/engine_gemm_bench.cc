// Compares the GEMM libraries on the encoder's real shapes (C[M×N] = A[M×K]·W^T,
// W in PyTorch [N×K] layout or pre-transposed [K×N]) to pick one for the engine,
// and the bf16/int8 paths (own AVX-512 BF16/VNNI kernels through GemmColumns
// vs oneDNN's bf16/int8 matmul primitives), each with its ratio to the f32
// sgemm path measured in the same process right before it (`vs_f32`).
// Run: build/<dir>/engine_gemm_bench --benchmark_min_time=0.2
//      build/<dir>/engine_gemm_bench --benchmark_filter='Int8|Bf16' --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>
#include <dnnl.hpp>
#include <omp.h>

#include <time.h>

#include <chrono>
#include <random>
#include <vector>

#include "allocation_counter.h"
#include "engine/gemm.h"

namespace {

struct Shape {
  int n, k;
};
constexpr Shape kShapes[] = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536}};

struct GemmCase {
  int m, n, k;
};
// Args 0 and 1 of every GEMM benchmark: M, and the index of the N×K shape.
GemmCase CaseOf(const benchmark::State& state) {
  const auto [n, k] = kShapes[state.range(1)];
  return {static_cast<int>(state.range(0)), n, k};
}

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

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

// Times `sgemm(op, m, n, k, pre_transposed)`, one library's single-threaded
// sgemm of C = A·W^T. Args: M, shape index, transposed weights (0: W is N×K,
// 1: W is K×N).
template <class Sgemm>
void RunSgemm(benchmark::State& state, Sgemm sgemm) {
  const auto [m, n, k] = CaseOf(state);
  const bool pre_transposed = state.range(2) != 0;
  Operands op(m, n, k);
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    sgemm(op, m, n, k, pre_transposed);
    benchmark::DoNotOptimize(op.c.data());
  }
  SetCounters(state, m, n, k);
}

void BM_DnnlSgemm(benchmark::State& state) {
  omp_set_num_threads(1);
  RunSgemm(state, [](Operands& op, int m, int n, int k, bool pre_transposed) {
    dnnl_sgemm('N', pre_transposed ? 'N' : 'T', m, n, k, 1.f, op.a.data(), k, op.w.data(),
               pre_transposed ? n : k, 0.f, op.c.data(), n);
  });
}

void BM_OpenblasSgemm(benchmark::State& state) {
  openblas_set_num_threads(1);
  RunSgemm(state, [](Operands& op, int m, int n, int k, bool pre_transposed) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, pre_transposed ? CblasNoTrans : CblasTrans, m, n, k, 1.f,
                op.a.data(), k, op.w.data(), pre_transposed ? n : k, 0.f, op.c.data(), n);
  });
}

// oneDNN matmul primitive with weights reordered once into the layout the
// primitive prefers (format_tag::any), as a pre-packed alternative to sgemm.
void BM_DnnlMatmulPacked(benchmark::State& state) {
  const auto [m, n, k] = CaseOf(state);
  omp_set_num_threads(1);
  Operands op(m, n, k);
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

// This thread's CPU seconds: other processes on a loaded machine do not count.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// CPU seconds per call of the engine's f32 path (pre-transposed sgemm) on this
// shape: the best of 5 rounds of ~20 ms, measured right before the case.
double F32SecondsPerCall(int m, int n, int k) {
  Operands op(m, n, k);
  double best = 1e9;
  for (int round = 0; round < 5; ++round) {
    int calls = 0;
    const double start = ThreadCpuSeconds();
    double elapsed = 0;
    while (elapsed < 0.02) {
      dnnl_sgemm('N', 'N', m, n, k, 1.f, op.a.data(), k, op.w.data(), n, 0.f, op.c.data(), n);
      ++calls;
      elapsed = ThreadCpuSeconds() - start;
    }
    best = std::min(best, elapsed / calls);
  }
  return best;
}

// Runs `call` in the benchmark loop and reports GOP/s and the ratio of the
// f32 path's time to this one's (> 1: faster than f32).
template <class Call>
void RunAgainstF32(benchmark::State& state, int m, int n, int k, Call call) {
  omp_set_num_threads(1);
  const double f32_seconds = F32SecondsPerCall(m, n, k);
  textembed::bench::CountAllocations count_allocations(state);
  const double start = ThreadCpuSeconds();
  for (auto _ : state) call();
  const double seconds = ThreadCpuSeconds() - start;
  state.counters["GOP/s"] = benchmark::Counter(2.0 * m * n * k * state.iterations(), benchmark::Counter::kIsRate,
                                               benchmark::Counter::kIs1000);
  state.counters["vs_f32"] = f32_seconds / (seconds / double(state.iterations()));
}

// The engine's bf16/int8 GemmColumns (activation rounding/quantization
// included). Args: M, shape index, weight type (1: bf16, 2: int8, 3: int8
// weights with 16-bit activations).
void BM_OwnQuantGemm(benchmark::State& state) {
  const auto [m, n, k] = CaseOf(state);
  const auto type = state.range(2) == 1   ? textembed::engine::WeightType::kBf16
                    : state.range(2) == 2 ? textembed::engine::WeightType::kInt8
                                          : textembed::engine::WeightType::kInt8Act16;
  state.SetLabel(std::string(textembed::engine::WeightTypeName(type)));
  Operands op(m, n, k);
  const auto packed =
      textembed::engine::PackedWeight::FromTorchLayout({op.w.data()}, {size_t(n)}, size_t(k), type);
  RunAgainstF32(state, m, n, k, [&] {
    textembed::engine::GemmColumns(op.a.data(), k, m, packed, 0, n, op.c.data(), n);
    benchmark::DoNotOptimize(op.c.data());
  });
}

// oneDNN's int8 matmul: u8 activations with a run-time zero point, s8 weights
// reordered once, per-column output scales, f32 out. Quantizing A is NOT
// included (it is in BM_OwnQuantGemm), nor per-row scales (oneDNN 2.6 takes
// one scale per output column only), so this is a lower bound on its time.
void BM_DnnlInt8Matmul(benchmark::State& state) {
  const auto [m, n, k] = CaseOf(state);
  omp_set_num_threads(1);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::vector<uint8_t> a(size_t(m) * k);
  std::vector<int8_t> w(size_t(n) * k);
  std::vector<float> c(size_t(m) * n), scales(n, 0.01f);
  std::mt19937 rng(1);
  for (auto& x : a) x = uint8_t(rng());
  for (auto& x : w) x = int8_t(int(rng() % 255) - 127);
  int32_t zero_point = 120;
  dnnl::primitive_attr attr;
  attr.set_output_scales(1 << 1, {DNNL_RUNTIME_F32_VAL});
  attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
  const dnnl::memory::desc a_md({m, k}, dt::u8, tag::ab), w_any({k, n}, dt::s8, tag::any),
      w_plain({k, n}, dt::s8, tag::ba), c_md({m, n}, dt::f32, tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, w_any, c_md), attr, engine);
  dnnl::memory w_src(w_plain, engine, w.data()), w_packed(pd.weights_desc(), engine);
  dnnl::reorder(w_src, w_packed).execute(stream, w_src, w_packed);
  dnnl::memory a_mem(a_md, engine, a.data()), c_mem(c_md, engine, c.data());
  dnnl::memory scale_mem({{n}, dt::f32, tag::a}, engine, scales.data());
  dnnl::memory zp_mem({{1}, dt::s32, tag::a}, engine, &zero_point);
  dnnl::matmul prim(pd);
  state.SetLabel(pd.impl_info_str());
  RunAgainstF32(state, m, n, k, [&] {
    prim.execute(stream, {{DNNL_ARG_SRC, a_mem},
                          {DNNL_ARG_WEIGHTS, w_packed},
                          {DNNL_ARG_DST, c_mem},
                          {DNNL_ARG_ATTR_OUTPUT_SCALES, scale_mem},
                          {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, zp_mem}});
    benchmark::DoNotOptimize(c.data());
  });
}

// oneDNN's bf16 matmul (bf16 A and weights reordered once, f32 out); rounding
// A to bf16 is not included.
void BM_DnnlBf16Matmul(benchmark::State& state) {
  const auto [m, n, k] = CaseOf(state);
  omp_set_num_threads(1);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  Operands op(m, n, k);
  const dnnl::memory::desc a_md({m, k}, dt::bf16, tag::ab), w_any({k, n}, dt::bf16, tag::any),
      c_md({m, n}, dt::f32, tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, w_any, c_md), engine);
  dnnl::memory a_f32({{m, k}, dt::f32, tag::ab}, engine, op.a.data()), a_mem(a_md, engine);
  dnnl::reorder(a_f32, a_mem).execute(stream, a_f32, a_mem);
  dnnl::memory w_f32({{k, n}, dt::f32, tag::ba}, engine, op.w.data()), w_packed(pd.weights_desc(), engine);
  dnnl::reorder(w_f32, w_packed).execute(stream, w_f32, w_packed);
  dnnl::memory c_mem(c_md, engine, op.c.data());
  dnnl::matmul prim(pd);
  state.SetLabel(pd.impl_info_str());
  RunAgainstF32(state, m, n, k, [&] {
    prim.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, w_packed}, {DNNL_ARG_DST, c_mem}});
    benchmark::DoNotOptimize(op.c.data());
  });
}

// Peak throughput of one instruction on this core: 16 independent
// accumulators, 1,024 instructions per loop trip. ops/instruction: vfmadd231ps
// 32 (16 lanes × 2), vdpbf16ps 64 (16 × 2 pairs × 2), vpdpbusd 128 (16 × 4 × 2).
#define TEXTEMBED_PEAK_LOOP(INSN)                                                                   \
  asm volatile(".rept 64\n" INSN " %%zmm16, %%zmm17, %%zmm0\n" INSN " %%zmm16, %%zmm17, %%zmm1\n" \
               INSN " %%zmm16, %%zmm17, %%zmm2\n" INSN " %%zmm16, %%zmm17, %%zmm3\n"                \
               INSN " %%zmm16, %%zmm17, %%zmm4\n" INSN " %%zmm16, %%zmm17, %%zmm5\n"                \
               INSN " %%zmm16, %%zmm17, %%zmm6\n" INSN " %%zmm16, %%zmm17, %%zmm7\n"                \
               INSN " %%zmm16, %%zmm17, %%zmm8\n" INSN " %%zmm16, %%zmm17, %%zmm9\n"                \
               INSN " %%zmm16, %%zmm17, %%zmm10\n" INSN " %%zmm16, %%zmm17, %%zmm11\n"              \
               INSN " %%zmm16, %%zmm17, %%zmm12\n" INSN " %%zmm16, %%zmm17, %%zmm13\n"              \
               INSN " %%zmm16, %%zmm17, %%zmm14\n" INSN " %%zmm16, %%zmm17, %%zmm15\n"              \
               ".endr" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",       \
               "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15")

// Arg: 0 vfmadd231ps, 1 vdpbf16ps, 2 vpdpbusd.
void BM_InstructionPeak(benchmark::State& state) {
  const int which = state.range(0);
  const char* feature = which == 0 ? "avx512f" : which == 1 ? "avx512bf16" : "avx512vnni";
  __builtin_cpu_init();
  if ((which == 0 && !__builtin_cpu_supports("avx512f")) || (which == 1 && !__builtin_cpu_supports("avx512bf16")) ||
      (which == 2 && !__builtin_cpu_supports("avx512vnni"))) {
    state.SkipWithError("CPU lacks the instruction");
    return;
  }
  state.SetLabel(which == 0 ? "vfmadd231ps" : which == 1 ? "vdpbf16ps" : "vpdpbusd");
  const double ops_per_instruction = which == 0 ? 32 : which == 1 ? 64 : 128;
  (void)feature;
  for (auto _ : state) {
    if (which == 0) {
      TEXTEMBED_PEAK_LOOP("vfmadd231ps");
    } else if (which == 1) {
      TEXTEMBED_PEAK_LOOP("vdpbf16ps");
    } else {
      TEXTEMBED_PEAK_LOOP("vpdpbusd");
    }
  }
  state.counters["GOP/s"] = benchmark::Counter(1024.0 * ops_per_instruction * state.iterations(),
                                               benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_InstructionPeak)->Arg(0)->Arg(1)->Arg(2);

void QuantArgs(benchmark::internal::Benchmark* b) {
  for (int m : {8, 32, 128, 512})
    for (int s = 0; s < 4; ++s) b->Args({m, s});
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

BENCHMARK(BM_OwnQuantGemm)->Apply([](benchmark::internal::Benchmark* b) {
  for (int m : {8, 32, 128, 512})
    for (int s = 0; s < 4; ++s)
      for (int t = 1; t <= 3; ++t) b->Args({m, s, t});
});
BENCHMARK(BM_DnnlInt8Matmul)->Apply(QuantArgs);
BENCHMARK(BM_DnnlBf16Matmul)->Apply(QuantArgs);

}  // namespace

BENCHMARK_MAIN();
