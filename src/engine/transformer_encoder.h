// The encoder forward pass over packed batches, for every architecture the
// config describes (BertModel, RobertaModel/XLMRobertaModel, MPNetModel last
// hidden state): post-LayerNorm blocks whose differences are position ids,
// token types, an optional relative attention bias and tensor names.
#pragma once

#include <memory>

#include "engine/encoder.h"
#include "engine/weight_source.h"

namespace textembed::engine {

// Checks every tensor's shape against `config`, packs the linear layers for
// the GEMM and keeps `weights` alive for the tensors used in place.
Result<std::unique_ptr<Encoder>> CreateTransformerEncoder(const EncoderConfig& config,
                                                   std::unique_ptr<WeightSource> weights,
                                                   const EngineOptions& options);

}  // namespace textembed::engine
