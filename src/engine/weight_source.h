// Where an architecture gets its parameters: tensors asked for by Hugging Face
// name (without a base-model prefix such as "bert."), always as f32, whatever the file format
// (safetensors, ONNX initializers, ...). Keeps file formats out of the model code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine {

// A read-only f32 tensor owned by its WeightSource (valid while it lives).
struct TensorRef {
  std::vector<int64_t> shape;
  const float* data = nullptr;

  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

std::string ShapeToString(const std::vector<int64_t>& shape);

// A checkpoint's tensor name as the architectures ask for it: the base-model
// prefix a task model adds ("bert.", "roberta.", "mpnet.") is dropped.
std::string CanonicalTensorName(std::string_view name);

class WeightSource {
 public:
  virtual ~WeightSource() = default;

  // The tensor called `name`, or NotFound naming the tensor and origin().
  virtual Result<TensorRef> Find(std::string_view name) const = 0;

  // The file the tensors come from, for error messages.
  virtual const std::string& origin() const = 0;

  // The caller copied `count` floats at `data` (from Find) into its own layout
  // and will not read them again: a memory-mapped source drops those pages so
  // the model costs its file once, not file + copies. Reading them later is
  // still correct (they fault back in from the file).
  virtual void Evict(const float* data, size_t count) const {}

  // Find() plus a shape check against what the config implies, so a config
  // that does not match its weights fails at load, not as a wild read later.
  Result<const float*> Require(std::string_view name, const std::vector<int64_t>& shape) const;
};

}  // namespace textembed::engine
