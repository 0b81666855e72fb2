// Encoder throughput on minilm-l6-random over packed batches of STS-B-like
// lengths: short (~15 tokens), medium (~50), long (~128 and 256).
// Run: build/<dir>/engine_forward_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/encoder.h"

#include "allocation_counter.h"

namespace {

std::filesystem::path SharedDir() {
  const char* env = std::getenv("TEXTEMBED_TEST_DATA");
  return std::filesystem::path(env ? env : TEXTEMBED_DEFAULT_TEST_DATA);
}
std::filesystem::path ModelDir() { return SharedDir() / "models" / "minilm-l6-random"; }

// CPU seconds of the whole process (all threads): on a machine shared with
// other jobs, tokens per CPU-second is steadier than tokens per wall-second.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// minilm-l6-random with `threads` inference threads; null (and the benchmark
// skipped with the reason) when it does not load.
std::unique_ptr<textembed::engine::Encoder> LoadOrSkip(benchmark::State& state, int threads) {
  auto encoder = textembed::engine::LoadEncoder(ModelDir(), {.threads = threads});
  if (!encoder.ok()) {
    state.SkipWithError(encoder.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*encoder);
}

// All 2,910 STS-B dev sentences as HF token ids (7..~80 tokens), in file order.
std::vector<std::vector<int32_t>> StsbSentenceIds() {
  std::ifstream in(SharedDir() / "data" / "goldens" / "stsb-dev-sentences.all-MiniLM-L6-v2-tokenizer.max256.ids.jsonl");
  std::vector<std::vector<int32_t>> sentences;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) sentences.push_back(nlohmann::json::parse(line)["ids"].get<std::vector<int32_t>>());
  return sentences;
}

// Args: tokens per sequence, sequences per batch, threads.
void BM_Forward(benchmark::State& state) {
  const int length = state.range(0), sequences = state.range(1), threads = state.range(2);
  auto encoder = LoadOrSkip(state, threads);
  if (!encoder) return;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> token(1000, 29000);
  std::vector<int32_t> ids, offsets{0};
  for (int s = 0; s < sequences; ++s) {
    ids.push_back(101);
    for (int t = 2; t < length; ++t) ids.push_back(token(rng));
    ids.push_back(102);
    offsets.push_back(static_cast<int32_t>(ids.size()));
  }
  const textembed::engine::PackedBatch batch{ids, {}, offsets};
  std::vector<float> hidden;
  const double cpu_start = ProcessCpuSeconds();
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    const auto status = encoder->Forward(batch, &hidden);
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
    benchmark::DoNotOptimize(hidden.data());
  }
  const double tokens = double(ids.size()) * state.iterations();
  state.counters["tokens/s"] = benchmark::Counter(tokens, benchmark::Counter::kIsRate);
  state.counters["tokens/cpu_s"] = tokens / (ProcessCpuSeconds() - cpu_start);
  // ≈ 21.3 MFLOP per token for the GEMMs + 4·L·h per token for attention.
  const double flops_per_token = 2.0 * 6 * (384.0 * 1152 + 384 * 384 + 2 * 384 * 1536) + 6 * 4.0 * length * 384;
  state.counters["GFLOP/s"] = benchmark::Counter(tokens * flops_per_token * 1e-9, benchmark::Counter::kIsRate);
}

void Args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (auto [length, sequences] : {std::pair{15, 1}, {38, 1}, {15, 4}, {15, 32}, {50, 32}, {128, 16}, {256, 8}, {128, 32}})
      b->Args({length, sequences, threads});
  b->ArgNames({"len", "seqs", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Forward)->Apply(Args);

// All 2,910 STS-B dev sentences (HF token ids, 7..~80 tokens), sorted by
// length and packed 32 per batch: the workload ORT's comparison runs.
void BM_StsbCorpus(benchmark::State& state) {
  const int threads = state.range(0);
  auto encoder = LoadOrSkip(state, threads);
  if (!encoder) return;
  std::vector<std::vector<int32_t>> sentences = StsbSentenceIds();
  std::sort(sentences.begin(), sentences.end(), [](auto& a, auto& b) { return a.size() < b.size(); });
  struct Batch {
    std::vector<int32_t> ids, offsets{0};
  };
  std::vector<Batch> batches;
  size_t tokens = 0;
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (i % 32 == 0) batches.emplace_back();
    batches.back().ids.insert(batches.back().ids.end(), sentences[i].begin(), sentences[i].end());
    batches.back().offsets.push_back(static_cast<int32_t>(batches.back().ids.size()));
    tokens += sentences[i].size();
  }
  std::vector<float> hidden;
  const double cpu_start = ProcessCpuSeconds();
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    for (const Batch& b : batches) {
      const auto status = encoder->Forward({b.ids, {}, b.offsets}, &hidden);
      if (!status.ok()) state.SkipWithError(status.ToString().c_str());
    }
  }
  state.counters["tokens/s"] = benchmark::Counter(double(tokens) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["tokens/cpu_s"] = double(tokens) * state.iterations() / (ProcessCpuSeconds() - cpu_start);
  state.counters["sentences/s"] =
      benchmark::Counter(double(sentences.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
// One STS-B sentence per forward pass, in file order (what a lone HTTP request
// gets): per-call latency percentiles, the engine's share of a single-text
// request's p99.
void BM_SingleSentenceLatency(benchmark::State& state) {
  const int threads = state.range(0);
  auto encoder = LoadOrSkip(state, threads);
  if (!encoder) return;
  const std::vector<std::vector<int32_t>> sentences = StsbSentenceIds();
  std::vector<float> hidden;
  std::vector<double> milliseconds;
  size_t next = 0;
  for (auto _ : state) {
    const std::vector<int32_t>& ids = sentences[next++ % sentences.size()];
    const std::vector<int32_t> offsets{0, static_cast<int32_t>(ids.size())};
    const auto start = std::chrono::steady_clock::now();
    const auto status = encoder->Forward({ids, {}, offsets}, &hidden);
    milliseconds.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  }
  std::sort(milliseconds.begin(), milliseconds.end());
  const auto percentile = [&](double p) { return milliseconds[size_t(p * double(milliseconds.size() - 1))]; };
  state.counters["p50_ms"] = percentile(0.5);
  state.counters["p99_ms"] = percentile(0.99);
  state.counters["max_ms"] = milliseconds.back();
}
BENCHMARK(BM_SingleSentenceLatency)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK(BM_StsbCorpus)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
