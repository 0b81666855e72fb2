// BertProcessing, RobertaProcessing, TemplateProcessing, ByteLevel and
// Sequence post-processors (HF processors/*.rs), for one sequence or a pair.
#include <algorithm>
#include <iterator>
#include <span>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

struct SpecialToken {
  std::string token;
  int32_t id;
};

// [first] sequence [last], as BertProcessing and RobertaProcessing add them;
// the specials get type id 0 and the sequence keeps its own type ids.
void WrapInSpecialTokens(Encoding* e, const SpecialToken& first, const SpecialToken& last) {
  Encoding out;
  const size_t n = e->size() + 2;
  out.ids.reserve(n);
  out.tokens.reserve(n);
  out.offsets.reserve(n);
  out.type_ids.reserve(n);
  out.special_tokens_mask.reserve(n);
  auto add_special = [&](const SpecialToken& s) {
    out.ids.push_back(s.id);
    out.tokens.push_back(s.token);
    out.offsets.push_back({0, 0});
    out.type_ids.push_back(0);
    out.special_tokens_mask.push_back(1);
  };
  add_special(first);
  for (size_t i = 0; i < e->size(); ++i) {
    out.ids.push_back(e->ids[i]);
    out.tokens.push_back(std::move(e->tokens[i]));
    out.offsets.push_back(e->offsets[i]);
    out.type_ids.push_back(e->type_ids[i]);
    out.special_tokens_mask.push_back(e->special_tokens_mask[i]);
  }
  add_special(last);
  out.truncated = e->truncated;
  *e = std::move(out);
}

void PushSpecial(Encoding* e, const SpecialToken& s, int32_t type_id) {
  e->ids.push_back(s.id);
  e->tokens.push_back(s.token);
  e->offsets.push_back({0, 0});
  e->type_ids.push_back(type_id);
  e->special_tokens_mask.push_back(1);
}

// `before` + e + `after`, the specials with `special_type`; the sequence's
// own type ids become `sequence_type` unless it is negative.
void Surround(Encoding* e, std::span<const SpecialToken> before, std::span<const SpecialToken> after,
              int32_t special_type, int32_t sequence_type) {
  Encoding out;
  for (const SpecialToken& s : before) PushSpecial(&out, s, special_type);
  if (sequence_type >= 0) std::fill(e->type_ids.begin(), e->type_ids.end(), sequence_type);
  const bool truncated = e->truncated;
  AppendEncoding(&out, std::move(*e));
  for (const SpecialToken& s : after) PushSpecial(&out, s, special_type);
  out.truncated = truncated;
  *e = std::move(out);
}

// Start of the char that ends right before byte `pos` (invalid bytes count as
// one char each, like the U+FFFD they decode to).
uint32_t PreviousCharStart(std::string_view text, uint32_t pos) {
  uint32_t start = pos - 1;
  while (start > 0 && pos - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
    --start;
  if (utf8::DecodeAt(text, start).length == pos - start) return start;
  return pos - 1;
}

// HF processors/byte_level.rs process_offsets: leading/trailing 'Ġ' or
// whitespace chars of a token are trimmed from its offsets. The bindings
// (Python, Node) trim offsets already converted to chars, so the counts move
// offsets by whole chars of the original text here; the results are what
// their offset mappings report.
void TrimOffsets(Encoding* e, bool add_prefix_space, std::string_view text) {
  constexpr char32_t kSpaceChar = 0x120;  // 'Ġ'
  const uint32_t n = static_cast<uint32_t>(text.size());
  for (size_t i = 0; i < e->size(); ++i) {
    const std::string& t = e->tokens[i];
    auto is_space = [](char32_t c) { return c == kSpaceChar || unicode::IsWhitespace(c); };
    uint32_t leading = 0, trailing = 0, chars = 0;
    bool in_lead = true;
    for (size_t k = 0; k < t.size();) {
      const utf8::Decoded d = utf8::DecodeAt(t, k);
      const bool space = is_space(d.code_point);
      if (in_lead && space) {
        ++leading;
      } else {
        in_lead = false;
      }
      trailing = space ? trailing + 1 : 0;
      ++chars;
      k += d.length;
    }
    if (leading == 0 && trailing == 0) continue;
    Offset& o = e->offsets[i];
    if (o.end > n || o.begin > o.end) continue;
    if (leading > 0) {
      const bool is_first = i == 0 || o.begin == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      uint32_t b = o.begin;
      for (uint32_t k = 0; k < leading && b < o.end; ++k) b += utf8::DecodeAt(text, b).length;
      o.begin = std::min(b, o.end);
    }
    if (trailing > 0) {
      uint32_t end = o.end;
      uint32_t k = 0;
      for (; k < trailing && end > 0; ++k) end = PreviousCharStart(text, end);
      if (k == trailing) o.end = std::max(end, o.begin);
    }
  }
}

class BertProcessing final : public PostProcessor {
 public:
  BertProcessing(SpecialToken cls, SpecialToken sep) : cls_(std::move(cls)), sep_(std::move(sep)) {}
  size_t AddedTokens() const override { return 2; }
  Status Process(Encoding* e, bool add_special_tokens, std::string_view text) const override {
    if (add_special_tokens) WrapInSpecialTokens(e, cls_, sep_);
    return Status::Ok();
  }
  size_t AddedTokensPair() const override { return 3; }
  // [CLS] A [SEP] (type 0) B [SEP] (B keeps its type 1, its [SEP] is 1).
  Status ProcessPairParts(Encoding parts[2], bool add_special_tokens,
                          const std::string_view*) const override {
    if (!add_special_tokens) return Status::Ok();
    Surround(&parts[0], {&cls_, 1}, {&sep_, 1}, 0, -1);
    Surround(&parts[1], {}, {&sep_, 1}, 1, -1);
    return Status::Ok();
  }

 private:
  SpecialToken cls_, sep_;
};

class RobertaProcessing final : public PostProcessor {
 public:
  RobertaProcessing(SpecialToken cls, SpecialToken sep, bool trim_offsets, bool add_prefix_space)
      : cls_(std::move(cls)), sep_(std::move(sep)), trim_offsets_(trim_offsets),
        add_prefix_space_(add_prefix_space) {}
  size_t AddedTokens() const override { return 2; }
  Status Process(Encoding* e, bool add_special_tokens, std::string_view text) const override {
    if (trim_offsets_) TrimOffsets(e, add_prefix_space_, text);
    std::fill(e->type_ids.begin(), e->type_ids.end(), 0);
    if (add_special_tokens) WrapInSpecialTokens(e, cls_, sep_);
    return Status::Ok();
  }
  size_t AddedTokensPair() const override { return 4; }
  // <s> A </s> </s> B </s>; every type id is 0, with or without the specials
  // (HF's roberta.rs zeroes them before it looks at add_special_tokens).
  Status ProcessPairParts(Encoding parts[2], bool add_special_tokens,
                          const std::string_view texts[2]) const override {
    for (int i = 0; i < 2; ++i) {
      if (trim_offsets_) TrimOffsets(&parts[i], add_prefix_space_, texts[i]);
      std::fill(parts[i].type_ids.begin(), parts[i].type_ids.end(), 0);
    }
    if (!add_special_tokens) return Status::Ok();
    Surround(&parts[0], {&cls_, 1}, {&sep_, 1}, 0, 0);
    Surround(&parts[1], {&sep_, 1}, {&sep_, 1}, 0, 0);
    return Status::Ok();
  }

 private:
  SpecialToken cls_, sep_;
  bool trim_offsets_, add_prefix_space_;
};

class ByteLevelProcessing final : public PostProcessor {
 public:
  ByteLevelProcessing(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  size_t AddedTokens() const override { return 0; }
  Status Process(Encoding* e, bool, std::string_view text) const override {
    if (trim_offsets_) TrimOffsets(e, add_prefix_space_, text);
    return Status::Ok();
  }
  size_t AddedTokensPair() const override { return 0; }
  Status ProcessPairParts(Encoding parts[2], bool, const std::string_view texts[2]) const override {
    if (trim_offsets_) {
      TrimOffsets(&parts[0], add_prefix_space_, texts[0]);
      TrimOffsets(&parts[1], add_prefix_space_, texts[1]);
    }
    return Status::Ok();
  }

 private:
  bool trim_offsets_, add_prefix_space_;
};

class TemplateProcessing final : public PostProcessor {
 public:
  struct Item {
    bool is_sequence;
    int32_t type_id;
    std::vector<SpecialToken> specials;  // for a special-token item
    int sequence = 0;                    // 0: "A", 1: "B"
  };
  TemplateProcessing(std::vector<Item> items, std::vector<Item> pair_items)
      : items_(std::move(items)), pair_items_(std::move(pair_items)) {
    for (const Item& it : items_) added_ += it.specials.size();
    for (const Item& it : pair_items_) added_pair_ += it.specials.size();
  }
  size_t AddedTokens() const override { return added_; }
  size_t AddedTokensPair() const override { return added_pair_; }
  // The whole pair template is laid out into parts[0]; parts[1] ends empty.
  Status ProcessPairParts(Encoding parts[2], bool add_special_tokens,
                          const std::string_view*) const override {
    if (pair_items_.empty())
      return Status::InvalidArgument("TemplateProcessing has no \"pair\" template");
    Encoding out;
    for (const Item& it : pair_items_) {
      if (it.is_sequence) {
        Encoding& seq = parts[it.sequence];
        std::fill(seq.type_ids.begin(), seq.type_ids.end(), it.type_id);
        out.truncated |= seq.truncated;
        AppendEncoding(&out, std::move(seq));
        seq = Encoding();
      } else if (add_special_tokens) {
        for (const SpecialToken& s : it.specials) PushSpecial(&out, s, it.type_id);
      }
    }
    parts[0] = std::move(out);
    parts[1] = Encoding();
    return Status::Ok();
  }
  Status Process(Encoding* e, bool add_special_tokens, std::string_view text) const override {
    Encoding out;
    const size_t n = e->size() + added_;
    out.ids.reserve(n);
    out.tokens.reserve(n);
    out.offsets.reserve(n);
    out.type_ids.reserve(n);
    out.special_tokens_mask.reserve(n);
    for (const Item& it : items_) {
      if (it.is_sequence) {
        for (size_t i = 0; i < e->size(); ++i) {
          out.ids.push_back(e->ids[i]);
          out.tokens.push_back(std::move(e->tokens[i]));
          out.offsets.push_back(e->offsets[i]);
          out.type_ids.push_back(it.type_id);
          out.special_tokens_mask.push_back(e->special_tokens_mask[i]);
        }
      } else if (add_special_tokens) {
        for (const SpecialToken& s : it.specials) {
          out.ids.push_back(s.id);
          out.tokens.push_back(s.token);
          out.offsets.push_back({0, 0});
          out.type_ids.push_back(it.type_id);
          out.special_tokens_mask.push_back(1);
        }
      }
    }
    out.truncated = e->truncated;
    *e = std::move(out);
    return Status::Ok();
  }

 private:
  std::vector<Item> items_;
  std::vector<Item> pair_items_;
  size_t added_ = 0;
  size_t added_pair_ = 0;
};

class SequenceProcessing final : public PostProcessor {
 public:
  explicit SequenceProcessing(std::vector<std::unique_ptr<PostProcessor>> parts)
      : parts_(std::move(parts)) {}
  size_t AddedTokens() const override {
    size_t n = 0;
    for (const auto& p : parts_) n += p->AddedTokens();
    return n;
  }
  Status Process(Encoding* e, bool add_special_tokens, std::string_view text) const override {
    for (const auto& p : parts_) TEXTEMBED_RETURN_IF_ERROR(p->Process(e, add_special_tokens, text));
    return Status::Ok();
  }
  size_t AddedTokensPair() const override {
    size_t n = 0;
    for (const auto& p : parts_) n += p->AddedTokensPair();
    return n;
  }
  Status ProcessPairParts(Encoding parts[2], bool add_special_tokens,
                          const std::string_view texts[2]) const override {
    for (const auto& p : parts_)
      TEXTEMBED_RETURN_IF_ERROR(p->ProcessPairParts(parts, add_special_tokens, texts));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

// ["[CLS]", 101]
Result<SpecialToken> PairField(const nlohmann::json& node, const char* key) {
  auto it = node.find(key);
  if (it == node.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string() ||
      !(*it)[1].is_number_integer())
    return Status::Corruption(std::string("post_processor field \"") + key +
                              "\" must be [token, id]");
  return SpecialToken{(*it)[0].get<std::string>(), (*it)[1].get<int32_t>()};
}

// One template ("single" or "pair") of TemplateProcessing.
Result<std::vector<TemplateProcessing::Item>> ParseTemplate(const nlohmann::json& pieces,
                                                            const nlohmann::json& specials) {
  std::vector<TemplateProcessing::Item> items;
  for (const auto& piece : pieces) {
    TemplateProcessing::Item item{false, 0, {}};
    if (piece.contains("Sequence")) {
      item.is_sequence = true;
      TEXTEMBED_ASSIGN_OR_RETURN(item.type_id, Field<int32_t>(piece["Sequence"], "type_id", 0));
      TEXTEMBED_ASSIGN_OR_RETURN(std::string id, Field<std::string>(piece["Sequence"], "id", "A"));
      if (id != "A" && id != "B")
        return Status::Corruption("TemplateProcessing: sequence id \"" + id + "\" is neither A nor B");
      item.sequence = id == "A" ? 0 : 1;
    } else if (piece.contains("SpecialToken")) {
      const nlohmann::json& st = piece["SpecialToken"];
      TEXTEMBED_ASSIGN_OR_RETURN(item.type_id, Field<int32_t>(st, "type_id", 0));
      TEXTEMBED_ASSIGN_OR_RETURN(std::string name, Field<std::string>(st, "id", ""));
      auto it = specials.find(name);
      if (it == specials.end())
        return Status::Corruption("TemplateProcessing: special token \"" + name + "\" has no entry");
      const auto& ids = (*it)["ids"];
      const auto& toks = (*it)["tokens"];
      if (!ids.is_array() || !toks.is_array() || ids.size() != toks.size())
        return Status::Corruption("TemplateProcessing: special token \"" + name + "\" is malformed");
      for (size_t k = 0; k < ids.size(); ++k)
        item.specials.push_back({toks[k].get<std::string>(), ids[k].get<int32_t>()});
    } else {
      return Status::Corruption("TemplateProcessing: unknown template piece");
    }
    items.push_back(std::move(item));
  }
  return items;
}

Result<std::unique_ptr<PostProcessor>> MakeTemplate(const nlohmann::json& node) {
  auto single = node.find("single");
  if (single == node.end() || !single->is_array())
    return Status::Corruption("TemplateProcessing without \"single\" template");
  const nlohmann::json specials =
      node.contains("special_tokens") ? node["special_tokens"] : nlohmann::json::object();
  TEXTEMBED_ASSIGN_OR_RETURN(auto items, ParseTemplate(*single, specials));
  std::vector<TemplateProcessing::Item> pair_items;
  if (auto pair = node.find("pair"); pair != node.end() && pair->is_array()) {
    TEXTEMBED_ASSIGN_OR_RETURN(pair_items, ParseTemplate(*pair, specials));
  }
  return std::unique_ptr<PostProcessor>(
      std::make_unique<TemplateProcessing>(std::move(items), std::move(pair_items)));
}

}  // namespace

Result<std::unique_ptr<PostProcessor>> MakePostProcessor(const nlohmann::json& node) {
  if (node.is_null()) return std::unique_ptr<PostProcessor>();
  const std::string type = TypeOf(node);
  try {
    if (type == "BertProcessing") {
      TEXTEMBED_ASSIGN_OR_RETURN(SpecialToken sep, PairField(node, "sep"));
      TEXTEMBED_ASSIGN_OR_RETURN(SpecialToken cls, PairField(node, "cls"));
      return std::unique_ptr<PostProcessor>(std::make_unique<BertProcessing>(cls, sep));
    }
    if (type == "RobertaProcessing") {
      TEXTEMBED_ASSIGN_OR_RETURN(SpecialToken sep, PairField(node, "sep"));
      TEXTEMBED_ASSIGN_OR_RETURN(SpecialToken cls, PairField(node, "cls"));
      TEXTEMBED_ASSIGN_OR_RETURN(bool trim, Field<bool>(node, "trim_offsets", true));
      TEXTEMBED_ASSIGN_OR_RETURN(bool prefix, Field<bool>(node, "add_prefix_space", true));
      return std::unique_ptr<PostProcessor>(std::make_unique<RobertaProcessing>(cls, sep, trim, prefix));
    }
    if (type == "ByteLevel") {
      TEXTEMBED_ASSIGN_OR_RETURN(bool trim, Field<bool>(node, "trim_offsets", true));
      TEXTEMBED_ASSIGN_OR_RETURN(bool prefix, Field<bool>(node, "add_prefix_space", true));
      return std::unique_ptr<PostProcessor>(std::make_unique<ByteLevelProcessing>(trim, prefix));
    }
    if (type == "TemplateProcessing") return MakeTemplate(node);
    if (type == "Sequence") {
      auto it = node.find("processors");
      if (it == node.end() || !it->is_array())
        return Status::Corruption("post_processor Sequence without \"processors\" array");
      std::vector<std::unique_ptr<PostProcessor>> parts;
      for (const auto& child : *it) {
        TEXTEMBED_ASSIGN_OR_RETURN(auto part, MakePostProcessor(child));
        if (part) parts.push_back(std::move(part));
      }
      return std::unique_ptr<PostProcessor>(std::make_unique<SequenceProcessing>(std::move(parts)));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("post_processor: ") + e.what());
  }
  return Status::Unimplemented("post_processor type \"" + type + "\" is not supported");
}

void AppendEncoding(Encoding* into, Encoding&& from) {
  auto append = [](auto& to, auto& src) {
    if (to.empty()) {
      to = std::move(src);
    } else {
      to.insert(to.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
    }
  };
  append(into->ids, from.ids);
  append(into->tokens, from.tokens);
  append(into->offsets, from.offsets);
  append(into->type_ids, from.type_ids);
  append(into->special_tokens_mask, from.special_tokens_mask);
  into->truncated |= from.truncated;
}

}  // namespace textembed::tokenizer
