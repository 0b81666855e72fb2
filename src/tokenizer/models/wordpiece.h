// WordPiece (BERT): greedy longest-match-first, continuation pieces carry a
// prefix ("##"); any position that matches nothing turns the whole piece into
// the unknown token, exactly as Hugging Face tokenizers does.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/model.h"
#include "tokenizer/models/byte_trie.h"
#include "tokenizer/models/vocab.h"

namespace textembed::tokenizer::models {

class WordPieceModel final : public Model {
 public:
  static Result<std::unique_ptr<Model>> FromJson(const nlohmann::json& node);

  Status Tokenize(std::string_view piece, std::vector<Token>* out) const override;
  std::optional<int32_t> TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  std::optional<std::string_view> IdToToken(int32_t id) const override { return vocab_.TokenOf(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  WordPieceModel(Vocab vocab, std::string unk_token, std::string prefix, uint64_t max_chars);
  Status AppendUnknown(size_t piece_bytes, std::vector<Token>* out) const;

  Vocab vocab_;
  std::string unk_token_;
  std::string continuing_subword_prefix_;
  uint64_t max_input_chars_per_word_;
  ByteTrie trie_;
  // Where continuation matches start: the node after the prefix (kNoNode when
  // no vocabulary entry starts with the prefix).
  uint32_t continuation_root_;
};

}  // namespace textembed::tokenizer::models
