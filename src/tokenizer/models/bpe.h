// Byte-Pair Encoding as Hugging Face tokenizers runs it: start from one symbol
// per char, then repeatedly apply the lowest-rank merge (leftmost on ties)
// using a linked list of symbols and a heap of candidate merges, so a long
// piece costs O(n log n) rather than a rescan per merge.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/models/vocab_model.h"
#include "tokenizer/models/word_cache.h"

namespace textembed::tokenizer::models {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class BpeModel final : public VocabModel {
 public:
  static Result<std::unique_ptr<Model>> FromJson(const nlohmann::json& node);

  Status Tokenize(std::string_view piece, std::vector<Token>* out) const override;

 private:
  struct MergeTarget {
    uint32_t rank;
    int32_t new_id;
  };
  struct PairHash {
    size_t operator()(uint64_t key) const {
      key ^= key >> 31;
      key *= 0x9E3779B97F4A7C15ULL;
      return static_cast<size_t>(key ^ (key >> 29));
    }
  };
  // One token of a finished word: its id and how many bytes of the piece it spans.
  struct Span {
    int32_t id;
    uint32_t length;
  };
  using MergeMap = std::unordered_map<uint64_t, MergeTarget, PairHash>;

  BpeModel(Vocab vocab, MergeMap merges, BpeOptions options);
  static uint64_t PairKey(int32_t left, int32_t right) {
    return uint64_t{static_cast<uint32_t>(left)} << 32 | static_cast<uint32_t>(right);
  }
  const MergeTarget* FindMerge(int32_t left, int32_t right) const {
    auto it = merges_.find(PairKey(left, right));
    return it == merges_.end() ? nullptr : &it->second;
  }
  Status MergeWord(std::string_view piece, std::vector<Span>* spans) const;

  MergeMap merges_;
  BpeOptions options_;
  std::array<int32_t, 256> byte_fallback_ids_;  // see ByteFallbackIds()
  WordCache<std::vector<Span>> cache_;
};

}  // namespace textembed::tokenizer::models
