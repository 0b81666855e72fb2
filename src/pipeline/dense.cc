#include "pipeline/dense.h"

#include <cmath>

#include "engine/safetensors.h"

namespace textembed::pipeline {

Result<DenseLayer> DenseLayer::Load(const DenseModule& module) {
  const std::filesystem::path path = module.dir / "model.safetensors";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (std::filesystem::exists(module.dir / "pytorch_model.bin", ec))
      return Status::Unimplemented((module.dir / "pytorch_model.bin").string() +
                                   ": PyTorch pickles are not read; save the Dense module as model.safetensors");
    return Status::NotFound(path.string() + ": Dense module has no weights file");
  }
  TEXTEMBED_ASSIGN_OR_RETURN(auto weights, engine::SafetensorsWeights::Open(path));
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
