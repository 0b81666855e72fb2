// The one path every entry point uses: text → tokenizer → batcher → engine →
// pooling → (dense) → normalize → caller.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/status.h"
#include "textembed/tokenizer.h"

namespace textembed {

struct EmbedderOptions {
  int threads = 0;             // 0: all cores
  // Token budget of one packed forward batch; 0: 512 per thread, which keeps
  // each thread's activations in its L2 cache (measured: docs/ARCHITECTURE.md).
  size_t batch_tokens = 0;
  // Tokens per text, special tokens included. nullopt: the model's
  // max_seq_length (sentence_bert_config.json), capped by its position table.
  std::optional<size_t> max_length;
  // Number type of the encoder's linear layers, converted once at load:
  // "f32", "bf16" or "int8" (docs/quantization.md: speed and accuracy of each).
  std::string dtype = "f32";
};

// How the model folder turns token states into one vector (modules.json).
struct ModelInfo {
  std::string name;          // folder name
  std::string architecture;  // config.json model_type
  std::string weights_file;  // path of the model.safetensors or onnx/model.onnx read
  size_t hidden_size = 0;
  size_t dimension = 0;      // output size (after Dense modules)
  size_t max_length = 0;     // effective tokens per text
  std::string pooling;       // mean, cls, max, lasttoken, weightedmean, mean_sqrt_len
  bool normalize = false;
  size_t num_dense = 0;
  // Where pooling/Dense/Normalize came from, one line for --verbose/info:
  // "modules.json: ..." or "no modules.json: sentence-transformers defaults (...)".
  std::string modules;
};

// n × dimension, row-major.
struct Embeddings {
  size_t rows = 0;
  size_t dimension = 0;
  std::vector<float> values;
  std::span<const float> row(size_t i) const { return {values.data() + i * dimension, dimension}; }
};

// One tokenized sequence (special tokens included) for Embedder::ForwardPacked.
struct TokenSequence {
  std::span<const int32_t> ids;
  std::span<const int32_t> type_ids;  // empty: all zero
  // true: the sequence's last hidden states (tokens × hidden_size) instead of
  // its pooled vector (TEI's /embed_all).
  bool token_states = false;
};

struct EmbedStats {
  size_t texts = 0;
  size_t tokens = 0;   // after truncation, special tokens included
  size_t batches = 0;  // forward passes run
  size_t truncated = 0;
};

class Embedder {
 public:
  // Opens a Hugging Face sentence-transformers folder (config.json,
  // tokenizer.json, model.safetensors or onnx/model.onnx, modules.json,
  // 1_Pooling, Dense, Normalize). Errors name the file and what is wrong.
  static Result<Embedder> Open(const std::filesystem::path& model_dir, const EmbedderOptions& options = {});

  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;
  ~Embedder();

  const ModelInfo& info() const;
  // The options in effect (defaults resolved: threads, batch_tokens).
  const EmbedderOptions& options() const;
  size_t dimension() const { return info().dimension; }
  const Tokenizer& tokenizer() const;

  // Embeds `texts` (any UTF-8; invalid bytes read as U+FFFD). Row i belongs to
  // texts[i] whatever the batching. Thread-safe.
  Result<Embeddings> Embed(std::span<const std::string_view> texts, EmbedStats* stats = nullptr) const;
  Result<Embeddings> Embed(std::span<const std::string> texts, EmbedStats* stats = nullptr) const;

  // The service's building block: ONE packed forward pass over `sequences`
  // (the caller plans the batch), whatever options().batch_tokens says.
  // (*outputs)[i] gets sequence i's pooled (+Dense) vector WITHOUT the
  // Normalize module (callers normalize per request), or its token states.
  // Ids must be below the vocabulary size. Thread-safe.
  Status ForwardPacked(std::span<const TokenSequence> sequences, std::vector<std::vector<float>>* outputs) const;

 private:
  struct Impl;
  explicit Embedder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace textembed
