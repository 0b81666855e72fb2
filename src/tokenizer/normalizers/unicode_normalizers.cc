// NFC / NFD / NFKC / NFKD, Lowercase and StripAccents (HF normalizers/unicode.rs
// and utils.rs), on top of utf8proc.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

// Fast check: chars below U+00C0 are stable under every form except for
// a few compatibility chars in Latin-1 (NBSP, ª, ², ³, ´, µ, ¸, ¹, º, ¼-¾, ¨, ¯).
bool TriviallyStable(char32_t c, UnicodeForm form) {
  if (c < 0x80) return true;
  if (form == UnicodeForm::kNfc || form == UnicodeForm::kNfd) return c < 0xC0;
  return false;
}

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
  Status Normalize(NormalizedString* ns) const override {
    ApplyUnicodeNormalization(ns, form_);
    return Status::Ok();
  }

 private:
  UnicodeForm form_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  Status Normalize(NormalizedString* ns) const override {
    ApplyLowercase(ns);
    return Status::Ok();
  }
};

// Removes every char for which `drop` holds; the text is rebuilt only when
// there is one, which is rare.
template <typename Pred>
void RemoveChars(NormalizedString* ns, Pred drop) {
  const std::string& s = ns->text;
  bool any = false;
  for (size_t i = 0; i < s.size() && !any;) {
    const utf8::Decoded d = utf8::DecodeAt(s, i);
    any = drop(d.code_point);
    i += d.length;
  }
  if (!any) return;
  TransformInPlace(ns, [&](Transformer& tr) {
    for (size_t i = 0; i < s.size();) {
      const utf8::Decoded d = utf8::DecodeAt(s, i);
      if (drop(d.code_point)) {
        tr.Skip(1);
      } else {
        tr.CopySource(d.length);
      }
      i += d.length;
    }
  });
}

// The StripAccents normalizer drops every combining mark (Mn, Mc, Me of the
// Unicode 9.0 tables HF's unicode-normalization fork carries), unlike
// BertNormalizer's strip_accents which drops Mn (Unicode 8.0) only.
class StripAccentsNormalizer final : public Normalizer {
 public:
  Status Normalize(NormalizedString* ns) const override {
    RemoveChars(ns, [](char32_t c) { return unicode::IsHfCombiningMark(c); });
    return Status::Ok();
  }
};

}  // namespace

namespace {

// One char of a normalization result with HF's alignment edit for it
// (unicode-normalization-alignments): 0 replaces the next source char, +1 is
// inserted, -n replaces one and removes n more.
struct NormChar {
  char32_t cp;
  int change;
  uint8_t ccc;
};

// Canonical combining class from HF's (Unicode 9.0) tables: chars assigned
// later are unknown there, hence class 0 (no reordering around U+1DF6, say).
// Combining classes never change once assigned, and every char with a
// non-zero class is a mark, so the Unicode 9.0 mark table decides.
uint8_t CombiningClass(char32_t c) {
  if (c < 0x300 || !unicode::IsHfCombiningMark(c)) return 0;
  return static_cast<uint8_t>(utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class);
}

// Canonical composition of a starter and one char, or 0.
char32_t ComposePair(char32_t a, char32_t b) {
  utf8proc_int32_t buf[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  const utf8proc_ssize_t n = utf8proc_normalize_utf32(
      buf, 2, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  return n == 1 ? static_cast<char32_t>(buf[0]) : 0;
}

// As HF: every source char is decomposed on its own (its first char replaces
// it, the others are inserted), runs of non-starters are stably sorted by
// combining class carrying their edits along, and composition (C forms)
// merges a char into its starter, the starter's edit absorbing the char's
// minus one.
void NormalizeWithEdits(std::string_view s, UnicodeForm form, std::vector<NormChar>* out) {
  const bool compat = form == UnicodeForm::kNfkd || form == UnicodeForm::kNfkc;
  const bool compose = form == UnicodeForm::kNfc || form == UnicodeForm::kNfkc;
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0));
  std::vector<NormChar> items;
  items.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    const utf8::Decoded d = utf8::DecodeAt(s, i);
    utf8proc_int32_t buf[32];
    int last_boundclass = 0;
    utf8proc_ssize_t n = (d.code_point < 0xC0 && !compat) || unicode::HfLacksDecomposition(d.code_point, compat)
                             ? 0
                             : utf8proc_decompose_char(static_cast<utf8proc_int32_t>(d.code_point), buf, 32,
                                                       options, &last_boundclass);
    if (n <= 0 || n > 32) {
      buf[0] = static_cast<utf8proc_int32_t>(d.code_point);
      n = 1;
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      const char32_t c = static_cast<char32_t>(buf[k]);
      items.push_back({c, k == 0 ? 0 : 1, CombiningClass(c)});
    }
    i += d.length;
  }
  for (size_t i = 0; i < items.size();) {
    if (items[i].ccc == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < items.size() && items[j].ccc != 0) ++j;
    std::stable_sort(items.begin() + static_cast<std::ptrdiff_t>(i), items.begin() + static_cast<std::ptrdiff_t>(j),
                     [](const NormChar& x, const NormChar& y) { return x.ccc < y.ccc; });
    i = j;
  }
  out->clear();
  if (!compose) {
    *out = std::move(items);
    return;
  }
  // UAX #15 canonical composition: a char composes with the last starter
  // unless a char in between blocks it (ccc 0, or ccc >= its own).
  ptrdiff_t starter = -1;
  int last_ccc = -1;  // ccc of the last char kept after the starter; -1: none
  for (const NormChar& c : items) {
    if (starter >= 0) {
      const bool blocked = last_ccc >= 0 && (last_ccc == 0 || last_ccc >= c.ccc);
      if (!blocked) {
        NormChar& l = (*out)[static_cast<size_t>(starter)];
        if (char32_t p = ComposePair(l.cp, c.cp)) {
          l.cp = p;
          l.change += c.change - 1;
          continue;
        }
      }
    }
    out->push_back(c);
    if (c.ccc == 0) {
      starter = static_cast<ptrdiff_t>(out->size()) - 1;
      last_ccc = -1;
    } else {
      last_ccc = c.ccc;
    }
  }
}

}  // namespace

void ApplyUnicodeNormalization(NormalizedString* ns, UnicodeForm form) {
  const std::string& s = ns->text;
  bool stable = true;
  for (size_t i = 0; i < s.size();) {
    const utf8::Decoded d = utf8::DecodeAt(s, i);
    if (!TriviallyStable(d.code_point, form)) {
      stable = false;
      break;
    }
    i += d.length;
  }
  if (stable) return;
  std::vector<NormChar> chars;
  NormalizeWithEdits(s, form, &chars);
  bool same = true;
  size_t pos = 0;
  for (const NormChar& c : chars) {
    if (c.change != 0 || pos >= s.size()) {
      same = false;
      break;
    }
    const utf8::Decoded d = utf8::DecodeAt(s, pos);
    if (d.code_point != c.cp) {
      same = false;
      break;
    }
    pos += d.length;
  }
  if (same && pos == s.size()) return;
  TransformInPlace(ns, [&](Transformer& tr) {
    for (const NormChar& c : chars) tr.Emit(c.cp, c.change);
  });
}

void ApplyLowercase(NormalizedString* ns) {
  std::string& s = ns->text;
  bool ascii = true;
  for (unsigned char b : s) {
    if (b >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return;
  }
  TransformInPlace(ns, [&](Transformer& tr) {
    for (size_t i = 0; i < s.size();) {
      const unsigned char b = static_cast<unsigned char>(s[i]);
      if (b < 0x80) {
        if (b >= 'A' && b <= 'Z') {
          tr.Emit(b + 32, 0);
        } else {
          tr.CopySource(1);
        }
        ++i;
        continue;
      }
      const utf8::Decoded d = utf8::DecodeAt(s, i);
      char32_t lower[3];
      const int n = unicode::ToLowercase(d.code_point, lower);
      if (n == 1 && lower[0] == d.code_point) {
        tr.CopySource(d.length);
      } else {
        for (int k = 0; k < n; ++k) tr.Emit(lower[k], k == 0 ? 0 : 1);
      }
      i += d.length;
    }
  });
}

void ApplyStripAccents(NormalizedString* ns) {
  RemoveChars(ns, [](char32_t c) { return unicode::IsBertNonspacingMark(c); });
}

Result<std::unique_ptr<Normalizer>> MakeUnicodeNormalizer(const nlohmann::json& node) {
  const std::string type = TypeOf(node);
  if (type == "NFD") return std::unique_ptr<Normalizer>(std::make_unique<UnicodeNormalizer>(UnicodeForm::kNfd));
  if (type == "NFC") return std::unique_ptr<Normalizer>(std::make_unique<UnicodeNormalizer>(UnicodeForm::kNfc));
  if (type == "NFKD") return std::unique_ptr<Normalizer>(std::make_unique<UnicodeNormalizer>(UnicodeForm::kNfkd));
  if (type == "NFKC") return std::unique_ptr<Normalizer>(std::make_unique<UnicodeNormalizer>(UnicodeForm::kNfkc));
  if (type == "Lowercase") return std::unique_ptr<Normalizer>(std::make_unique<LowercaseNormalizer>());
  if (type == "StripAccents")
    return std::unique_ptr<Normalizer>(std::make_unique<StripAccentsNormalizer>());
  return std::unique_ptr<Normalizer>();
}

}  // namespace textembed::tokenizer
