#include "tokenizer/models/vocab.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace textembed::tokenizer::models {

namespace {

// Ids beyond this stay in a hash map instead of a vector, so one absurd id in a
// hostile file cannot make us allocate gigabytes.
constexpr size_t kDenseIdSlack = 1 << 16;

// Parsed JSON stores non-negative integers as unsigned, but nodes built in
// code may hold them as signed.
bool IsNonNegativeInteger(const nlohmann::json& value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
}

}  // namespace

Result<Vocab> Vocab::FromJsonObject(const nlohmann::json& node, std::string_view what) {
  if (!node.is_object()) {
    return Status::Corruption(std::string(what) + ": \"vocab\" must be an object of token -> id");
  }
  Vocab vocab;
  vocab.token_to_id_.reserve(node.size());
  for (auto it = node.begin(); it != node.end(); ++it) {
    const nlohmann::json& id = it.value();
    if (!IsNonNegativeInteger(id) || id.get<uint64_t>() > std::numeric_limits<int32_t>::max()) {
      return Status::Corruption(std::string(what) + ": vocab id of token \"" + it.key() +
                                "\" is not an integer in [0, 2^31)");
    }
    vocab.Insert(it.key(), static_cast<int32_t>(id.get<int64_t>()));
  }
  vocab.BuildReverse();
  return vocab;
}

void Vocab::BuildReverse() {
  id_to_token_.clear();
  sparse_id_to_token_.clear();
  for (const auto& [token, id] : token_to_id_) {
    const size_t index = static_cast<size_t>(id);
    if (index < token_to_id_.size() + kDenseIdSlack) {
      if (index >= id_to_token_.size()) id_to_token_.resize(index + 1, nullptr);
      id_to_token_[index] = &token;
    } else {
      sparse_id_to_token_[id] = &token;
    }
  }
}

std::optional<std::string_view> Vocab::TokenOf(int32_t id) const {
  if (id < 0) return std::nullopt;
  const size_t index = static_cast<size_t>(id);
  if (index < id_to_token_.size()) {
    if (id_to_token_[index] == nullptr) return std::nullopt;
    return std::string_view(*id_to_token_[index]);
  }
  auto it = sparse_id_to_token_.find(id);
  if (it == sparse_id_to_token_.end()) return std::nullopt;
  return std::string_view(*it->second);
}

Result<std::optional<std::string>> OptionalString(const nlohmann::json& node, const char* key,
                                                  std::string_view what) {
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Status::Corruption(std::string(what) + ": \"" + key + "\" must be a string or null");
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<bool>> OptionalBool(const nlohmann::json& node, const char* key,
                                         std::string_view what) {
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return Status::Corruption(std::string(what) + ": \"" + key + "\" must be a boolean or null");
  }
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<uint64_t>> OptionalUnsigned(const nlohmann::json& node, const char* key,
                                                 std::string_view what) {
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return std::optional<uint64_t>();
  if (!IsNonNegativeInteger(*it)) {
    return Status::Corruption(std::string(what) + ": \"" + key +
                              "\" must be a non-negative integer or null");
  }
  return std::optional<uint64_t>(it->get<uint64_t>());
}

std::string ByteFallbackToken(uint8_t byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string token = "<0x00>";
  token[3] = kHex[byte >> 4];
  token[4] = kHex[byte & 0xF];
  return token;
}

std::array<int32_t, 256> ByteFallbackIds(const TokenIdMap& token_to_id) {
  std::array<int32_t, 256> ids;
  for (int byte = 0; byte < 256; ++byte) {
    auto it = token_to_id.find(ByteFallbackToken(static_cast<uint8_t>(byte)));
    ids[byte] = it == token_to_id.end() ? -1 : it->second;
  }
  return ids;
}

}  // namespace textembed::tokenizer::models
