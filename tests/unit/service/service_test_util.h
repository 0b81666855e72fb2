// Shared setup of the Service tests: the small test model, and the thread
// count (TEXTEMBED_TEST_THREADS, default 0 = all cores; the ThreadSanitizer
// run sets 1 because the engine's OpenMP runtime is not instrumented).
#pragma once

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_data.h"
#include "textembed/service.h"

namespace textembed::testing {

inline int ServiceTestThreads() {
  const char* env = std::getenv("TEXTEMBED_TEST_THREADS");
  return env != nullptr && *env != '\0' ? std::atoi(env) : 0;
}

inline std::string TinyModel() { return (SharedDir() / "models/bert-tiny-random").string(); }

inline ServiceOptions TinyServiceOptions() {
  ServiceOptions options;
  options.models = {{"tiny", TinyModel(), "main"}};
  options.threads = ServiceTestThreads();
  options.batching.max_wait = std::chrono::microseconds(500);
  options.cache.memory_max_entries = 0;  // most tests measure the model, not the cache
  return options;
}

inline double Norm(std::span<const float> v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

inline double MaxAbsDiff(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

// Sentences of varied length from the STS-B goldens.
inline std::vector<std::string> SampleSentences(size_t count) {
  std::ifstream in(SharedDir() / "data/goldens/stsb-dev-sentences.jsonl");
  std::vector<std::string> texts;
  for (std::string line; texts.size() < count && std::getline(in, line);)
    texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  return texts;
}

}  // namespace textembed::testing
