// The central directory of a zip archive whose members are stored uncompressed,
// as torch.save writes them (pytorch_model.bin): member name → byte range. Only
// what such files use is read (zip64 records included); every offset and size
// is checked against the archive before use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine {

struct ZipMember {
  std::string name;
  uint64_t data_offset = 0;  // into the archive; [data_offset, data_offset + size) is inside it
  uint64_t size = 0;
  bool stored = true;  // false: compressed (reading it is an error the caller reports)
};

// Lists the members of `archive`. `where` names it in errors (Corruption for
// anything malformed or out of bounds).
Result<std::vector<ZipMember>> ListZipMembers(std::span<const std::byte> archive, const std::string& where);

// True when `bytes` start like a zip archive (a local file header).
bool LooksLikeZip(std::span<const std::byte> bytes);

}  // namespace textembed::engine
