#include "engine/owned_weights.h"

namespace textembed::engine {

Result<std::unique_ptr<WeightSource>> OwnedWeights::FromOnnx(const std::filesystem::path& onnx_path) {
  TEXTEMBED_ASSIGN_OR_RETURN(auto tensors, LoadOnnxBertWeights(onnx_path));
  return std::unique_ptr<WeightSource>(new OwnedWeights(std::move(tensors), onnx_path.string()));
}

Result<TensorRef> OwnedWeights::Find(std::string_view name) const {
  const auto it = tensors_.find(std::string(name));
  if (it == tensors_.end()) return Status::NotFound(origin_ + ": missing tensor '" + std::string(name) + "'");
  const OwnedTensor& t = it->second;
  int64_t count = 1;
  for (int64_t d : t.shape) count *= d;
  if (count != int64_t(t.data.size())) {
    return Status::Corruption(origin_ + ": tensor '" + std::string(name) + "' has shape " + ShapeToString(t.shape) +
                              " but " + std::to_string(t.data.size()) + " values");
  }
  return TensorRef{t.shape, t.data.data()};
}

}  // namespace textembed::engine
