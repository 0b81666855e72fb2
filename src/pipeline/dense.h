// sentence-transformers' Dense module: y = activation(W·x + b), applied to a
// pooled sentence vector (e.g. the 768 → 256 projection some models add).
#pragma once

#include <span>
#include <vector>

#include "pipeline/model_folder.h"
#include "textembed/status.h"

namespace textembed::pipeline {

class DenseLayer {
 public:
  // Reads <module.dir>/model.safetensors, else pytorch_model.bin (through
  // the restricted unpickler of engine/pytorch_bin.h): "linear.weight"
  // [out, in], "linear.bias" [out].
  static Result<DenseLayer> Load(const DenseModule& module);

  void Apply(std::span<const float> in, std::vector<float>* out) const;
  size_t in_features() const { return in_; }
  size_t out_features() const { return out_; }

 private:
  size_t in_ = 0;
  size_t out_ = 0;
  Activation activation_ = Activation::kIdentity;
  std::vector<float> weight_;  // [out, in]
  std::vector<float> bias_;    // [out] or empty
};

}  // namespace textembed::pipeline
