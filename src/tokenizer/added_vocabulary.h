// Added tokens (tokenizer.json "added_tokens"): matched in the raw input
// (normalized: false) or in each normalized stretch between them
// (normalized: true), leftmost-longest like HF's Aho-Corasick, honouring
// single_word / lstrip / rstrip. Their ids override the model.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenized.h"

namespace textembed::tokenizer {

struct AddedToken {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
  bool operator==(const AddedToken&) const = default;
};

class AddedVocabulary {
 public:
  // `normalizer` may be null; it is only used while building.
  static Result<AddedVocabulary> Build(const nlohmann::json& added_tokens, const Model& model,
                                       const Normalizer* normalizer);

  // Splits `input` around added tokens, normalizing the rest, into `pt`.
  Status ExtractAndNormalize(std::string_view input, const Normalizer* normalizer,
                             PreTokenized* pt) const;

  std::optional<int32_t> TokenToId(std::string_view token) const;
  std::optional<std::string> IdToToken(int32_t id) const;
  // Whether `token` is the content of a special added token (what HF's decode
  // skips with skip_special_tokens, whichever id it came from).
  bool IsSpecial(std::string_view token) const;
  // Added contents that the model vocabulary does not already hold.
  size_t new_token_count() const { return new_token_count_; }

 private:
  // A byte trie searched leftmost-longest.
  struct Matcher {
    struct Node {
      std::vector<std::pair<uint8_t, int32_t>> children;
      int32_t pattern = -1;  // first pattern ending here
    };
    std::vector<Node> nodes{Node{}};
    std::array<bool, 256> first_byte{};
    std::vector<int32_t> ids;  // pattern → token id
    void Add(std::string_view pattern, int32_t id);
    // The child of `node` along `byte`, or -1.
    int32_t Child(int32_t node, uint8_t byte) const {
      for (const auto& [label, child] : nodes[node].children)
        if (label == byte) return child;
      return -1;
    }
    bool empty() const { return ids.empty(); }
  };
  struct Found {
    uint32_t begin, end;
    int32_t id;
  };

  void FindMatches(std::string_view text, const Matcher& m, std::vector<Found>* out) const;

  std::unordered_map<std::string, int32_t> token_to_id_;
  std::unordered_map<int32_t, AddedToken> id_to_token_;
  std::unordered_set<std::string> special_contents_;
  Matcher raw_;
  Matcher normalized_;
  size_t new_token_count_ = 0;
};

}  // namespace textembed::tokenizer
