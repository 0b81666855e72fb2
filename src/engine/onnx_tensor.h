// Converts an ONNX TensorProto of a float type to f32 values.
#pragma once

#include <filesystem>
#include <vector>

#include "engine/onnx_model.h"
#include "textembed/status.h"

namespace textembed::engine::onnx {

bool IsFloatType(int32_t data_type);

// The f32 values of a tensor of a float type (FLOAT, FLOAT16, BFLOAT16, DOUBLE),
// from raw_data, the typed fields, or an external data file beside the model
// (`model_dir`; locations that leave that folder are refused). Other types are
// Unimplemented. The number of values is checked against dims.
Result<std::vector<float>> TensorToFloat32(const TensorRecord& tensor,
                                           const std::filesystem::path& model_dir);

// IEEE half and bfloat16 bit patterns to float (exact: every value is representable).
float HalfToFloat(uint16_t bits);
float Bfloat16ToFloat(uint16_t bits);

}  // namespace textembed::engine::onnx
