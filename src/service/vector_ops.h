// What happens to pooled vectors after the forward pass, per request: L2
// normalization, Matryoshka truncation, the token-weighted mean of chunks.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace textembed::service {

// x / max(||x||₂, 1e-12), in place (torch.nn.functional.normalize).
void NormalizeL2(std::span<float> x);

struct VectorOptions {
  bool normalize = false;                // L2-normalize each output vector
  std::optional<size_t> dimensions;      // keep the first N (Matryoshka)
  bool renormalize_dimensions = true;    // L2-normalize again after cutting
};

// One vector as the caller gets it: normalized, then cut to `dimensions`
// and renormalized.
std::vector<float> FinishVector(std::span<const float> pooled, const VectorOptions& options);

// Σ wᵢ·vᵢ / Σ wᵢ of equally long vectors; `weights` are token counts.
std::vector<float> WeightedMean(std::span<const std::vector<float>> vectors, std::span<const size_t> weights);

}  // namespace textembed::service
