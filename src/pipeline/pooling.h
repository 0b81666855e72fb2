// Sentence-transformers pooling over one sequence's token states, and the
// final L2 normalization.
#pragma once

#include <cstddef>
#include <span>

#include "pipeline/model_folder.h"

namespace textembed::pipeline {

// `tokens` holds num_tokens rows of `hidden` floats (one packed sequence, no
// padding). Writes hidden × modes.size() floats to `out`, one block per mode.
void Pool(const float* tokens, size_t num_tokens, size_t hidden, std::span<const PoolingMode> modes, float* out);

// x / max(||x||₂, 1e-12), as torch.nn.functional.normalize.
void L2Normalize(std::span<float> x);

}  // namespace textembed::pipeline
