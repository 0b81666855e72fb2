#include "pipeline/dense.h"

#include <cmath>

#include "engine/pytorch_bin.h"
#include "engine/safetensors.h"

namespace textembed::pipeline {

Result<DenseLayer> DenseLayer::Load(const DenseModule& module) {
  // As sentence-transformers' Dense.load: model.safetensors, else the pickle.
  const std::filesystem::path safetensors = module.dir / "model.safetensors";
  const std::filesystem::path pytorch_bin = module.dir / "pytorch_model.bin";
  std::error_code ec;
  std::unique_ptr<engine::WeightSource> weights;
  if (std::filesystem::exists(safetensors, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, engine::SafetensorsWeights::Open(safetensors));
  } else if (std::filesystem::exists(pytorch_bin, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, engine::PytorchBinWeights::Open(pytorch_bin));
  } else {
    return Status::NotFound(module.dir.string() + ": Dense module has no model.safetensors or pytorch_model.bin");
  }
  DenseLayer layer;
  layer.in_ = module.in_features;
  layer.out_ = module.out_features;
  layer.activation_ = module.activation;
  const auto rows = static_cast<int64_t>(layer.out_), cols = static_cast<int64_t>(layer.in_);
  TEXTEMBED_ASSIGN_OR_RETURN(const float* w, weights->Require("linear.weight", {rows, cols}));
  layer.weight_.assign(w, w + rows * cols);
  if (module.bias) {
    TEXTEMBED_ASSIGN_OR_RETURN(const float* b, weights->Require("linear.bias", {rows}));
    layer.bias_.assign(b, b + rows);
  }
  return layer;
}

void DenseLayer::Apply(std::span<const float> in, std::vector<float>* out) const {
  out->resize(out_);
  for (size_t o = 0; o < out_; ++o) {
    const float* w = weight_.data() + o * in_;
    float acc = bias_.empty() ? 0.0f : bias_[o];
    for (size_t i = 0; i < in_; ++i) acc += w[i] * in[i];
    switch (activation_) {
      case Activation::kIdentity: break;
      case Activation::kTanh: acc = std::tanh(acc); break;
      case Activation::kReLU: acc = acc > 0.0f ? acc : 0.0f; break;
      case Activation::kGelu: acc = 0.5f * acc * (1.0f + std::erf(acc * static_cast<float>(M_SQRT1_2))); break;
      case Activation::kSigmoid: acc = 1.0f / (1.0f + std::exp(-acc)); break;
    }
    (*out)[o] = acc;
  }
}

}  // namespace textembed::pipeline
