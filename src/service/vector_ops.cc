#include "service/vector_ops.h"

#include <algorithm>
#include <cmath>

namespace textembed::service {

void NormalizeL2(std::span<float> x) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v) * v;
  const double norm = std::max(std::sqrt(sum), 1e-12);
  for (float& v : x) v = static_cast<float>(v / norm);
}

std::vector<float> FinishVector(std::span<const float> pooled, const VectorOptions& options) {
  std::vector<float> out(pooled.begin(), pooled.end());
  if (options.normalize) NormalizeL2(out);
  if (options.dimensions && *options.dimensions < out.size()) {
    out.resize(*options.dimensions);
    if (options.renormalize_dimensions) NormalizeL2(out);
  }
  return out;
}

std::vector<float> WeightedMean(std::span<const std::vector<float>> vectors, std::span<const size_t> weights) {
  if (vectors.empty()) return {};
  std::vector<double> sum(vectors.front().size(), 0.0);
  double total = 0.0;
  for (size_t i = 0; i < vectors.size(); ++i) {
    const double w = static_cast<double>(weights[i]);
    total += w;
    for (size_t d = 0; d < sum.size(); ++d) sum[d] += w * vectors[i][d];
  }
  std::vector<float> mean(sum.size());
  for (size_t d = 0; d < sum.size(); ++d) mean[d] = static_cast<float>(total > 0 ? sum[d] / total : 0.0);
  return mean;
}

}  // namespace textembed::service
