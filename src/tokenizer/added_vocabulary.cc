#include "tokenizer/added_vocabulary.h"

#include <algorithm>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

// Start of the char that ends at `pos` (> 0): the text is valid UTF-8 here.
uint32_t StartOfCharBefore(std::string_view text, uint32_t pos) {
  uint32_t b = pos - 1;
  while (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) --b;
  return b;
}

// Last char of text[..pos] is a \w char (HF ends_with_word).
bool EndsWithWord(std::string_view text, uint32_t pos) {
  if (pos == 0) return false;
  return unicode::IsWordChar(utf8::DecodeAt(text, StartOfCharBefore(text, pos)).code_point);
}

bool StartsWithWord(std::string_view text, uint32_t pos) {
  if (pos >= text.size()) return false;
  return unicode::IsWordChar(utf8::DecodeAt(text, pos).code_point);
}

// Start of the whitespace run that ends at `pos`.
uint32_t TrailingSpaceStart(std::string_view text, uint32_t pos) {
  while (pos > 0) {
    const uint32_t b = StartOfCharBefore(text, pos);
    if (!unicode::IsWhitespace(utf8::DecodeAt(text, b).code_point)) break;
    pos = b;
  }
  return pos;
}

// End of the whitespace run that starts at `pos`.
uint32_t LeadingSpaceEnd(std::string_view text, uint32_t pos) {
  while (pos < text.size()) {
    const utf8::Decoded d = utf8::DecodeAt(text, pos);
    if (!unicode::IsWhitespace(d.code_point)) break;
    pos += d.length;
  }
  return pos;
}

}  // namespace

void AddedVocabulary::Matcher::Add(std::string_view pattern, int32_t id) {
  const int32_t index = static_cast<int32_t>(ids.size());
  ids.push_back(id);
  if (pattern.empty()) return;
  first_byte[static_cast<uint8_t>(pattern[0])] = true;
  int32_t node = 0;
  for (unsigned char c : pattern) {
    int32_t next = Child(node, c);
    if (next < 0) {
      next = static_cast<int32_t>(nodes.size());
      nodes[node].children.emplace_back(c, next);
      nodes.emplace_back();
    }
    node = next;
  }
  if (nodes[node].pattern < 0) nodes[node].pattern = index;
}

Result<AddedVocabulary> AddedVocabulary::Build(const nlohmann::json& added_tokens,
                                               const Model& model, const Normalizer* normalizer) {
  AddedVocabulary v;
  if (added_tokens.is_null()) return v;
  if (!added_tokens.is_array()) return Status::Corruption("\"added_tokens\" is not an array");
  std::vector<AddedToken> tokens;
  for (const auto& node : added_tokens) {
    AddedToken t;
    TEXTEMBED_ASSIGN_OR_RETURN(t.content, Field<std::string>(node, "content", ""));
    TEXTEMBED_ASSIGN_OR_RETURN(t.single_word, Field<bool>(node, "single_word", false));
    TEXTEMBED_ASSIGN_OR_RETURN(t.lstrip, Field<bool>(node, "lstrip", false));
    TEXTEMBED_ASSIGN_OR_RETURN(t.rstrip, Field<bool>(node, "rstrip", false));
    TEXTEMBED_ASSIGN_OR_RETURN(t.special, Field<bool>(node, "special", false));
    TEXTEMBED_ASSIGN_OR_RETURN(t.normalized, Field<bool>(node, "normalized", !t.special));
    tokens.push_back(std::move(t));
  }
  // Same bookkeeping as HF AddedVocabulary::add_tokens: specials first (in
  // order), ids from the model when it knows the content, else fresh ids.
  std::vector<AddedToken> specials, classics;
  std::unordered_set<std::string> special_set;
  for (const AddedToken& t : tokens) {
    if (t.special && !t.content.empty() && special_set.insert(t.content).second) specials.push_back(t);
  }
  const int64_t model_size = static_cast<int64_t>(model.vocab_size());
  int64_t max_id = 0;  // largest id in token_to_id_
  for (const AddedToken& t : tokens) {
    if (t.content.empty()) continue;
    if (auto it = v.token_to_id_.find(t.content);
        it != v.token_to_id_.end() && v.id_to_token_.at(it->second) == t)
      continue;
    int32_t id;
    if (auto it = v.token_to_id_.find(t.content); it != v.token_to_id_.end()) {
      id = it->second;
    } else if (auto mid = model.TokenToId(t.content)) {
      id = *mid;
    } else if (v.token_to_id_.empty()) {
      id = static_cast<int32_t>(model_size);
    } else {
      id = static_cast<int32_t>((max_id >= model_size || model_size == 0) ? max_id + 1 : model_size);
    }
    max_id = v.token_to_id_.empty() ? id : std::max<int64_t>(max_id, id);
    v.token_to_id_[t.content] = id;
    v.id_to_token_[id] = t;
    if (!special_set.count(t.content)) classics.push_back(t);
  }
  for (const auto& [content, id] : v.token_to_id_)
    if (!model.TokenToId(content)) ++v.new_token_count_;
  v.special_contents_ = std::move(special_set);

  for (const std::vector<AddedToken>* list : {&specials, &classics}) {
    for (const AddedToken& t : *list) {
      const int32_t id = v.token_to_id_.at(t.content);
      if (!t.normalized) {
        v.raw_.Add(t.content, id);
        continue;
      }
      NormalizedString ns = NormalizedString::FromInput(t.content);
      if (normalizer != nullptr) TEXTEMBED_RETURN_IF_ERROR(normalizer->Normalize(&ns));
      v.normalized_.Add(ns.text, id);
    }
  }
  return v;
}

void AddedVocabulary::FindMatches(std::string_view text, const Matcher& m,
                                  std::vector<Found>* out) const {
  out->clear();
  if (m.empty()) return;
  const uint32_t n = static_cast<uint32_t>(text.size());
  uint32_t start_offset = 0;
  uint32_t pos = 0;
  while (pos < n) {
    if (!m.first_byte[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    int32_t node = 0, best = -1;
    uint32_t best_end = 0;
    for (uint32_t k = pos; k < n; ++k) {
      const int32_t next = m.Child(node, static_cast<uint8_t>(text[k]));
      if (next < 0) break;
      node = next;
      if (m.nodes[node].pattern >= 0) {
        best = m.nodes[node].pattern;
        best_end = k + 1;
      }
    }
    if (best < 0) {
      ++pos;
      continue;
    }
    // The automaton reports this match whatever the checks below decide, and
    // resumes after it.
    uint32_t start = pos, stop = best_end;
    pos = best_end;
    const int32_t id = m.ids[best];
    const AddedToken& token = id_to_token_.at(id);
    if (token.single_word) {
      const bool start_space = start == 0 || !EndsWithWord(text, start);
      const bool stop_space = stop == n || !StartsWithWord(text, stop);
      if (!start_space || !stop_space) continue;
    }
    if (token.lstrip) start = std::max(TrailingSpaceStart(text, start), start_offset);
    if (token.rstrip) stop = LeadingSpaceEnd(text, stop);
    out->push_back({start, stop, id});
    start_offset = stop;
  }
}

Status AddedVocabulary::ExtractAndNormalize(std::string_view input, const Normalizer* normalizer,
                                            PreTokenized* pt) const {
  NormalizedString whole = NormalizedString::FromInput(input);
  std::vector<Found> raw_matches, norm_matches;
  FindMatches(whole.text, raw_, &raw_matches);

  auto normalize_stretch = [&](uint32_t b, uint32_t e) -> Status {
    NormalizedString ns;
    if (b == 0 && e == whole.text.size()) {
      ns = std::move(whole);  // no raw added token: the common case, no copy
    } else {
      ns.text.assign(whole.text, b, e - b);
      ns.align.assign(whole.align.begin() + b, whole.align.begin() + e);
      ns.shift = b < e ? whole.align[b].begin : whole.shift + b;
    }
    if (normalizer != nullptr) TEXTEMBED_RETURN_IF_ERROR(normalizer->Normalize(&ns));
    FindMatches(ns.text, normalized_, &norm_matches);
    if (norm_matches.empty() && !ns.text.empty()) {
      pt->Adopt(std::move(ns));
      return Status::Ok();
    }
    uint32_t last = 0;
    for (const Found& f : norm_matches) {
      if (last < f.begin) pt->Add(ns, last, f.begin, -1);
      pt->Add(ns, f.begin, f.end, f.id);
      last = f.end;
    }
    if (last < ns.text.size()) pt->Add(ns, last, static_cast<uint32_t>(ns.text.size()), -1);
    return Status::Ok();
  };

  uint32_t last = 0;
  for (const Found& f : raw_matches) {
    if (last < f.begin) TEXTEMBED_RETURN_IF_ERROR(normalize_stretch(last, f.begin));
    pt->Add(whole, f.begin, f.end, f.id);
    last = f.end;
  }
  if (last < whole.text.size() || whole.text.empty())
    TEXTEMBED_RETURN_IF_ERROR(normalize_stretch(last, static_cast<uint32_t>(whole.text.size())));
  return Status::Ok();
}

std::optional<int32_t> AddedVocabulary::TokenToId(std::string_view token) const {
  auto it = token_to_id_.find(std::string(token));
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

bool AddedVocabulary::IsSpecial(std::string_view token) const {
  return !special_contents_.empty() && special_contents_.count(std::string(token)) > 0;
}

std::optional<std::string> AddedVocabulary::IdToToken(int32_t id) const {
  auto it = id_to_token_.find(id);
  if (it == id_to_token_.end()) return std::nullopt;
  return it->second.content;
}

}  // namespace textembed::tokenizer
