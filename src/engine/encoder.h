// The engine's contract with the pipeline: a transformer encoder that maps a
// packed batch of token ids to last hidden states. Architectures (BERT, later
// XLM-R, MPNet, ...) implement it; the pipeline never sees weights or kernels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine {

// Hyper-parameters from a Hugging Face config.json.
struct EncoderConfig {
  std::string model_type;        // "bert", ...
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  std::string hidden_act = "gelu";  // exact erf GELU
  int pad_token_id = 0;

  static Result<EncoderConfig> FromJsonFile(const std::filesystem::path& config_json);
};

// Several sequences concatenated without padding. Sequence i occupies tokens
// [seq_offsets[i], seq_offsets[i+1]); every per-token op runs over all tokens
// at once, only attention looks at the boundaries.
struct PackedBatch {
  std::span<const int32_t> ids;
  std::span<const int32_t> type_ids;     // empty: all zero
  std::span<const int32_t> seq_offsets;  // size = number of sequences + 1, starts at 0
  size_t num_sequences() const { return seq_offsets.empty() ? 0 : seq_offsets.size() - 1; }
  size_t num_tokens() const { return ids.size(); }
};

struct EngineOptions {
  int threads = 0;  // 0: all cores
  // Use the plain C++ kernels even where AVX-512 ones exist (tests, debugging).
  bool portable_kernels = false;
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  virtual const EncoderConfig& config() const = 0;
  // The file the weights were read from (model.safetensors or onnx/model.onnx).
  virtual const std::string& weights_file() const = 0;

  // Writes the last hidden states, num_tokens × hidden_size row-major, to
  // `hidden` (resized). Thread-safe: concurrent calls on one Encoder are
  // allowed (each call uses its own scratch memory).
  virtual Status Forward(const PackedBatch& batch, std::vector<float>* hidden) const = 0;
};

// Loads the encoder of a Hugging Face model folder: config.json plus
// model.safetensors, or (when there is no safetensors file) onnx/model.onnx
// initializers. Errors name the file and what is wrong with it.
Result<std::unique_ptr<Encoder>> LoadEncoder(const std::filesystem::path& model_dir,
                                            const EngineOptions& options = {});

}  // namespace textembed::engine
