#include "pipeline/pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace textembed::pipeline {
namespace {

// Σ weight(t) · row(t), accumulated in double so long sequences lose nothing
// to the order of summation (results then do not depend on batching).
template <typename Weight>
void WeightedSum(const float* tokens, size_t n, size_t hidden, Weight weight, float scale, float* out) {
  for (size_t h = 0; h < hidden; ++h) {
    double acc = 0.0;
    for (size_t t = 0; t < n; ++t) acc += static_cast<double>(weight(t)) * tokens[t * hidden + h];
    out[h] = static_cast<float>(acc * scale);
  }
}

}  // namespace

void Pool(const float* tokens, size_t n, size_t hidden, std::span<const PoolingMode> modes, float* out) {
  const auto unit = [](size_t) { return 1.0f; };
  for (PoolingMode mode : modes) {
    if (n == 0) {
      std::fill(out, out + hidden, 0.0f);
      out += hidden;
      continue;
    }
    switch (mode) {
      case PoolingMode::kCls:
        std::copy(tokens, tokens + hidden, out);
        break;
      case PoolingMode::kLastToken:
        std::copy(tokens + (n - 1) * hidden, tokens + n * hidden, out);
        break;
      case PoolingMode::kMax:
        std::fill(out, out + hidden, std::numeric_limits<float>::lowest());
        for (size_t t = 0; t < n; ++t)
          for (size_t h = 0; h < hidden; ++h) out[h] = std::max(out[h], tokens[t * hidden + h]);
        break;
      case PoolingMode::kMean:
        WeightedSum(tokens, n, hidden, unit, 1.0f / static_cast<float>(n), out);
        break;
      case PoolingMode::kMeanSqrtLen:
        WeightedSum(tokens, n, hidden, unit, 1.0f / std::sqrt(static_cast<float>(n)), out);
        break;
      case PoolingMode::kWeightedMean: {
        // Position weights 1..n, as sentence-transformers' WeightedMean pooling.
        const float total = static_cast<float>(n) * static_cast<float>(n + 1) / 2.0f;
        WeightedSum(tokens, n, hidden, [](size_t t) { return static_cast<float>(t + 1); }, 1.0f / total, out);
        break;
      }
    }
    out += hidden;
  }
}

void L2Normalize(std::span<float> x) {
  double sq = 0.0;
  for (float v : x) sq += static_cast<double>(v) * v;
  const float inv = 1.0f / std::max(static_cast<float>(std::sqrt(sq)), 1e-12f);
  for (float& v : x) v *= inv;
}

}  // namespace textembed::pipeline
