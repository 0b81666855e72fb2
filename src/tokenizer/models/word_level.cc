#include "tokenizer/models/word_level.h"

#include <nlohmann/json.hpp>

namespace textembed::tokenizer::models {

namespace {
constexpr std::string_view kWhat = "WordLevel model";
}

Result<std::unique_ptr<Model>> WordLevelModel::FromJson(const nlohmann::json& node) {
  auto vocab_node = node.find("vocab");
  if (vocab_node == node.end()) return Status::Corruption("WordLevel model: missing \"vocab\"");
  TEXTEMBED_ASSIGN_OR_RETURN(Vocab vocab, Vocab::FromJsonObject(*vocab_node, kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto unk, OptionalString(node, "unk_token", kWhat));
  return std::unique_ptr<Model>(new WordLevelModel(std::move(vocab), unk.value_or("<unk>")));
}

Status WordLevelModel::Tokenize(std::string_view piece, std::vector<Token>* out) const {
  const auto end = static_cast<uint32_t>(piece.size());
  if (const std::optional<int32_t> id = vocab_.Find(piece)) {
    out->push_back(Token{*id, std::string(piece), 0, end});
    return Status::Ok();
  }
  return AppendWholeWordUnknown(kWhat, unk_token_, piece.size(), out);
}

}  // namespace textembed::tokenizer::models
