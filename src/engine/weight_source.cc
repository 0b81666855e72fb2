#include "engine/weight_source.h"

namespace textembed::engine {

std::string ShapeToString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string CanonicalTensorName(std::string_view name) {
  for (std::string_view prefix : {"bert.", "roberta.", "mpnet."}) {
    if (name.substr(0, prefix.size()) == prefix) return std::string(name.substr(prefix.size()));
  }
  return std::string(name);
}

Result<const float*> WeightSource::Require(std::string_view name,
                                           const std::vector<int64_t>& shape) const {
  TEXTEMBED_ASSIGN_OR_RETURN(TensorRef tensor, Find(name));
  if (tensor.shape != shape) {
    return Status::Corruption(origin() + ": tensor '" + std::string(name) + "' has shape " +
                              ShapeToString(tensor.shape) + " but config.json implies " +
                              ShapeToString(shape));
  }
  return tensor.data;
}

}  // namespace textembed::engine
