// LoadEncoder: picks the weight file of a model folder and the architecture.
#include <system_error>

#include "engine/bert_encoder.h"
#include "engine/encoder.h"
#include "engine/safetensors.h"

#include "engine/owned_weights.h"

namespace textembed::engine {

Result<std::unique_ptr<Encoder>> LoadEncoder(const std::filesystem::path& model_dir, const EngineOptions& options) {
  TEXTEMBED_ASSIGN_OR_RETURN(EncoderConfig config, EncoderConfig::FromJsonFile(model_dir / "config.json"));
  if (config.model_type != "bert") {
    return Status::Unimplemented((model_dir / "config.json").string() + ": model_type '" + config.model_type +
                                 "' is not supported (supported: bert)");
  }
  if (config.hidden_act != "gelu") {
    return Status::Unimplemented((model_dir / "config.json").string() + ": hidden_act '" + config.hidden_act +
                                 "' is not supported (supported: gelu)");
  }
  std::error_code ec;
  const auto safetensors = model_dir / "model.safetensors";
  const auto onnx = model_dir / "onnx" / "model.onnx";
  std::unique_ptr<WeightSource> weights;
  if (std::filesystem::exists(safetensors, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, SafetensorsWeights::Open(safetensors));
  } else if (std::filesystem::exists(onnx, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(weights, OwnedWeights::FromOnnx(onnx));
  } else {
    return Status::NotFound(model_dir.string() + ": no model.safetensors or onnx/model.onnx");
  }
  return CreateBertEncoder(config, std::move(weights), options);
}

}  // namespace textembed::engine
