// UnicodeScripts (a cut wherever the Unicode script changes) and FixedLength
// (pieces of N chars), as HF pre_tokenizers/unicode_scripts and fixed_length.
#include <algorithm>
#include <iterator>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/utf8_fast.h"

namespace textembed::tokenizer {
namespace {

struct ScriptRun {
  char32_t first;
  uint16_t script;
};

#include "tokenizer/hf_scripts_table.inc"

uint16_t ScriptIndex(std::string_view name) {
  for (size_t i = 0; i < std::size(kScriptNames); ++i)
    if (kScriptNames[i] == name) return static_cast<uint16_t>(i);
  return 0;
}

// HF fixed_script: ' ' and chars HF's table does not know are "Any" (never a
// cut); Hiragana, Katakana and U+30FC count as Han.
class ScriptOf {
 public:
  ScriptOf() : any_(ScriptIndex("Any")), han_(ScriptIndex("Han")), hiragana_(ScriptIndex("Hiragana")),
               katakana_(ScriptIndex("Katakana")) {}
  uint16_t operator()(char32_t c) const {
    if (c == ' ') return any_;
    if (c == 0x30FC) return han_;
    const auto it = std::upper_bound(std::begin(kScriptRuns), std::end(kScriptRuns), c,
                                     [](char32_t v, const ScriptRun& r) { return v < r.first; });
    const uint16_t s = it == std::begin(kScriptRuns) ? any_ : std::prev(it)->script;
    return (s == hiragana_ || s == katakana_) ? han_ : s;
  }
  uint16_t any() const { return any_; }

 private:
  uint16_t any_, han_, hiragana_, katakana_;
};

class UnicodeScriptsPreTokenizer final : public PreTokenizer {
 public:
  Status PreTokenize(PreTokenized* pt) const override {
    return pt->Refine([&](const Piece& p, std::vector<Piece>* out) {
      const std::string_view s = pt->View(p);
      const uint32_t n = static_cast<uint32_t>(s.size());
      // HF's cut list: a cut before every char whose script differs from the
      // last non-Any script; the text up to the first cut (leading Any chars)
      // is dropped, as HF's windows over the cuts do.
      int32_t last = -1;
      int64_t cut = -1;
      for (uint32_t i = 0; i < n;) {
        const utf8::Decoded d = DecodeCharAt(s, i);
        const uint16_t script = script_of_(d.code_point);
        if (script != script_of_.any()) {
          if (last != script) {
            if (cut >= 0) out->push_back(pt->Slice(p, static_cast<uint32_t>(cut), i));
            cut = i;
          }
          last = script;
        }
        i += d.length;
      }
      if (cut >= 0) out->push_back(pt->Slice(p, static_cast<uint32_t>(cut), n));
      return Status::Ok();
    });
  }

 private:
  ScriptOf script_of_;
};

class FixedLengthPreTokenizer final : public PreTokenizer {
 public:
  explicit FixedLengthPreTokenizer(size_t length) : length_(length) {}
  Status PreTokenize(PreTokenized* pt) const override {
    return pt->Refine([&](const Piece& p, std::vector<Piece>* out) {
      const std::string_view s = pt->View(p);
      const uint32_t n = static_cast<uint32_t>(s.size());
      uint32_t start = 0, i = 0;
      size_t chars = 0;
      while (i < n) {
        i += DecodeCharAt(s, i).length;
        if (++chars == length_) {
          out->push_back(pt->Slice(p, start, i));
          start = i;
          chars = 0;
        }
      }
      if (start < n) out->push_back(pt->Slice(p, start, n));
      return Status::Ok();
    });
  }

 private:
  size_t length_;
};

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakeScriptOrLengthPreTokenizer(const nlohmann::json& node) {
  const std::string type = TypeOf(node);
  if (type == "UnicodeScripts")
    return std::unique_ptr<PreTokenizer>(std::make_unique<UnicodeScriptsPreTokenizer>());
  if (type == "FixedLength") {
    TEXTEMBED_ASSIGN_OR_RETURN(size_t length, Field<size_t>(node, "length", 5));
    if (length == 0) return Status::Corruption("FixedLength pre_tokenizer: length must be at least 1");
    return std::unique_ptr<PreTokenizer>(std::make_unique<FixedLengthPreTokenizer>(length));
  }
  return std::unique_ptr<PreTokenizer>();
}

}  // namespace textembed::tokenizer
