// A WeightSource over tensors held in memory (e.g. decoded ONNX initializers).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "engine/onnx_weights.h"
#include "engine/weight_source.h"

namespace textembed::engine {

class OwnedWeights final : public WeightSource {
 public:
  OwnedWeights(std::unordered_map<std::string, OwnedTensor> tensors, std::string origin)
      : tensors_(std::move(tensors)), origin_(std::move(origin)) {}

  // The initializers of an ONNX export of a BERT-family model.
  static Result<std::unique_ptr<WeightSource>> FromOnnx(const std::filesystem::path& onnx_path);

  Result<TensorRef> Find(std::string_view name) const override;
  const std::string& origin() const override { return origin_; }

 private:
  std::unordered_map<std::string, OwnedTensor> tensors_;
  std::string origin_;
};

}  // namespace textembed::engine
