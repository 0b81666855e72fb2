// Reads pytorch_model.bin as torch.save (PyTorch >= 1.6) writes it: a zip
// archive of stored members <prefix>/data.pkl (the state_dict pickle, read by
// the restricted unpickler in torch_pickle.h) and <prefix>/data/<key> (raw
// little-endian storages). Float tensors (f32, f16, bf16, f64) are converted to
// contiguous f32 copies at open; other dtypes are listed but not served. The
// pre-1.6 non-zip format is refused with an error saying so.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/torch_pickle.h"
#include "engine/weight_source.h"

namespace textembed::engine {

class PytorchBinWeights final : public WeightSource {
 public:
  static Result<std::unique_ptr<PytorchBinWeights>> Open(const std::filesystem::path& path);
  // The same from bytes in memory; `origin` names them in errors.
  static Result<std::unique_ptr<PytorchBinWeights>> FromBytes(std::span<const std::byte> bytes, std::string origin);

  Result<TensorRef> Find(std::string_view name) const override;
  const std::string& origin() const override { return origin_; }
  size_t size() const { return tensors_.size(); }

 private:
  struct Entry {
    TorchDType dtype;
    std::vector<int64_t> shape;
    std::vector<float> data;  // row-major f32; empty unless dtype is floating point
  };

  PytorchBinWeights() = default;

  std::string origin_;
  std::unordered_map<std::string, Entry> tensors_;
};

}  // namespace textembed::engine
