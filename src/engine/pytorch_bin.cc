#include "engine/pytorch_bin.h"

#include <cstring>
#include <limits>

#include "core/mapped_file.h"
#include "engine/float_convert.h"
#include "engine/stored_zip.h"

namespace textembed::engine {
namespace {

float ReadElement(const std::byte* p, TorchDType dtype) {
  switch (dtype) {
    case TorchDType::kFloat32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case TorchDType::kFloat16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      return HalfToFloat(h);
    }
    case TorchDType::kBFloat16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      return Bf16ToFloat(b);
    }
    case TorchDType::kFloat64: {
      double d;
      std::memcpy(&d, p, 8);
      return static_cast<float>(d);
    }
    default: return 0.0f;
  }
}

// The members' common directory ("archive/", "pytorch_model/", ...): the one
// holding data.pkl.
Result<std::string> ArchivePrefix(const std::vector<ZipMember>& members, const std::string& where) {
  std::string prefix;
  bool found = false;
  for (const ZipMember& m : members) {
    const std::string_view name = m.name;
    const size_t slash = name.find('/');
    if (slash != std::string_view::npos && name.substr(slash + 1) == "data.pkl") {
      if (found) return Status::Corruption(where + ": more than one data.pkl in the archive");
      prefix = std::string(name.substr(0, slash + 1));
      found = true;
    }
  }
  if (!found) return Status::Corruption(where + ": zip archive without <name>/data.pkl: not a torch.save file");
  return prefix;
}

}  // namespace

Result<std::unique_ptr<PytorchBinWeights>> PytorchBinWeights::Open(const std::filesystem::path& path) {
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  return FromBytes({file.data(), file.size()}, path.string());
}

Result<std::unique_ptr<PytorchBinWeights>> PytorchBinWeights::FromBytes(std::span<const std::byte> bytes,
                                                                        std::string origin) {
  const std::string where = origin;
  if (!LooksLikeZip(bytes)) {
    if (!bytes.empty() && uint8_t(bytes[0]) == 0x80)
      return Status::Unimplemented(where + ": legacy (pre-PyTorch-1.6, non-zip) torch.save format is not read; "
                                           "re-save it with torch.save in PyTorch >= 1.6 or convert it to "
                                           "model.safetensors");
    return Status::Corruption(where + ": not a torch.save zip archive");
  }
  TEXTEMBED_ASSIGN_OR_RETURN(std::vector<ZipMember> members, ListZipMembers(bytes, where));
  TEXTEMBED_ASSIGN_OR_RETURN(std::string prefix, ArchivePrefix(members, where));
  std::unordered_map<std::string, const ZipMember*> by_name;
  for (const ZipMember& m : members) by_name.emplace(m.name, &m);
  auto member_bytes = [&](const std::string& name) -> Result<std::span<const std::byte>> {
    const auto it = by_name.find(name);
    if (it == by_name.end()) return Status::Corruption(where + ": archive member '" + name + "' is missing");
    if (!it->second->stored)
      return Status::Unimplemented(where + ": archive member '" + name + "' is compressed; torch.save stores them");
    return bytes.subspan(it->second->data_offset, it->second->size);
  };
  if (const auto it = by_name.find(prefix + "byteorder"); it != by_name.end()) {
    TEXTEMBED_ASSIGN_OR_RETURN(auto order, member_bytes(prefix + "byteorder"));
    if (std::string_view(reinterpret_cast<const char*>(order.data()), order.size()) != "little")
      return Status::Unimplemented(where + ": storages are not little-endian");
  }
  TEXTEMBED_ASSIGN_OR_RETURN(auto pickle, member_bytes(prefix + "data.pkl"));
  TEXTEMBED_ASSIGN_OR_RETURN(std::vector<PickledTensor> pickled, ReadStateDictPickle(pickle, where));

  std::unique_ptr<PytorchBinWeights> weights(new PytorchBinWeights());
  weights->origin_ = std::move(origin);
  try {
    for (const PickledTensor& t : pickled) {
      const std::string at = where + ": tensor '" + t.name + "': ";
      const uint64_t elem = TorchDTypeSize(t.dtype);
      TEXTEMBED_ASSIGN_OR_RETURN(auto storage, member_bytes(prefix + "data/" + t.storage_key));
      if (uint64_t(t.storage_numel) > storage.size() / elem)
        return Status::Corruption(at + "storage '" + t.storage_key + "' holds " + std::to_string(storage.size()) +
                                  " bytes, fewer than its " + std::to_string(t.storage_numel) + " elements");
      // Every element the view reaches must lie inside the storage.
      uint64_t count = 1;
      for (int64_t size : t.shape) {
        if (size != 0 && count > (uint64_t{1} << 34) / uint64_t(size)) return Status::Corruption(at + "shape too large");
        count *= uint64_t(size);
      }
      if (count > 0) {
        const uint64_t numel = uint64_t(t.storage_numel);
        uint64_t last = uint64_t(t.offset);
        if (last >= numel) return Status::Corruption(at + "storage offset past the end of its storage");
        for (size_t d = 0; d < t.shape.size(); ++d) {
          const uint64_t size = uint64_t(t.shape[d]), stride = uint64_t(t.stride[d]);
          if (size > 1 && stride > (numel - 1 - last) / (size - 1))
            return Status::Corruption(at + "view reaches past the end of its storage");
          last += (size - 1) * stride;
        }
      }

      Entry entry{t.dtype, t.shape, {}};
      if (IsFloatingPoint(t.dtype) && count > 0) {
        entry.data.resize(count);
        const std::byte* base = storage.data() + uint64_t(t.offset) * elem;
        bool contiguous = true;
        for (size_t d = t.shape.size(), expected = 1; d-- > 0; expected *= size_t(t.shape[d]))
          contiguous &= t.shape[d] == 1 || size_t(t.stride[d]) == expected;
        if (contiguous) {
          for (uint64_t i = 0; i < count; ++i) entry.data[i] = ReadElement(base + i * elem, t.dtype);
        } else {
          std::vector<int64_t> index(t.shape.size(), 0);
          for (uint64_t i = 0; i < count; ++i) {
            uint64_t element = 0;
            for (size_t d = 0; d < index.size(); ++d) element += uint64_t(index[d]) * uint64_t(t.stride[d]);
            entry.data[i] = ReadElement(base + element * elem, t.dtype);
            for (size_t d = index.size(); d-- > 0;) {  // row-major increment
              if (++index[d] < t.shape[d]) break;
              index[d] = 0;
            }
          }
        }
      }
      weights->tensors_.insert_or_assign(CanonicalTensorName(t.name), std::move(entry));
    }
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(where + ": out of memory converting tensors");
  }
  return weights;
}

Result<TensorRef> PytorchBinWeights::Find(std::string_view name) const {
  const auto it = tensors_.find(std::string(name));
  if (it == tensors_.end()) return Status::NotFound(origin_ + ": missing tensor '" + std::string(name) + "'");
  if (!IsFloatingPoint(it->second.dtype))
    return Status::Unimplemented(origin_ + ": tensor '" + std::string(name) + "' has dtype " +
                                 TorchDTypeName(it->second.dtype) + "; only float weights are supported");
  return TensorRef{it->second.shape, it->second.data.data()};
}

}  // namespace textembed::engine
