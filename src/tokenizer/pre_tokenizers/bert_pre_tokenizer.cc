// BertPreTokenizer: drop whitespace, isolate each punctuation char
// (HF pre_tokenizers/bert.rs), done in one pass.
#include <nlohmann/json.hpp>

#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8_fast.h"

namespace textembed::tokenizer {
namespace {

class BertPreTokenizer final : public PreTokenizer {
 public:
  Status PreTokenize(PreTokenized* pt) const override {
    return pt->Refine([&](const Piece& p, std::vector<Piece>* out) {
      const std::string_view s = pt->View(p);
      const uint32_t n = static_cast<uint32_t>(s.size());
      uint32_t word = 0;  // start of the current word
      uint32_t i = 0;
      while (i < n) {
        const utf8::Decoded d = DecodeCharAt(s, i);
        const char32_t c = d.code_point;
        const uint32_t len = d.length;
        const bool space = unicode::IsWhitespace(c);
        if (space || unicode::IsBertPunctuation(c)) {
          if (word < i) out->push_back(pt->Slice(p, word, i));
          if (!space) out->push_back(pt->Slice(p, i, i + len));
          word = i + len;
        }
        i += len;
      }
      if (word < n) out->push_back(pt->Slice(p, word, n));
      return Status::Ok();
    });
  }
};

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakeBertPreTokenizer(const nlohmann::json& node) {
  if (TypeOf(node) != "BertPreTokenizer") return std::unique_ptr<PreTokenizer>();
  return std::unique_ptr<PreTokenizer>(std::make_unique<BertPreTokenizer>());
}

}  // namespace textembed::tokenizer
