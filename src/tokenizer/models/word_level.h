// WordLevel: the whole piece is one vocabulary entry, or the unknown token.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/model.h"
#include "tokenizer/models/vocab.h"

namespace textembed::tokenizer::models {

class WordLevelModel final : public Model {
 public:
  static Result<std::unique_ptr<Model>> FromJson(const nlohmann::json& node);

  Status Tokenize(std::string_view piece, std::vector<Token>* out) const override;
  std::optional<int32_t> TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  std::optional<std::string_view> IdToToken(int32_t id) const override { return vocab_.TokenOf(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  WordLevelModel(Vocab vocab, std::string unk_token)
      : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)) {}

  Vocab vocab_;
  std::string unk_token_;
};

}  // namespace textembed::tokenizer::models
