// Token <-> id tables shared by every model, with lookups by string_view so
// the hot paths never allocate a std::string just to probe the vocabulary.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"

namespace textembed::tokenizer::models {

struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using TokenIdMap = std::unordered_map<std::string, int32_t, TransparentStringHash, std::equal_to<>>;

class Vocab {
 public:
  // Parses a {"token": id, ...} object; `what` names the node in errors.
  static Result<Vocab> FromJsonObject(const nlohmann::json& node, std::string_view what);

  // Later insertions of the same token win (as a Rust HashMap built from the
  // JSON object does). Call BuildReverse() once all tokens are in.
  void Insert(std::string token, int32_t id) { token_to_id_.insert_or_assign(std::move(token), id); }
  // Builds the id -> token table; for an id shared by two tokens either may win
  // (Hugging Face's choice depends on hash order too).
  void BuildReverse();

  std::optional<int32_t> Find(std::string_view token) const {
    auto it = token_to_id_.find(token);
    if (it == token_to_id_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string_view> TokenOf(int32_t id) const;
  size_t size() const { return token_to_id_.size(); }
  const TokenIdMap& entries() const { return token_to_id_; }

 private:
  TokenIdMap token_to_id_;
  // Keys of unordered_map nodes never move, so pointers to them stay valid.
  std::vector<const std::string*> id_to_token_;
  std::unordered_map<int32_t, const std::string*> sparse_id_to_token_;  // ids far beyond size()
};

// Reads an optional field: absent or null gives nullopt; a value of the wrong
// JSON type gives Corruption naming `what` and the key.
Result<std::optional<std::string>> OptionalString(const nlohmann::json& node, const char* key,
                                                  std::string_view what);
Result<std::optional<bool>> OptionalBool(const nlohmann::json& node, const char* key,
                                         std::string_view what);
Result<std::optional<uint64_t>> OptionalUnsigned(const nlohmann::json& node, const char* key,
                                                 std::string_view what);

// "<0xAB>": how SentencePiece-style vocabularies name a raw byte.
std::string ByteFallbackToken(uint8_t byte);

// The id of ByteFallbackToken(b) for every byte b, or -1 where `token_to_id`
// lacks it: resolved once so that byte fallback never formats a token per char.
std::array<int32_t, 256> ByteFallbackIds(const TokenIdMap& token_to_id);

}  // namespace textembed::tokenizer::models
