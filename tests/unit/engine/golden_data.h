// Engine test helpers: the STS-B token ids in shared/, packing sequences into
// a PackedBatch, and mean pooling (the pipeline owns the real pooling; the
// engine tests only need the reference's definition). Reading reference
// embeddings and comparing with them: test_data.h and test_math.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/encoder.h"
#include "test_data.h"
#include "test_math.h"

namespace textembed::engine::testing {

inline std::filesystem::path GoldensDir() { return textembed::testing::SharedDir() / "data" / "goldens"; }
inline std::filesystem::path ModelDir(const std::string& name) {
  return textembed::testing::SharedDir() / "models" / name;
}

// Shared with the other layers' tests; here so `testing::` finds them too.
using textembed::testing::Cosine;
using textembed::testing::ReadF32;
using textembed::testing::Spearman;

// The "ids" field of each line of a JSON-lines file of token ids.
inline std::vector<std::vector<int32_t>> ReadIds(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<int32_t>> ids;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) ids.push_back(nlohmann::json::parse(line)["ids"].get<std::vector<int32_t>>());
  }
  return ids;
}

inline std::vector<std::vector<int32_t>> ReadStsbIds() {
  return ReadIds(GoldensDir() / "stsb-dev-sentences.all-MiniLM-L6-v2-tokenizer.max256.ids.jsonl");
}

// Owns the arrays a PackedBatch points into.
struct Packed {
  std::vector<int32_t> ids, offsets{0};
  void Add(const std::vector<int32_t>& seq) {
    ids.insert(ids.end(), seq.begin(), seq.end());
    offsets.push_back(static_cast<int32_t>(ids.size()));
  }
  PackedBatch batch() const { return PackedBatch{ids, {}, offsets}; }
};

// Mean over each sequence's tokens, then L2 normalization, one row per sequence.
inline std::vector<std::vector<float>> MeanPoolNormalize(const std::vector<float>& hidden, const Packed& packed,
                                                         size_t width) {
  std::vector<std::vector<float>> out;
  for (size_t s = 0; s + 1 < packed.offsets.size(); ++s) {
    std::vector<double> sum(width, 0.0);
    for (int32_t t = packed.offsets[s]; t < packed.offsets[s + 1]; ++t)
      for (size_t c = 0; c < width; ++c) sum[c] += hidden[t * width + c];
    double norm = 0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    std::vector<float> row(width);
    for (size_t c = 0; c < width; ++c) row[c] = static_cast<float>(norm > 0 ? sum[c] / norm : 0.0);
    out.push_back(std::move(row));
  }
  return out;
}

// The sanitizer build checks a prefix of the corpus.
inline size_t SentenceLimit(size_t all) {
  return textembed::testing::kSanitizerBuild ? std::min<size_t>(all, 150) : all;
}

}  // namespace textembed::engine::testing
