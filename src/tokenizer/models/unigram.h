// Unigram language-model tokenization (SentencePiece / T5): the Viterbi best
// segmentation over all vocabulary pieces matching the piece, with unknown
// chars scored min_score - 10 and consecutive unknowns fused, exactly as
// Hugging Face tokenizers' optimized encoder does.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/model.h"
#include "tokenizer/models/byte_trie.h"
#include "tokenizer/models/vocab.h"
#include "tokenizer/models/word_cache.h"

namespace textembed::tokenizer::models {

class UnigramModel final : public Model {
 public:
  static Result<std::unique_ptr<Model>> FromJson(const nlohmann::json& node);

  Status Tokenize(std::string_view piece, std::vector<Token>* out) const override;
  std::optional<int32_t> TokenToId(std::string_view token) const override;
  std::optional<std::string_view> IdToToken(int32_t id) const override;
  size_t vocab_size() const override { return pieces_.size(); }

 private:
  // Hugging Face's kUnkPenalty: an unknown char costs this much below the
  // rarest vocabulary piece.
  static constexpr double kUnknownPenalty = 10.0;

  UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<int32_t> unk_id,
               bool byte_fallback);
  // Splits `piece` into the best-path substrings, each as [begin, end), with
  // runs of unknown chars fused into one.
  Status BestPath(std::string_view piece, std::vector<std::pair<uint32_t, uint32_t>>* ranges) const;

  std::vector<std::pair<std::string, double>> pieces_;  // index = id
  TokenIdMap token_to_id_;
  std::optional<int32_t> unk_id_;
  bool byte_fallback_;
  double min_score_;
  ByteTrie trie_;
  std::array<int32_t, 256> byte_fallback_ids_;  // see ByteFallbackIds()
  // Best paths of recent pieces: natural text repeats words a lot.
  WordCache<std::vector<std::pair<uint32_t, uint32_t>>> cache_;
};

}  // namespace textembed::tokenizer::models
