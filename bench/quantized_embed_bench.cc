// The textembed side of bench/quantized_compare.sh: embeds pre-tokenized texts
// (Hugging Face ids, one {"ids": [...]} per line) with the engine at a given
// dtype, the way tools/node/ort_bench.js and the ORT side of the script do:
// sorted by length, 32 texts per batch (packed here, padded there), forward +
// mean pooling + L2 normalization timed, best of --passes. Prints one JSON
// line; --out writes the embeddings (float32 LE, input order) for accuracy.
//
//   quantized_embed_bench --model DIR --ids FILE [--dtype f32|bf16|int8[:overrides]]
//       [--threads N] [--batch 32] [--passes 2] [--out FILE]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/encoder.h"

namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

int Usage(const char* message) {
  std::fprintf(stderr,
               "quantized_embed_bench: %s\nusage: quantized_embed_bench --model DIR --ids FILE [--dtype SPEC] "
               "[--threads N] [--batch B] [--passes P] [--out FILE]\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, ids_path, dtype = "f32", out_path;
  int threads = 1, batch = 32, passes = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return Usage(("missing value for " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--model") model = value;
    else if (flag == "--ids") ids_path = value;
    else if (flag == "--dtype") dtype = value;
    else if (flag == "--out") out_path = value;
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--batch") batch = std::stoi(value);
    else if (flag == "--passes") passes = std::stoi(value);
    else return Usage(("unknown flag " + flag).c_str());
  }
  if (model.empty() || ids_path.empty()) return Usage("--model and --ids are required");
  if (threads < 1 || batch < 1 || passes < 1) return Usage("--threads, --batch, --passes must be >= 1");

  std::vector<std::vector<int32_t>> texts;
  {
    std::ifstream in(ids_path);
    if (!in) return Usage(("cannot read " + ids_path).c_str());
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) texts.push_back(nlohmann::json::parse(line)["ids"].get<std::vector<int32_t>>());
  }
  const auto load_start = std::chrono::steady_clock::now();
  textembed::engine::EngineOptions options;
  options.threads = threads;
  options.dtype = dtype;
  auto encoder = textembed::engine::LoadEncoder(model, options);
  if (!encoder.ok()) {
    std::fprintf(stderr, "quantized_embed_bench: %s\n", encoder.status().ToString().c_str());
    return 1;
  }
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  const size_t width = (*encoder)->config().hidden_size;

  std::vector<size_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return texts[a].size() < texts[b].size(); });
  size_t tokens = 0;
  for (const auto& t : texts) tokens += t.size();

  std::vector<float> embeddings(texts.size() * width), hidden;
  double best_wall = 1e30, best_cpu = 1e30;
  for (int pass = 0; pass < passes; ++pass) {
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = ProcessCpuSeconds();
    for (size_t begin = 0; begin < order.size(); begin += batch) {
      const size_t end = std::min(order.size(), begin + size_t(batch));
      std::vector<int32_t> ids, offsets{0};
      for (size_t i = begin; i < end; ++i) {
        ids.insert(ids.end(), texts[order[i]].begin(), texts[order[i]].end());
        offsets.push_back(static_cast<int32_t>(ids.size()));
      }
      const auto status = (*encoder)->Forward({ids, {}, offsets}, &hidden);
      if (!status.ok()) {
        std::fprintf(stderr, "quantized_embed_bench: %s\n", status.ToString().c_str());
        return 1;
      }
      for (size_t s = 0; s + 1 < offsets.size(); ++s) {  // mean pooling + L2 normalization
        float* row = embeddings.data() + order[begin + s] * width;
        std::fill(row, row + width, 0.0f);
        for (int32_t t = offsets[s]; t < offsets[s + 1]; ++t)
          for (size_t c = 0; c < width; ++c) row[c] += hidden[size_t(t) * width + c];
        double norm = 0;
        for (size_t c = 0; c < width; ++c) norm += double(row[c]) * row[c];
        const float scale = norm > 0 ? float(1.0 / std::sqrt(norm)) : 0.0f;
        for (size_t c = 0; c < width; ++c) row[c] *= scale;
      }
    }
    best_wall = std::min(best_wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count());
    best_cpu = std::min(best_cpu, ProcessCpuSeconds() - cpu_start);
  }
  if (!out_path.empty()) {
    std::ofstream out(out_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(embeddings.data()), std::streamsize(embeddings.size() * sizeof(float)));
  }
  nlohmann::json result{{"engine", "textembed"},
                        {"dtype", dtype},
                        {"threads", threads},
                        {"texts", texts.size()},
                        {"tokens", tokens},
                        {"seconds", best_wall},
                        {"tokens_per_s", double(tokens) / best_wall},
                        {"tokens_per_cpu_s", double(tokens) / best_cpu},
                        {"load_seconds", load_seconds}};
  std::printf("%s\n", result.dump().c_str());
  return 0;
}
