// The parts of an ONNX ModelProto a weight loader needs: the main graph's
// initializers (and Constant-node tensors) and its nodes' wiring. Field numbers
// follow onnx/onnx.proto; everything else in the file is skipped.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine::onnx {

// TensorProto.DataType values the loader converts to f32.
enum DataType : int32_t {
  kFloat = 1,
  kFloat16 = 10,
  kDouble = 11,
  kBfloat16 = 16,
};

// One TensorProto. Payload spans point into the parsed file's bytes, which must
// outlive this object; typed repeated fields are copied (they are rare and small).
struct TensorRecord {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = 0;
  std::span<const uint8_t> raw_data;
  std::vector<uint32_t> float_data;   // IEEE bits of float_data
  std::vector<int64_t> int32_data;    // also carries FLOAT16/BFLOAT16 bit patterns
  std::vector<uint64_t> double_data;  // IEEE bits of double_data
  bool external = false;              // data_location == EXTERNAL
  std::vector<std::pair<std::string, std::string>> external_data;  // location, offset, length
};

struct NodeRecord {
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::pair<std::string, int64_t>> int_attributes;  // e.g. Gemm transB
  std::vector<TensorRecord> tensor_attributes;  // Constant's "value", named after its output

  int64_t IntAttribute(std::string_view name, int64_t fallback) const;
};

struct GraphRecord {
  std::vector<TensorRecord> initializers;
  std::vector<NodeRecord> nodes;
};

// Parses a serialized ModelProto. Errors are Corruption without a file name;
// the caller adds it.
Result<GraphRecord> ParseModel(std::span<const uint8_t> model_bytes);

}  // namespace textembed::engine::onnx
