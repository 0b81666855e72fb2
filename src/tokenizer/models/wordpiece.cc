#include "tokenizer/models/wordpiece.h"

#include <nlohmann/json.hpp>

#include "tokenizer/utf8_fast.h"

namespace textembed::tokenizer::models {

namespace {
constexpr std::string_view kWhat = "WordPiece model";
}

Result<std::unique_ptr<Model>> WordPieceModel::FromJson(const nlohmann::json& node) {
  auto vocab_node = node.find("vocab");
  if (vocab_node == node.end()) return Status::Corruption("WordPiece model: missing \"vocab\"");
  TEXTEMBED_ASSIGN_OR_RETURN(Vocab vocab, Vocab::FromJsonObject(*vocab_node, kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto unk, OptionalString(node, "unk_token", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto prefix, OptionalString(node, "continuing_subword_prefix", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto max_chars, OptionalUnsigned(node, "max_input_chars_per_word", kWhat));
  return std::unique_ptr<Model>(new WordPieceModel(std::move(vocab), unk.value_or("[UNK]"),
                                                   prefix.value_or("##"), max_chars.value_or(100)));
}

WordPieceModel::WordPieceModel(Vocab vocab, std::string unk_token, std::string prefix,
                               uint64_t max_chars)
    : VocabModel(std::move(vocab)),
      unk_token_(std::move(unk_token)),
      continuing_subword_prefix_(std::move(prefix)),
      max_input_chars_per_word_(max_chars) {
  for (const auto& [token, id] : vocab_.entries()) trie_.Insert(token, id);
  continuation_root_ = trie_.Walk(ByteTrie::kRoot, continuing_subword_prefix_);
}

Status WordPieceModel::Tokenize(std::string_view piece, std::vector<Token>* out) const {
  if (piece.empty()) return Status::Ok();

  // Hugging Face's length limit counts chars, not bytes.
  uint64_t char_count = 0;
  for (size_t pos = 0; pos < piece.size(); pos += DecodeCharAt(piece, pos).length) ++char_count;
  if (char_count > max_input_chars_per_word_) {
    return AppendWholeWordUnknown(kWhat, unk_token_, piece.size(), out);
  }

  const size_t first_new = out->size();
  size_t start = 0;
  while (start < piece.size()) {
    // The longest vocabulary entry that matches here equals the first hit of
    // Hugging Face's shrink-from-the-end loop. That loop shrinks one char at a
    // time, so a match may only end on a char boundary; `char_end` walks the
    // boundaries alongside the bytes (`start` is always on one), which spares
    // a per-word boundary table.
    uint32_t node = start == 0 ? ByteTrie::kRoot : continuation_root_;
    size_t best_end = 0;
    int32_t best_id = ByteTrie::kNoValue;
    size_t char_end = start + DecodeCharAt(piece, start).length;
    for (size_t pos = start; pos < piece.size() && node != ByteTrie::kNoNode; ++pos) {
      node = trie_.Child(node, static_cast<uint8_t>(piece[pos]));
      if (node == ByteTrie::kNoNode) break;
      if (pos + 1 != char_end) continue;
      const int32_t id = trie_.ValueAt(node);
      if (id != ByteTrie::kNoValue) {
        best_end = pos + 1;
        best_id = id;
      }
      if (char_end < piece.size()) char_end += DecodeCharAt(piece, char_end).length;
    }
    if (best_id == ByteTrie::kNoValue) {
      out->resize(first_new);
      return AppendWholeWordUnknown(kWhat, unk_token_, piece.size(), out);
    }
    std::string value;
    const std::string_view matched = piece.substr(start, best_end - start);
    if (start > 0) {
      value.reserve(continuing_subword_prefix_.size() + matched.size());
      value.append(continuing_subword_prefix_);
    }
    value.append(matched);
    out->push_back(Token{best_id, std::move(value), static_cast<uint32_t>(start),
                         static_cast<uint32_t>(best_end)});
    start = best_end;
  }
  return Status::Ok();
}

}  // namespace textembed::tokenizer::models
