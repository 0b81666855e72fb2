// Strip, Replace, Prepend and Nmt (HF normalizers/strip.rs, replace.rs,
// prepend.rs, unicode.rs Nmt).
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

std::u32string Chars(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const utf8::Decoded d = utf8::DecodeAt(s, i);
    out.push_back(d.code_point);
    i += d.length;
  }
  return out;
}

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  Status Normalize(NormalizedString* ns) const override {
    const std::u32string chars = Chars(ns->text);
    size_t leading = 0, trailing = 0;
    if (left_)
      while (leading < chars.size() && unicode::IsWhitespace(chars[leading])) ++leading;
    if (right_)
      while (trailing < chars.size() - leading &&
             unicode::IsWhitespace(chars[chars.size() - 1 - trailing]))
        ++trailing;
    if (leading == 0 && trailing == 0) return Status::Ok();
    TransformInPlace(ns, [&](Transformer& tr) {
      tr.Skip(leading);
      const size_t n = chars.size();
      for (size_t i = leading; i + trailing < n; ++i) {
        tr.Emit(chars[i], i + trailing + 1 == n ? -static_cast<int>(trailing) : 0);
      }
    });
    return Status::Ok();
  }

 private:
  bool left_, right_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(std::unique_ptr<Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(Chars(content)) {}
  Status Normalize(NormalizedString* ns) const override {
    std::vector<Span> spans;
    TEXTEMBED_RETURN_IF_ERROR(pattern_->FindMatches(ns->text, &spans));
    bool any = false;
    for (const Span& s : spans) any |= s.is_match;
    if (!any) return Status::Ok();
    // Each match is replaced as HF's transform_range(match, content chars all
    // "inserted", initial_offset = matched chars): the new chars take the
    // alignment of the last matched byte.
    TransformInPlace(ns, [&](Transformer& tr) {
      for (const Span& s : spans) {
        if (!s.is_match) {
          tr.CopySource(s.end - s.begin);
          continue;
        }
        const size_t removed = Chars(std::string_view(ns->text).substr(s.begin, s.end - s.begin)).size();
        tr.Skip(removed);
        for (char32_t c : content_) tr.Emit(c, 1);
      }
    });
    return Status::Ok();
  }

 private:
  std::unique_ptr<Regex> pattern_;
  std::u32string content_;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(Chars(prepend)) {}
  Status Normalize(NormalizedString* ns) const override {
    if (ns->text.empty() || prepend_.empty()) return Status::Ok();
    TransformInPlace(ns, [&](Transformer& tr) { tr.PrependToSource(prepend_); });
    return Status::Ok();
  }

 private:
  std::u32string prepend_;
};

class NmtNormalizer final : public Normalizer {
 public:
  Status Normalize(NormalizedString* ns) const override {
    TransformInPlace(ns, [&](Transformer& tr) {
      const std::string& s = ns->text;
      for (size_t i = 0; i < s.size();) {
        const utf8::Decoded d = utf8::DecodeAt(s, i);
        const char32_t c = d.code_point;
        if ((c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) || c == 0x7F ||
            c == 0x8F || c == 0x9F) {
          tr.Skip(1);
        } else if (c == 0x9 || c == 0xA || c == 0xC || c == 0xD || c == 0x1680 ||
                   (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 || c == 0x2581 ||
                   c == 0xFEFF || c == 0xFFFD) {
          tr.Emit(' ', 0);
        } else {
          tr.CopySource(d.length);
        }
        i += d.length;
      }
    });
    return Status::Ok();
  }
};

// ByteLevel normalizer: every byte becomes its GPT-2 char (HF
// normalizers/byte_level.rs), the first of a char replacing it.
class ByteLevelNormalizer final : public Normalizer {
 public:
  Status Normalize(NormalizedString* ns) const override {
    TransformInPlace(ns, [&](Transformer& tr) { byte_level::EmitBytesAsChars(ns->text, tr); });
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<Normalizer>> MakeTextNormalizer(const nlohmann::json& node) {
  const std::string type = TypeOf(node);
  if (type == "Strip") {
    TEXTEMBED_ASSIGN_OR_RETURN(bool left, Field<bool>(node, "strip_left", true));
    TEXTEMBED_ASSIGN_OR_RETURN(bool right, Field<bool>(node, "strip_right", true));
    return std::unique_ptr<Normalizer>(std::make_unique<StripNormalizer>(left, right));
  }
  if (type == "Replace") {
    if (!node.contains("pattern")) return Status::Corruption("Replace normalizer without pattern");
    TEXTEMBED_ASSIGN_OR_RETURN(auto pattern, RegexFromPatternNode(node["pattern"]));
    TEXTEMBED_ASSIGN_OR_RETURN(std::string content, Field<std::string>(node, "content", ""));
    return std::unique_ptr<Normalizer>(
        std::make_unique<ReplaceNormalizer>(std::move(pattern), std::move(content)));
  }
  if (type == "Prepend") {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string prepend, Field<std::string>(node, "prepend", ""));
    return std::unique_ptr<Normalizer>(std::make_unique<PrependNormalizer>(std::move(prepend)));
  }
  if (type == "Nmt") return std::unique_ptr<Normalizer>(std::make_unique<NmtNormalizer>());
  if (type == "ByteLevel") return std::unique_ptr<Normalizer>(std::make_unique<ByteLevelNormalizer>());
  return std::unique_ptr<Normalizer>();
}

}  // namespace textembed::tokenizer
