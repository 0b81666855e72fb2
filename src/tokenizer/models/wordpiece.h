// WordPiece (BERT): greedy longest-match-first, continuation pieces carry a
// prefix ("##"); any position that matches nothing turns the whole piece into
// the unknown token, exactly as Hugging Face tokenizers does.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/models/byte_trie.h"
#include "tokenizer/models/vocab_model.h"

namespace textembed::tokenizer::models {

class WordPieceModel final : public VocabModel {
 public:
  static Result<std::unique_ptr<Model>> FromJson(const nlohmann::json& node);

  Status Tokenize(std::string_view piece, std::vector<Token>* out) const override;

 private:
  WordPieceModel(Vocab vocab, std::string unk_token, std::string prefix, uint64_t max_chars);

  std::string unk_token_;
  std::string continuing_subword_prefix_;
  uint64_t max_input_chars_per_word_;
  ByteTrie trie_;
  // Where continuation matches start: the node after the prefix (kNoNode when
  // no vocabulary entry starts with the prefix).
  uint32_t continuation_root_;
};

}  // namespace textembed::tokenizer::models
