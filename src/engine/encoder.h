// The engine's contract with the pipeline: a transformer encoder that maps a
// packed batch of token ids to last hidden states. One forward pass serves
// every supported architecture (bert, roberta/xlm-roberta, mpnet); what differs
// between them is configuration below. The pipeline never sees weights or kernels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "textembed/status.h"

namespace textembed::engine {

// How position ids are numbered (Hugging Face's position_ids).
enum class PositionIds {
  kFromZero,      // BERT: 0, 1, 2, ... in each sequence
  kAfterPadding,  // RoBERTa, XLM-R, MPNet: padding_idx + 1 + (non-pad tokens before);
                  // a token equal to padding_idx gets padding_idx
};

// Tensor names of a layer's attention block.
enum class AttentionNames {
  kBert,   // attention.self.{query,key,value}, attention.output.{dense,LayerNorm}
  kMpnet,  // attention.attn.{q,k,v,o}, attention.LayerNorm
};

// Hyper-parameters from a Hugging Face config.json, and what its model_type
// implies. FromJsonFile refuses (Unimplemented, naming model_type) an
// architecture the engine cannot run.
struct EncoderConfig {
  std::string model_type;        // "bert", "roberta", "xlm-roberta", "mpnet"
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

  // Set from model_type:
  PositionIds position_ids = PositionIds::kFromZero;
  int padding_idx = 0;                   // for kAfterPadding
  bool token_type_embeddings = true;     // MPNet has none
  AttentionNames attention_names = AttentionNames::kBert;
  int relative_attention_buckets = 0;    // > 0: MPNet's bucketed relative position bias
  int relative_attention_max_distance = 0;
  int relative_attention_table_rows = 0; // config relative_attention_num_buckets

  // Tokens one sequence may have (special tokens included): the position
  // table's size less the padding offset.
  int max_sequence_length() const {
    return position_ids == PositionIds::kAfterPadding ? max_position_embeddings - padding_idx - 1
                                                      : max_position_embeddings;
  }

  static Result<EncoderConfig> FromJsonFile(const std::filesystem::path& config_json);
};

// Several sequences concatenated without padding. Sequence i occupies tokens
// [seq_offsets[i], seq_offsets[i+1]); every per-token op runs over all tokens
// at once, only attention looks at the boundaries.
struct PackedBatch {
  std::span<const int32_t> ids;
  std::span<const int32_t> type_ids;     // empty: all zero; ignored by models without token types
  std::span<const int32_t> seq_offsets;  // size = number of sequences + 1, starts at 0
  size_t num_sequences() const { return seq_offsets.empty() ? 0 : seq_offsets.size() - 1; }
  size_t num_tokens() const { return ids.size(); }
};

struct EngineOptions {
  int threads = 0;  // 0: all cores
  // Use the plain C++ kernels even where AVX-512 ones exist (tests, debugging).
  bool portable_kernels = false;
  // Number type of the linear layers' weights, converted once at load:
  // "f32", "bf16" or "int8" (LayerNorm, softmax, GELU, attention and pooling
  // stay f32); see engine/quant_policy.h for per-layer overrides and
  // docs/quantization.md for what each costs and gains.
  std::string dtype = "f32";
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  virtual const EncoderConfig& config() const = 0;
  // The file the weights were read from (model.safetensors, pytorch_model.bin or onnx/model.onnx).
  virtual const std::string& weights_file() const = 0;

  // Writes the last hidden states, num_tokens × hidden_size row-major, to
  // `hidden` (resized). Thread-safe: concurrent calls on one Encoder are
  // allowed (each call uses its own scratch memory).
  virtual Status Forward(const PackedBatch& batch, std::vector<float>* hidden) const = 0;
};

// Loads the encoder of a Hugging Face model folder: config.json plus, the
// first that exists, model.safetensors, pytorch_model.bin or onnx/model.onnx
// (its initializers). Errors name the file and what is wrong with it.
Result<std::unique_ptr<Encoder>> LoadEncoder(const std::filesystem::path& model_dir,
                                            const EngineOptions& options = {});

}  // namespace textembed::engine
