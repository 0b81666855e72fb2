// Weights of a BERT-family encoder read from an ONNX export (onnx/model.onnx
// in a Hugging Face folder), for folders that ship no model.safetensors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine {

struct OwnedTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major
};

// The weights of a BERT-family ONNX export under Hugging Face names in PyTorch
// layout ("embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"
// as [out, in], biases, LayerNorm weight/bias), converted to f32.
//
// Exporters fold nn.Linear weights into anonymous, transposed initializers
// ("onnx::MatMul_292", [in, out]); those are named after the bias their
// MatMul's output is added to (or a Gemm's C input) and transposed back.
// Weights the export names directly keep their name (a base-model prefix
// such as "bert." is dropped, as in safetensors loading). FLOAT16/BFLOAT16/DOUBLE are converted;
// external data files beside the model are read. A malformed or truncated
// file is Corruption naming the file.
Result<std::unordered_map<std::string, OwnedTensor>> LoadOnnxBertWeights(
    const std::filesystem::path& onnx_path);

}  // namespace textembed::engine
