// The BERT architecture (BertModel's last hidden state) over packed batches.
#pragma once

#include <memory>

#include "engine/encoder.h"
#include "engine/weight_source.h"

namespace textembed::engine {

// Checks every tensor's shape against `config`, packs the linear layers for
// the GEMM and keeps `weights` alive for the tensors used in place.
Result<std::unique_ptr<Encoder>> CreateBertEncoder(const EncoderConfig& config,
                                                   std::unique_ptr<WeightSource> weights,
                                                   const EngineOptions& options);

}  // namespace textembed::engine
