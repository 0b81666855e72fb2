// NFC / NFD / NFKC / NFKD, Lowercase and StripAccents (HF normalizers/unicode.rs
// and utils.rs), on top of utf8proc.
#include <cstdlib>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

utf8proc_option_t OptionsFor(UnicodeForm form) {
  const bool composed = form == UnicodeForm::kNfc || form == UnicodeForm::kNfkc;
  const bool compatibility = form == UnicodeForm::kNfkd || form == UnicodeForm::kNfkc;
  int o = UTF8PROC_STABLE;
  o |= composed ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE;
  if (compatibility) o |= UTF8PROC_COMPAT;
  return static_cast<utf8proc_option_t>(o);
}

bool IsStarter(char32_t c) {
  if (c < 0x300) return true;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  return p->combining_class == 0;
}

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

// The StripAccents normalizer drops every combining mark (Mn, Mc, Me), unlike
// BertNormalizer's strip_accents which drops Mn only. No mark is below U+0300,
// so the test skips the table lookup for most chars.
class StripAccentsNormalizer final : public Normalizer {
 public:
  Status Normalize(NormalizedString* ns) const override {
    RemoveChars(ns, [](char32_t c) { return c >= 0x300 && unicode::IsMark(c); });
    return Status::Ok();
  }
};

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
  const utf8proc_option_t options = OptionsFor(form);
  TransformInPlace(ns, [&](Transformer& tr) {
    // Normalize segment by segment (a starter and the marks that follow it), so
    // that each output char can be aligned with the chars it came from.
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i + utf8::DecodeAt(s, i).length;
      size_t old_chars = 1;
      while (j < s.size()) {
        const utf8::Decoded d = utf8::DecodeAt(s, j);
        if (IsStarter(d.code_point)) break;
        j += d.length;
        ++old_chars;
      }
      const std::string_view seg(s.data() + i, j - i);
      bool seg_stable = true;
      for (size_t k = 0; k < seg.size();) {
        const utf8::Decoded d = utf8::DecodeAt(seg, k);
        if (!TriviallyStable(d.code_point, form)) seg_stable = false;
        k += d.length;
      }
      utf8proc_uint8_t* mapped = nullptr;
      if (!seg_stable &&
          utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(seg.data()),
                       static_cast<utf8proc_ssize_t>(seg.size()), &mapped, options) >= 0 &&
          std::string_view(reinterpret_cast<char*>(mapped)) != seg) {
        const std::string_view out(reinterpret_cast<char*>(mapped));
        std::vector<char32_t> chars;
        for (size_t k = 0; k < out.size();) {
          const utf8::Decoded d = utf8::DecodeAt(out, k);
          chars.push_back(d.code_point);
          k += d.length;
        }
        const size_t n = chars.size();
        for (size_t k = 0; k < n; ++k) {
          int change = 0;
          if (k >= old_chars) change = 1;
          if (n < old_chars && k + 1 == n) change = -static_cast<int>(old_chars - n);
          tr.Emit(chars[k], change);
        }
        if (n == 0) tr.Skip(old_chars);
      } else {
        tr.CopySource(seg.size());
      }
      std::free(mapped);
      i = j;
    }
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
  RemoveChars(ns, [](char32_t c) { return c >= 0x300 && unicode::IsNonspacingMark(c); });
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
