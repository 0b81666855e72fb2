// Reads a .safetensors file (8-byte LE header length, JSON header, raw data)
// over a memory mapping. F32 tensors are used in place when aligned; F16/BF16
// are converted to f32 once at open, so the forward pass only sees f32.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/mapped_file.h"
#include "engine/weight_source.h"

namespace textembed::engine {

class SafetensorsWeights final : public WeightSource {
 public:
  // Validates the whole header (dtypes, shapes, offsets inside the file and
  // not overlapping, sizes); a malformed file gives Corruption naming it.
  static Result<std::unique_ptr<SafetensorsWeights>> Open(const std::filesystem::path& path);

  Result<TensorRef> Find(std::string_view name) const override;
  const std::string& origin() const override { return origin_; }
  void Evict(const float* data, size_t count) const override;
  size_t size() const { return tensors_.size(); }

 private:
  struct Entry {
    std::string dtype;           // as in the header, e.g. "F32"
    std::vector<int64_t> shape;
    const float* data = nullptr;  // null when the dtype is not a float type
  };

  SafetensorsWeights() = default;

  MappedFile file_;
  std::string origin_;
  std::unordered_map<std::string, Entry> tensors_;
  std::vector<std::vector<float>> converted_;  // storage for non-f32 or unaligned tensors
};

}  // namespace textembed::engine
