// Base of the models whose whole vocabulary is one token -> id map (WordPiece,
// BPE, WordLevel): the lookups of the Model interface are that map's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/model.h"
#include "tokenizer/models/vocab.h"

namespace textembed::tokenizer::models {

class VocabModel : public Model {
 public:
  std::optional<int32_t> TokenToId(std::string_view token) const final { return vocab_.Find(token); }
  std::optional<std::string_view> IdToToken(int32_t id) const final { return vocab_.TokenOf(id); }
  size_t vocab_size() const final { return vocab_.size(); }

 protected:
  explicit VocabModel(Vocab vocab) : vocab_(std::move(vocab)) {}

  // Appends `unk_token` covering the whole piece, for models that give up on a
  // word as a unit (WordLevel, WordPiece). A missing unk token is only an error
  // once a word needs it, as in Hugging Face; `model_name` prefixes the error.
  Status AppendWholeWordUnknown(std::string_view model_name, const std::string& unk_token,
                                size_t piece_bytes, std::vector<Token>* out) const {
    const std::optional<int32_t> unk_id = vocab_.Find(unk_token);
    if (!unk_id) {
      return Status::Corruption(std::string(model_name) + ": unk_token \"" + unk_token +
                                "\" is not in the vocabulary but is needed for an unknown word");
    }
    out->push_back(Token{*unk_id, unk_token, 0, static_cast<uint32_t>(piece_bytes)});
    return Status::Ok();
  }

  Vocab vocab_;
};

}  // namespace textembed::tokenizer::models
