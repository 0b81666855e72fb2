// MakeModel: picks the model class from the "model" node of tokenizer.json.
#include <exception>

#include <nlohmann/json.hpp>

#include "tokenizer/model.h"
#include "tokenizer/models/bpe.h"
#include "tokenizer/models/unigram.h"
#include "tokenizer/models/word_level.h"
#include "tokenizer/models/wordpiece.h"

namespace textembed::tokenizer {

namespace {

// Files written before the "type" tag existed: guess from the fields, in the
// spirit of Hugging Face's untagged fallback (BPE, then WordPiece, WordLevel,
// Unigram).
std::string InferModelType(const nlohmann::json& node) {
  if (node.contains("merges")) return "BPE";
  if (auto vocab = node.find("vocab"); vocab != node.end() && vocab->is_array()) return "Unigram";
  if (node.contains("continuing_subword_prefix") || node.contains("max_input_chars_per_word")) {
    return "WordPiece";
  }
  return "WordLevel";
}

Result<std::unique_ptr<Model>> MakeModelUnchecked(const nlohmann::json& node) {
  if (!node.is_object()) return Status::Corruption("tokenizer model: the \"model\" node must be an object");
  std::string type;
  if (auto it = node.find("type"); it != node.end() && !it->is_null()) {
    if (!it->is_string()) return Status::Corruption("tokenizer model: \"type\" must be a string");
    type = it->get<std::string>();
  } else {
    type = InferModelType(node);
  }
  if (type == "BPE") return models::BpeModel::FromJson(node);
  if (type == "WordPiece") return models::WordPieceModel::FromJson(node);
  if (type == "WordLevel") return models::WordLevelModel::FromJson(node);
  if (type == "Unigram") return models::UnigramModel::FromJson(node);
  return Status::Unimplemented("tokenizer model: unsupported model type \"" + type + "\"");
}

}  // namespace

Result<std::unique_ptr<Model>> MakeModel(const nlohmann::json& node) {
  // The parsers check types before every access; this catch is a last line
  // of defence so that no nlohmann exception escapes the layer.
  try {
    return MakeModelUnchecked(node);
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("tokenizer model: malformed node: ") + e.what());
  }
}

}  // namespace textembed::tokenizer
