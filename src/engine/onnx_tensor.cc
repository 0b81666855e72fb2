#include "engine/onnx_tensor.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/mapped_file.h"

namespace textembed::engine::onnx {

namespace {

size_t ElementSize(int32_t data_type) {
  switch (data_type) {
    case kFloat: return 4;
    case kFloat16:
    case kBfloat16: return 2;
    case kDouble: return 8;
    default: return 0;
  }
}

Result<size_t> ElementCount(const TensorRecord& tensor) {
  size_t count = 1;
  for (const int64_t dim : tensor.dims) {
    if (dim < 0) return Status::Corruption("negative dimension " + std::to_string(dim));
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count) ||
        count > std::numeric_limits<size_t>::max() / 8) {
      return Status::Corruption("dimensions overflow");
    }
  }
  return count;
}

uint64_t LoadLittleEndian(const uint8_t* bytes, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) value |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return value;
}

float ElementToFloat(int32_t data_type, uint64_t bits) {
  switch (data_type) {
    case kFloat: return std::bit_cast<float>(static_cast<uint32_t>(bits));
    case kFloat16: return HalfToFloat(static_cast<uint16_t>(bits));
    case kBfloat16: return Bfloat16ToFloat(static_cast<uint16_t>(bits));
    case kDouble: return static_cast<float>(std::bit_cast<double>(bits));
    default: return 0.0f;
  }
}

std::vector<float> DecodeLittleEndian(int32_t data_type, std::span<const uint8_t> bytes) {
  const size_t element_size = ElementSize(data_type);
  std::vector<float> values(bytes.size() / element_size);
  if (data_type == kFloat && std::endian::native == std::endian::little) {
    std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
    return values;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = ElementToFloat(data_type, LoadLittleEndian(bytes.data() + i * element_size, element_size));
  }
  return values;
}

Result<uint64_t> ParseSize(const std::string& text, const char* key) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Corruption(std::string("external_data ") + key + " is not a number: '" + text + "'");
  }
  return std::stoull(text);
}

Result<std::vector<float>> ReadExternal(const TensorRecord& tensor, size_t count,
                                        const std::filesystem::path& model_dir) {
  std::string location;
  uint64_t offset = 0;
  bool has_length = false;
  uint64_t length = 0;
  for (const auto& [key, value] : tensor.external_data) {
    if (key == "location") {
      location = value;
    } else if (key == "offset") {
      TEXTEMBED_ASSIGN_OR_RETURN(offset, ParseSize(value, "offset"));
    } else if (key == "length") {
      TEXTEMBED_ASSIGN_OR_RETURN(length, ParseSize(value, "length"));
      has_length = true;
    }
  }
  const std::filesystem::path relative(location);
  if (location.empty() || relative.is_absolute()) {
    return Status::Corruption("external data location '" + location + "' is not a relative path");
  }
  for (const auto& part : relative) {
    // A model file must not make us read files outside its folder.
    if (part == "..") return Status::Corruption("external data location '" + location + "' leaves the model folder");
  }
  const size_t bytes_needed = count * ElementSize(tensor.data_type);
  if (has_length && length != bytes_needed) {
    return Status::Corruption("external data length " + std::to_string(length) + " != " +
                              std::to_string(bytes_needed) + " bytes the dims need");
  }
  const std::filesystem::path data_path = model_dir / relative;
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(data_path));
  if (offset > file.size() || bytes_needed > file.size() - offset) {
    return Status::Corruption(data_path.string() + ": external data [" + std::to_string(offset) +
                              ", +" + std::to_string(bytes_needed) + ") lies past its end");
  }
  const auto* begin = reinterpret_cast<const uint8_t*>(file.data()) + offset;
  return DecodeLittleEndian(tensor.data_type, {begin, bytes_needed});
}

}  // namespace

bool IsFloatType(int32_t data_type) { return ElementSize(data_type) != 0; }

float HalfToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) {  // inf / nan
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  }
  if (exponent == 0) {  // zero / subnormal: mantissa * 2^-24, exact in f32
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

float Bfloat16ToFloat(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

Result<std::vector<float>> TensorToFloat32(const TensorRecord& tensor,
                                           const std::filesystem::path& model_dir) {
  const auto where = [&](const std::string& what) { return "tensor '" + tensor.name + "': " + what; };
  if (!IsFloatType(tensor.data_type)) {
    return Status::Unimplemented(where("data type " + std::to_string(tensor.data_type) + " is not a float type"));
  }
  auto count_or = ElementCount(tensor);
  if (!count_or.ok()) return count_or.status().WithContext("tensor '" + tensor.name + "'");
  const size_t count = *count_or;

  if (tensor.external) {
    auto values = ReadExternal(tensor, count, model_dir);
    if (!values.ok()) return values.status().WithContext("tensor '" + tensor.name + "'");
    return values;
  }
  const auto mismatch = [&](size_t got) {
    return Status::Corruption(where("holds " + std::to_string(got) + " values but its dims need " +
                                    std::to_string(count)));
  };
  const size_t element_size = ElementSize(tensor.data_type);
  if (!tensor.raw_data.empty() || count == 0) {
    if (tensor.raw_data.size() != count * element_size) return mismatch(tensor.raw_data.size() / element_size);
    return DecodeLittleEndian(tensor.data_type, tensor.raw_data);
  }
  std::vector<float> values;
  values.reserve(count);
  switch (tensor.data_type) {
    case kFloat:
      if (tensor.float_data.size() != count) return mismatch(tensor.float_data.size());
      for (const uint32_t bits : tensor.float_data) values.push_back(std::bit_cast<float>(bits));
      break;
    case kDouble:
      if (tensor.double_data.size() != count) return mismatch(tensor.double_data.size());
      for (const uint64_t bits : tensor.double_data) values.push_back(ElementToFloat(kDouble, bits));
      break;
    default:  // FLOAT16 / BFLOAT16 bit patterns travel in int32_data
      if (tensor.int32_data.size() != count) return mismatch(tensor.int32_data.size());
      for (const int64_t bits : tensor.int32_data) {
        values.push_back(ElementToFloat(tensor.data_type, static_cast<uint64_t>(bits) & 0xFFFF));
      }
      break;
  }
  return values;
}

}  // namespace textembed::engine::onnx
