#include "engine/onnx_protobuf.h"

namespace textembed::engine::onnx {

Result<uint64_t> ReadVarint(std::span<const uint8_t>* bytes) {
  uint64_t value = 0;
  // A uint64 needs at most 10 groups of 7 bits; the 10th may only hold 1 bit.
  for (size_t i = 0; i < 10; ++i) {
    if (i >= bytes->size()) return Status::Corruption("truncated varint");
    const uint8_t byte = (*bytes)[i];
    if (i == 9 && byte > 1) return Status::Corruption("varint overflows 64 bits");
    value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      *bytes = bytes->subspan(i + 1);
      return value;
    }
  }
  return Status::Corruption("varint longer than 10 bytes");
}

namespace {

uint64_t LoadLittleEndian(std::span<const uint8_t> bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size(); ++i) value |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return value;
}

}  // namespace

Result<bool> ProtoReader::Next(ProtoField* field) {
  if (rest_.empty()) return false;
  TEXTEMBED_ASSIGN_OR_RETURN(const uint64_t tag, ReadVarint(&rest_));
  const uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1FFFFFFF) {
    return Status::Corruption("invalid protobuf field number " + std::to_string(number));
  }
  field->number = static_cast<uint32_t>(number);
  field->scalar = 0;
  field->bytes = {};
  switch (tag & 7) {
    case 0: {
      field->type = WireType::kVarint;
      TEXTEMBED_ASSIGN_OR_RETURN(field->scalar, ReadVarint(&rest_));
      return true;
    }
    case 1:
      field->type = WireType::kFixed64;
      if (rest_.size() < 8) return Status::Corruption("truncated fixed64 field");
      field->scalar = LoadLittleEndian(rest_.first(8));
      rest_ = rest_.subspan(8);
      return true;
    case 5:
      field->type = WireType::kFixed32;
      if (rest_.size() < 4) return Status::Corruption("truncated fixed32 field");
      field->scalar = LoadLittleEndian(rest_.first(4));
      rest_ = rest_.subspan(4);
      return true;
    case 2: {
      field->type = WireType::kLengthDelimited;
      TEXTEMBED_ASSIGN_OR_RETURN(const uint64_t length, ReadVarint(&rest_));
      if (length > rest_.size()) {
        return Status::Corruption("field " + std::to_string(number) + " claims " +
                                  std::to_string(length) + " bytes but only " +
                                  std::to_string(rest_.size()) + " are left");
      }
      field->bytes = rest_.first(static_cast<size_t>(length));
      rest_ = rest_.subspan(static_cast<size_t>(length));
      return true;
    }
    default:
      // Groups (3, 4) are deprecated and never written by ONNX tools; 6 and 7 do not exist.
      return Status::Corruption("unsupported protobuf wire type " + std::to_string(tag & 7) +
                                " in field " + std::to_string(number));
  }
}

Status AppendVarints(const ProtoField& field, std::vector<int64_t>* out) {
  if (field.type == WireType::kVarint) {
    out->push_back(static_cast<int64_t>(field.scalar));
    return Status::Ok();
  }
  if (field.type != WireType::kLengthDelimited) {
    return Status::Corruption("field " + std::to_string(field.number) + " should hold varints");
  }
  std::span<const uint8_t> rest = field.bytes;
  while (!rest.empty()) {
    TEXTEMBED_ASSIGN_OR_RETURN(const uint64_t value, ReadVarint(&rest));
    out->push_back(static_cast<int64_t>(value));
  }
  return Status::Ok();
}

namespace {

template <typename T, WireType kSingle>
Status AppendFixed(const ProtoField& field, std::vector<T>* out) {
  if (field.type == kSingle) {
    out->push_back(static_cast<T>(field.scalar));
    return Status::Ok();
  }
  if (field.type != WireType::kLengthDelimited || field.bytes.size() % sizeof(T) != 0) {
    return Status::Corruption("field " + std::to_string(field.number) + " should hold " +
                              std::to_string(sizeof(T)) + "-byte values");
  }
  const size_t count = field.bytes.size() / sizeof(T);
  out->reserve(out->size() + count);
  for (size_t i = 0; i < count; ++i) {
    out->push_back(static_cast<T>(LoadLittleEndian(field.bytes.subspan(i * sizeof(T), sizeof(T)))));
  }
  return Status::Ok();
}

}  // namespace

Status AppendFixed32(const ProtoField& field, std::vector<uint32_t>* out) {
  return AppendFixed<uint32_t, WireType::kFixed32>(field, out);
}

Status AppendFixed64(const ProtoField& field, std::vector<uint64_t>* out) {
  return AppendFixed<uint64_t, WireType::kFixed64>(field, out);
}

}  // namespace textembed::engine::onnx
