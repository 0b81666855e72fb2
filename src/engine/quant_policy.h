// Which number type each linear layer of the encoder runs in, from the model
// dtype asked for at load (`--dtype`, EngineOptions::dtype). The choices per
// layer are measured, not assumed: see docs/quantization.md for the figures.
#pragma once

#include <string>
#include <string_view>

#include "engine/gemm.h"
#include "textembed/status.h"

namespace textembed::engine {

// The weight types of the four linear layers of every transformer layer.
struct LinearTypes {
  WeightType qkv = WeightType::kF32;            // Q, K, V projections (one [h × 3h] GEMM)
  WeightType attention_out = WeightType::kF32;  // attention output projection
  WeightType ffn_in = WeightType::kF32;         // intermediate (before GELU)
  WeightType ffn_out = WeightType::kF32;        // FFN output

  std::string ToString() const;  // e.g. "qkv=int8,attn_out=int8,ffn_in=int8,ffn_out=int8"
};

// `spec`: "f32", "bf16" or "int8" (every layer that type, as measured best for
// it), optionally followed by per-layer overrides for experiments:
// "int8:ffn_out=f32,qkv=bf16" (layers: qkv, attn_out, ffn_in, ffn_out).
// Errors (InvalidArgument) name the part that is wrong.
Result<LinearTypes> ParseLinearTypes(std::string_view spec);

}  // namespace textembed::engine
