// The model stage of the tokenizer pipeline (WordPiece, BPE, Unigram,
// WordLevel): turns one pre-tokenized, normalized piece into tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"

namespace textembed::tokenizer {

struct Token {
  int32_t id;
  std::string value;
  // Byte range [begin, end) within the piece given to Tokenize(). As in
  // Hugging Face, a BPE offset can fall inside a char: byte-fallback tokens
  // span one byte each, and chars dropped for want of an unk token are not
  // counted. Map offsets through per-byte alignments, as HF does.
  uint32_t begin;
  uint32_t end;
};

class Model {
 public:
  virtual ~Model() = default;

  // Appends the tokens of `piece` (valid UTF-8, already normalized and
  // pre-tokenized) to `out`. Offsets are relative to `piece`.
  virtual Status Tokenize(std::string_view piece, std::vector<Token>* out) const = 0;

  virtual std::optional<int32_t> TokenToId(std::string_view token) const = 0;
  virtual std::optional<std::string_view> IdToToken(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
};

// Builds the model from the "model" node of tokenizer.json. The node may lack
// "type" (older files): then it is inferred (merges → BPE, list vocab with
// unk_id → Unigram, otherwise WordPiece if continuing_subword_prefix/
// max_input_chars_per_word present, else WordLevel).
Result<std::unique_ptr<Model>> MakeModel(const nlohmann::json& node);

}  // namespace textembed::tokenizer
