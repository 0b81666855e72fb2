// LoadEncoder: picks the weight file of a model folder and the architecture.
#include <system_error>

#include "engine/encoder.h"
#include "engine/owned_weights.h"
#include "engine/pytorch_bin.h"
#include "engine/safetensors.h"
#include "engine/transformer_encoder.h"

namespace textembed::engine {

Result<std::unique_ptr<Encoder>> LoadEncoder(const std::filesystem::path& model_dir, const EngineOptions& options) {
  TEXTEMBED_ASSIGN_OR_RETURN(EncoderConfig config, EncoderConfig::FromJsonFile(model_dir / "config.json"));
  if (config.hidden_act != "gelu") {
    return Status::Unimplemented((model_dir / "config.json").string() + ": hidden_act '" + config.hidden_act +
                                 "' is not supported (supported: gelu)");
  }
  std::error_code ec;
  const auto safetensors = model_dir / "model.safetensors";
  const auto pytorch_bin = model_dir / "pytorch_model.bin";
  const auto onnx = model_dir / "onnx" / "model.onnx";
  std::unique_ptr<WeightSource> weights;
  if (std::filesystem::exists(safetensors, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, SafetensorsWeights::Open(safetensors));
  } else if (std::filesystem::exists(pytorch_bin, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, PytorchBinWeights::Open(pytorch_bin));
  } else if (std::filesystem::exists(onnx, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, OwnedWeights::FromOnnx(onnx));
  } else {
    return Status::NotFound(model_dir.string() + ": no model.safetensors, pytorch_model.bin or onnx/model.onnx");
  }
  return CreateTransformerEncoder(config, std::move(weights), options);
}

}  // namespace textembed::engine
