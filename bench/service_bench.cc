// Service figures side by side on the same texts (STS-B dev sentences):
//   bulk      one Embed call with every text
//   16 x 1    16 threads each sending single texts (target: >= 80 % of bulk)
//   1 x 1     one thread sending single texts: latency p50 / p99
//   cache hit in-process memory cache: latency p50 / p99 (target p99 < 50 us, 384-d)
//   disk hit  LMDB level only, after a restart: latency p50 / p99
//
//   build/s/service_bench [--model DIR] [--texts N] [--threads N]
//
// Prints a table on stdout and one JSON line at the end. The machine's load
// (uptime) is printed beside the figures: they are only comparable within a run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "textembed/service.h"

namespace {

using Clock = std::chrono::steady_clock;
using textembed::EmbedOptions;
using textembed::Service;
using textembed::ServiceOptions;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
  return values[index];
}

std::unique_ptr<Service> Start(ServiceOptions options) {
  auto service = Service::Create(options);
  if (!service.ok()) {
    std::fprintf(stderr, "service_bench: %s\n", service.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(service).value();
}

void Check(const textembed::Result<textembed::EmbedResult>& result) {
  if (!result.ok()) {
    std::fprintf(stderr, "service_bench: %s\n", result.status().ToString().c_str());
    std::exit(1);
  }
}

std::string Load() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

// Microseconds of each single-text Embed over `texts`, `rounds` times; every
// call must be answered from the cache.
std::vector<double> HitLatencies(Service& service, const std::vector<std::string>& texts, int rounds) {
  std::vector<double> hits;
  for (int round = 0; round < rounds; ++round)
    for (const std::string& text : texts) {
      const auto t0 = Clock::now();
      auto result = service.Embed({text});
      hits.push_back(Seconds(Clock::now() - t0) * 1e6);
      Check(result);
      if (result->cache_hits != 1) std::fprintf(stderr, "service_bench: expected a cache hit\n");
    }
  return hits;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::string(TEXTEMBED_DEFAULT_TEST_DATA) + "/models/minilm-l6-random";
  if (const char* env = std::getenv("TEXTEMBED_TEST_DATA")) model = std::string(env) + "/models/minilm-l6-random";
  size_t count = 512;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model") model = argv[i + 1];
    else if (flag == "--texts") count = std::stoul(argv[i + 1]);
    else if (flag == "--threads") threads = std::stoi(argv[i + 1]);
  }
  std::vector<std::string> texts;
  {
    std::ifstream in(std::filesystem::path(model).parent_path().parent_path() / "data/goldens/stsb-dev-sentences.jsonl");
    for (std::string line; texts.size() < count && std::getline(in, line);)
      texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  }
  if (texts.empty()) {
    std::fprintf(stderr, "service_bench: no texts (shared data next to %s?)\n", model.c_str());
    return 1;
  }
  ServiceOptions options;
  options.models = {{"m", model, "main"}};
  options.threads = threads;
  options.cache.memory_max_entries = 0;  // the model, not the cache
  nlohmann::json report;
  std::printf("service_bench: %zu texts, model %s, load %s\n", texts.size(), model.c_str(), Load().c_str());
  {
    auto service = Start(options);
    Check(service->Embed({texts[0]}));  // warm-up
    // Bulk.
    auto start = Clock::now();
    Check(service->Embed(texts));
    const double bulk = static_cast<double>(texts.size()) / Seconds(Clock::now() - start);
    // 16 concurrent callers, one text per call.
    std::atomic<size_t> next{0};
    start = Clock::now();
    std::vector<std::thread> callers;
    for (int t = 0; t < 16; ++t)
      callers.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < texts.size();) Check(service->Embed({texts[i]}));
      });
    for (auto& caller : callers) caller.join();
    const double concurrent = static_cast<double>(texts.size()) / Seconds(Clock::now() - start);
    // One caller, one text per call.
    std::vector<double> latencies;
    const size_t single = std::min<size_t>(texts.size(), 200);
    start = Clock::now();
    for (size_t i = 0; i < single; ++i) {
      const auto t0 = Clock::now();
      Check(service->Embed({texts[i]}));
      latencies.push_back(Seconds(Clock::now() - t0) * 1e3);
    }
    const double sequential = static_cast<double>(single) / Seconds(Clock::now() - start);
    std::printf("%-34s %10.0f texts/s\n", "bulk Embed (one call)", bulk);
    std::printf("%-34s %10.0f texts/s  (%.0f %% of bulk)\n", "16 callers x single texts", concurrent,
                100.0 * concurrent / bulk);
    std::printf("%-34s %10.0f texts/s  p50 %.2f ms  p99 %.2f ms\n", "1 caller x single texts", sequential,
                Percentile(latencies, 0.5), Percentile(latencies, 0.99));
    report["bulk_texts_per_s"] = bulk;
    report["concurrent16_texts_per_s"] = concurrent;
    report["concurrent16_vs_bulk"] = concurrent / bulk;
    report["single_p50_ms"] = Percentile(latencies, 0.5);
    report["single_p99_ms"] = Percentile(latencies, 0.99);
  }
  // Cache hits in memory.
  {
    ServiceOptions cached = options;
    cached.cache.memory_max_entries = 100000;
    auto service = Start(cached);
    Check(service->Embed(texts));
    const std::vector<double> hits = HitLatencies(*service, texts, 5);
    std::printf("%-34s p50 %.1f us  p99 %.1f us\n", "memory cache hit (Embed, 1 text)", Percentile(hits, 0.5),
                Percentile(hits, 0.99));
    report["memory_hit_p50_us"] = Percentile(hits, 0.5);
    report["memory_hit_p99_us"] = Percentile(hits, 0.99);
  }
  // Disk hits after a restart (memory level off).
  {
    const auto dir = std::filesystem::temp_directory_path() / ("service_bench_" + std::to_string(::getpid()));
    ServiceOptions disk = options;
    disk.cache.disk_dir = dir;
    {
      auto service = Start(disk);
      Check(service->Embed(texts));
      (void)service->Shutdown();
    }
    auto service = Start(disk);
    const std::vector<double> hits = HitLatencies(*service, texts, 1);
    std::printf("%-34s p50 %.1f us  p99 %.1f us\n", "disk cache hit (Embed, 1 text)", Percentile(hits, 0.5),
                Percentile(hits, 0.99));
    report["disk_hit_p50_us"] = Percentile(hits, 0.5);
    report["disk_hit_p99_us"] = Percentile(hits, 0.99);
    service.reset();
    std::filesystem::remove_all(dir);
  }
  report["load"] = Load();
  std::printf("%s\n", report.dump().c_str());
  return 0;
}
