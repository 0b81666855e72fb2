// A restricted unpickler for the data.pkl of a torch.save'd state_dict. It is an
// interpreter of a fixed opcode subset over plain values, not Python: the only
// callables it knows are the handful a state_dict pickles
// (torch._utils._rebuild_tensor_v2 / _rebuild_parameter, collections.OrderedDict,
// torch.<Type>Storage inside persistent ids), and it evaluates them itself. Any
// other global (os.system, builtins.eval, ...) or opcode is refused with an
// error naming it, before anything else happens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine {

enum class TorchDType { kFloat32, kFloat16, kBFloat16, kFloat64, kInt64, kInt32, kInt16, kInt8, kUInt8, kBool };

size_t TorchDTypeSize(TorchDType dtype);
const char* TorchDTypeName(TorchDType dtype);
bool IsFloatingPoint(TorchDType dtype);

// One tensor of the state_dict: a strided view of storage `storage_key`
// (the archive member data/<storage_key>).
struct PickledTensor {
  std::string name;
  std::string storage_key;
  TorchDType dtype = TorchDType::kFloat32;
  int64_t storage_numel = 0;  // elements of the storage, as the persistent id says
  int64_t offset = 0;         // elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

// Interprets `pickle` (protocols 2-5) whose result must be a dict of name →
// tensor. Errors: Unimplemented for a refused global or opcode, Corruption for
// anything malformed; both name `where`.
Result<std::vector<PickledTensor>> ReadStateDictPickle(std::span<const std::byte> pickle, const std::string& where);

}  // namespace textembed::engine
