// A bounds-checked reader of the protobuf wire format, just enough to walk an
// ONNX file without libprotobuf (a heavy dependency with version coupling to
// the generated onnx.pb.h). Every length is checked against the bytes that are
// left, so a truncated or hostile file yields a Status, never a read past the end.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine::onnx {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kFixed32 = 5,
};

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t scalar = 0;                // varint, fixed32 or fixed64 value
  std::span<const uint8_t> bytes;     // payload of a length-delimited field

  std::string_view text() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
};

class ProtoReader {
 public:
  explicit ProtoReader(std::span<const uint8_t> message) : rest_(message) {}

  // Reads the next field into *field. Returns false at the end of the message;
  // a malformed field (bad tag, truncated varint or payload, group wire types)
  // is a Corruption status.
  Result<bool> Next(ProtoField* field);

 private:
  std::span<const uint8_t> rest_;
};

// Reads one base-128 varint from the front of *bytes and advances past it.
Result<uint64_t> ReadVarint(std::span<const uint8_t>* bytes);

// Repeated scalar fields arrive either packed (one length-delimited field) or
// one field per element; these append the element(s) of one field either way.
Status AppendVarints(const ProtoField& field, std::vector<int64_t>* out);
Status AppendFixed32(const ProtoField& field, std::vector<uint32_t>* out);
Status AppendFixed64(const ProtoField& field, std::vector<uint64_t>* out);

}  // namespace textembed::engine::onnx
