// WordLevel: the whole piece is one vocabulary entry, or the unknown token.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/models/vocab_model.h"

namespace textembed::tokenizer::models {

class WordLevelModel final : public VocabModel {
 public:
  static Result<std::unique_ptr<Model>> FromJson(const nlohmann::json& node);

  Status Tokenize(std::string_view piece, std::vector<Token>* out) const override;

 private:
  WordLevelModel(Vocab vocab, std::string unk_token)
      : VocabModel(std::move(vocab)), unk_token_(std::move(unk_token)) {}

  std::string unk_token_;
};

}  // namespace textembed::tokenizer::models
