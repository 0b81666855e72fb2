// BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase,
// in that order (HF normalizers/bert.rs).
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

// HF bert.rs removes NUL, U+FFFD and the chars for which the
// `unicode_categories` crate's is_other() holds (Cc, Cf, Co of its Unicode 8.0
// tables; unassigned code points are kept and later become [UNK]). \t \n \r
// count as whitespace. The table comes from HF itself (hf_unicode_tables.inc).
class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents),
        lowercase_(lowercase) {}

  Status Normalize(NormalizedString* ns) const override {
    bool ascii = true;
    for (unsigned char b : ns->text) {
      if (b >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      NormalizeAscii(ns);
      return Status::Ok();
    }
    if (clean_text_) CleanText(ns);
    if (handle_chinese_chars_) SpaceOutChineseChars(ns);
    if (strip_accents_) {
      ApplyUnicodeNormalization(ns, UnicodeForm::kNfd);
      ApplyStripAccents(ns);
    }
    if (lowercase_) ApplyLowercase(ns);
    return Status::Ok();
  }

 private:
  // Same result as the general path for pure ASCII, compacting in place.
  void NormalizeAscii(NormalizedString* ns) const {
    std::string& t = ns->text;
    size_t w = 0;
    for (size_t r = 0; r < t.size(); ++r) {
      char c = t[r];
      const unsigned char u = static_cast<unsigned char>(c);
      if (clean_text_) {
        if (u == '\t' || u == '\n' || u == '\r') {
          c = ' ';
        } else if (u < 0x20 || u == 0x7F) {
          continue;  // control chars (and NUL) are dropped
        }
      }
      if (lowercase_ && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      t[w] = c;
      ns->align[w] = ns->align[r];
      ++w;
    }
    t.resize(w);
    ns->align.resize(w);
  }

  static void CleanText(NormalizedString* ns) {
    TransformInPlace(ns, [&](Transformer& tr) {
      const std::string& s = ns->text;
      for (size_t i = 0; i < s.size();) {
        const utf8::Decoded d = utf8::DecodeAt(s, i);
        const char32_t c = d.code_point;
        if (unicode::IsBertCleanTextRemoved(c)) {
          tr.Skip(1);
        } else if (unicode::IsWhitespace(c)) {
          tr.Emit(' ', 0);
        } else {
          tr.CopySource(d.length);
        }
        i += d.length;
      }
    });
  }

  static void SpaceOutChineseChars(NormalizedString* ns) {
    TransformInPlace(ns, [&](Transformer& tr) {
      const std::string& s = ns->text;
      for (size_t i = 0; i < s.size();) {
        const utf8::Decoded d = utf8::DecodeAt(s, i);
        if (unicode::IsChineseChar(d.code_point)) {
          tr.Emit(' ', 0);
          tr.Emit(d.code_point, 1);
          tr.Emit(' ', 1);
        } else {
          tr.CopySource(d.length);
        }
        i += d.length;
      }
    });
  }

  bool clean_text_;
  bool handle_chinese_chars_;
  bool strip_accents_;
  bool lowercase_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> MakeBertNormalizer(const nlohmann::json& node) {
  if (TypeOf(node) != "BertNormalizer") return std::unique_ptr<Normalizer>();
  TEXTEMBED_ASSIGN_OR_RETURN(bool clean_text, Field<bool>(node, "clean_text", true));
  TEXTEMBED_ASSIGN_OR_RETURN(bool chinese, Field<bool>(node, "handle_chinese_chars", true));
  TEXTEMBED_ASSIGN_OR_RETURN(bool lowercase, Field<bool>(node, "lowercase", true));
  // strip_accents: null means "follow lowercase".
  TEXTEMBED_ASSIGN_OR_RETURN(bool strip_accents, Field<bool>(node, "strip_accents", lowercase));
  return std::unique_ptr<Normalizer>(
      std::make_unique<BertNormalizer>(clean_text, chinese, strip_accents, lowercase));
}

}  // namespace textembed::tokenizer
