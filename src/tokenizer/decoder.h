// The decoder stage: turns the tokens of an id sequence back into text, as
// HF tokenizers' `decode` does with the tokenizer.json "decoder".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"

namespace textembed::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // HF decode_chain: rewrites the token list (a decoder may merge tokens).
  // The final text is the concatenation of what remains.
  virtual Status DecodeChain(std::vector<std::string>* tokens) const = 0;
};

// Builds from the "decoder" node; null gives nullptr (tokens are then joined
// with spaces, as HF does without a decoder).
Result<std::unique_ptr<Decoder>> MakeDecoder(const nlohmann::json& node);

// One factory per family (decoders/*.cc); nullptr value when `type` is not theirs.
Result<std::unique_ptr<Decoder>> MakeTextDecoder(const nlohmann::json& node);
Result<std::unique_ptr<Decoder>> MakeByteDecoder(const nlohmann::json& node);

// WordPiece's cleanup (also used by CTC): removes the spaces a tokenizer put
// before punctuation and English contractions.
std::string CleanupWordPieceArtifacts(std::string text);

// Replaces every occurrence of `from` in `text` by `to` (Rust str::replace).
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to);

}  // namespace textembed::tokenizer
