#include "engine/safetensors.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "engine/float_convert.h"

namespace textembed::engine {
namespace {

size_t DTypeSize(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  return 0;
}

}  // namespace

Result<std::unique_ptr<SafetensorsWeights>> SafetensorsWeights::Open(const std::filesystem::path& path) {
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  const std::string where = path.string();
  auto corrupt = [&](const std::string& what) { return Status::Corruption(where + ": " + what); };

  if (file.size() < 8) return corrupt("file too short for a safetensors header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | uint8_t(file.data()[i]);
  if (header_len > file.size() - 8) {
    return corrupt("header length " + std::to_string(header_len) + " exceeds the file size " +
                   std::to_string(file.size()) + " (truncated file?)");
  }
  const std::string_view header_text(reinterpret_cast<const char*>(file.data()) + 8, header_len);
  const std::byte* data_begin = file.data() + 8 + header_len;
  const uint64_t data_size = file.size() - 8 - header_len;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    return corrupt(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) return corrupt("header is not a JSON object");

  std::unique_ptr<SafetensorsWeights> weights(new SafetensorsWeights());
  weights->origin_ = where;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, meta] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string at = "tensor '" + name + "': ";
    if (!meta.is_object()) return corrupt(at + "entry is not an object");
    const auto dtype_it = meta.find("dtype");
    const auto shape_it = meta.find("shape");
    const auto offsets_it = meta.find("data_offsets");
    if (dtype_it == meta.end() || !dtype_it->is_string()) return corrupt(at + "missing string 'dtype'");
    if (shape_it == meta.end() || !shape_it->is_array()) return corrupt(at + "missing array 'shape'");
    if (offsets_it == meta.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      return corrupt(at + "'data_offsets' must be two non-negative integers");
    }
    Entry entry;
    entry.dtype = dtype_it->get<std::string>();
    const size_t elem_size = DTypeSize(entry.dtype);
    if (elem_size == 0) return corrupt(at + "unknown dtype '" + entry.dtype + "'");
    uint64_t count = 1;
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_unsigned()) return corrupt(at + "shape entries must be non-negative integers");
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && count > std::numeric_limits<uint64_t>::max() / 8 / d) return corrupt(at + "shape too large");
      count *= d;
      entry.shape.push_back(static_cast<int64_t>(d));
    }
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      return corrupt(at + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") outside the " + std::to_string(data_size) + "-byte data section (truncated file?)");
    }
    if (end - begin != count * elem_size) {
      return corrupt(at + "byte size " + std::to_string(end - begin) + " does not match shape " +
                     ShapeToString(entry.shape) + " of " + entry.dtype);
    }
    if (begin != end) ranges.emplace_back(begin, end);

    const std::byte* bytes = data_begin + begin;
    if (entry.dtype == "F32") {
      if (reinterpret_cast<uintptr_t>(bytes) % alignof(float) == 0) {
        entry.data = reinterpret_cast<const float*>(bytes);
      } else {
        auto& copy = weights->converted_.emplace_back(count);
        std::memcpy(copy.data(), bytes, count * sizeof(float));
        entry.data = copy.data();
      }
    } else if (entry.dtype == "F16" || entry.dtype == "BF16") {
      auto& converted = weights->converted_.emplace_back(count);
      const bool is_half = entry.dtype == "F16";
      for (uint64_t i = 0; i < count; ++i) {
        uint16_t v;
        std::memcpy(&v, bytes + 2 * i, 2);  // may be unaligned
        converted[i] = is_half ? HalfToFloat(v) : Bf16ToFloat(v);
      }
      entry.data = converted.data();
    }
    // Other dtypes (e.g. I64 embeddings.position_ids) are validated but not
    // served: asking for them is an error.
    weights->tensors_.insert_or_assign(CanonicalTensorName(name), std::move(entry));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) return corrupt("tensor data ranges overlap");
  }
  weights->file_ = std::move(file);  // moving the mapping keeps the addresses valid
  return weights;
}

Result<TensorRef> SafetensorsWeights::Find(std::string_view name) const {
  const auto it = tensors_.find(std::string(name));
  if (it == tensors_.end()) {
    return Status::NotFound(origin_ + ": missing tensor '" + std::string(name) + "'");
  }
  if (it->second.data == nullptr) {
    return Status::Unimplemented(origin_ + ": tensor '" + std::string(name) + "' has dtype " +
                                 it->second.dtype + "; only F32, F16 and BF16 weights are supported");
  }
  return TensorRef{it->second.shape, it->second.data};
}

void SafetensorsWeights::Evict(const float* data, size_t count) const {
  const auto* begin = reinterpret_cast<const std::byte*>(data);
  const auto* end = begin + count * sizeof(float);
  if (begin < file_.data() || end > file_.data() + file_.size()) return;  // a converted copy, not the mapping
  // Only whole pages inside the tensor: its neighbours may still be in use.
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (reinterpret_cast<uintptr_t>(begin) + page - 1) / page * page;
  const uintptr_t last = reinterpret_cast<uintptr_t>(end) / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace textembed::engine
