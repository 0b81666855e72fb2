// libFuzzer target: arbitrary bytes into the pytorch_model.bin reader
// (stored-zip directory, restricted unpickler, tensor views). The first byte
// picks what the rest is:
//   even: a whole file, as PytorchBinWeights::FromBytes reads it;
//   odd:  a data.pkl, wrapped here into a valid torch.save-style archive with
//         one 4 KiB storage "archive/data/0", so mutations reach the pickle
//         and tensor-view checks past the zip layer.
// Any status is fine; a crash, sanitizer report, leak or timeout is a bug.
// Invariant checked: every tensor served has as many values as its shape says.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/pytorch_bin.h"

namespace {

void Put(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += char((value >> (8 * i)) & 0xff);
}

// A zip of stored members (no CRC check in the reader, so CRC 0).
std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out, directory;
  for (const auto& [name, data] : members) {
    const uint64_t local = out.size();
    Put(out, 0x04034b50, 4);
    Put(out, 20, 2), Put(out, 0, 2), Put(out, 0, 2), Put(out, 0, 4), Put(out, 0, 4);
    Put(out, data.size(), 4), Put(out, data.size(), 4), Put(out, name.size(), 2), Put(out, 0, 2);
    out += name;
    out += data;
    Put(directory, 0x02014b50, 4);
    Put(directory, 20, 2), Put(directory, 20, 2), Put(directory, 0, 2), Put(directory, 0, 2);
    Put(directory, 0, 4), Put(directory, 0, 4);
    Put(directory, data.size(), 4), Put(directory, data.size(), 4), Put(directory, name.size(), 2);
    Put(directory, 0, 2), Put(directory, 0, 2), Put(directory, 0, 2), Put(directory, 0, 2), Put(directory, 0, 4);
    Put(directory, local, 4);
    directory += name;
  }
  const uint64_t offset = out.size();
  out += directory;
  Put(out, 0x06054b50, 4);
  Put(out, 0, 2), Put(out, 0, 2), Put(out, members.size(), 2), Put(out, members.size(), 2);
  Put(out, directory.size(), 4), Put(out, offset, 4), Put(out, 0, 2);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto* rest = reinterpret_cast<const std::byte*>(data + 1);
  std::string wrapped;
  std::span<const std::byte> input(rest, size - 1);
  if (data[0] & 1) {
    wrapped = StoredZip({{"archive/data.pkl", std::string(reinterpret_cast<const char*>(rest), size - 1)},
                         {"archive/data/0", std::string(4096, '\x3c')},
                         {"archive/version", "3\n"}});
    input = {reinterpret_cast<const std::byte*>(wrapped.data()), wrapped.size()};
  }
  auto weights = textembed::engine::PytorchBinWeights::FromBytes(input, "fuzz");
  if (!weights.ok()) return 0;
  // Names are not enumerable through WeightSource; probe a few common ones.
  for (const char* name : {"x", "a", "weight", "linear.weight"}) {
    auto tensor = (*weights)->Find(name);
    if (tensor.ok() && tensor->num_elements() > 0 && tensor->data == nullptr) {
      std::fprintf(stderr, "tensor %s: %lld elements but no data\n", name, (long long)tensor->num_elements());
      std::abort();
    }
  }
  return 0;
}
