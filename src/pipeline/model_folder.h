// What a sentence-transformers folder says about turning token states into a
// sentence vector: modules.json, 1_Pooling/config.json, Dense, Normalize,
// sentence_bert_config.json. Plain Hugging Face folders (no modules.json) get
// sentence-transformers' defaults: mean pooling, no normalization.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "textembed/status.h"

namespace textembed::pipeline {

enum class PoolingMode { kCls, kMax, kMean, kMeanSqrtLen, kWeightedMean, kLastToken };

const char* PoolingModeName(PoolingMode mode);

enum class Activation { kIdentity, kTanh, kReLU, kGelu, kSigmoid };

struct DenseModule {
  std::filesystem::path dir;
  size_t in_features = 0;
  size_t out_features = 0;
  bool bias = true;
  Activation activation = Activation::kIdentity;
};

struct ModelFolder {
  std::filesystem::path root;
  std::filesystem::path transformer_dir;  // config.json, tokenizer.json, weights
  // Several modes concatenate their outputs, in sentence-transformers' order.
  std::vector<PoolingMode> pooling{PoolingMode::kMean};
  std::vector<DenseModule> dense;
  bool normalize = false;
  std::optional<size_t> max_seq_length;
  // False for a plain Hugging Face folder: the modules above are then
  // sentence-transformers' defaults for it (mean pooling, no Normalize).
  bool has_modules_json = false;

  static Result<ModelFolder> Read(const std::filesystem::path& root);

  // One line for logs and `--verbose`: where the module list came from and
  // what it is, e.g. "modules.json: pooling mean, 1 Dense, Normalize" or
  // "no modules.json: sentence-transformers defaults (mean pooling, no Normalize)".
  std::string Describe() const;
};

}  // namespace textembed::pipeline
