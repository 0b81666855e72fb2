// ByteLevel pre-tokenizer (HF pre_tokenizers/byte_level.rs).
#include "tokenizer/pre_tokenizers/byte_level.h"

#include <array>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8_fast.h"

namespace textembed::tokenizer {
namespace byte_level {
namespace {

std::array<char32_t, 256> BuildByteMap() {
  std::array<char32_t, 256> map{};
  std::array<bool, 256> printable{};
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) map[b] = printable[b] ? static_cast<char32_t>(b) : next++;
  return map;
}

const std::array<char32_t, 256> kByteMap = BuildByteMap();

enum Class : uint8_t { kSpace, kLetter, kNumber, kOther };

inline Class Classify(char32_t c) {
  if (unicode::IsWhitespace(c)) return kSpace;
  if (unicode::IsLetter(c)) return kLetter;
  if (unicode::IsNumber(c)) return kNumber;
  return kOther;
}

// End of the run of chars of class `cls` starting at i.
uint32_t RunEnd(std::string_view s, uint32_t i, Class cls) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  while (i < n) {
    const utf8::Decoded ch = DecodeCharAt(s, i);
    if (Classify(ch.code_point) != cls) break;
    i += ch.length;
  }
  return i;
}

// Length of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0.
uint32_t Contraction(std::string_view s, uint32_t i) {
  if (s[i] != '\'' || i + 1 >= s.size()) return 0;
  const char a = s[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < s.size()) {
    const char b = s[i + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

}  // namespace

char32_t ByteToChar(uint8_t b) { return kByteMap[b]; }

void EmitBytesAsChars(std::string_view text, Transformer& tr) {
  for (size_t i = 0; i < text.size();) {
    const uint32_t len = utf8::DecodeAt(text, i).length;
    for (uint32_t k = 0; k < len; ++k)
      tr.Emit(ByteToChar(static_cast<uint8_t>(text[i + k])), k == 0 ? 0 : 1);
    i += len;
  }
}

void SplitGpt2(std::string_view s, std::vector<Span>* out) {
  out->clear();
  const uint32_t n = static_cast<uint32_t>(s.size());
  if (n == 0) {
    out->push_back({0, 0, false});
    return;
  }
  uint32_t i = 0;
  while (i < n) {
    if (const uint32_t k = Contraction(s, i); k > 0) {
      out->push_back({i, i + k, true});
      i += k;
      continue;
    }
    const utf8::Decoded ch = DecodeCharAt(s, i);
    const Class cls = Classify(ch.code_point);
    if (ch.code_point == ' ' && i + 1 < n) {
      const Class next = Classify(DecodeCharAt(s, i + 1).code_point);
      if (next != kSpace) {
        const uint32_t end = RunEnd(s, i + 1, next);
        out->push_back({i, end, true});
        i = end;
        continue;
      }
    }
    if (cls != kSpace) {
      const uint32_t end = RunEnd(s, i, cls);
      out->push_back({i, end, true});
      i = end;
      continue;
    }
    // Whitespace: \s+(?!\S) leaves the last space to the word that follows.
    uint32_t end = i;
    uint32_t last_len = 0;
    while (end < n) {
      const utf8::Decoded c = DecodeCharAt(s, end);
      if (!unicode::IsWhitespace(c.code_point)) break;
      last_len = c.length;
      end += c.length;
    }
    if (end < n && end - last_len > i) end -= last_len;
    out->push_back({i, end, true});
    i = end;
  }
}

}  // namespace byte_level

namespace {

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}

  Status PreTokenize(PreTokenized* pt) const override {
    std::vector<Span> spans;
    std::vector<Piece> split;
    return pt->Refine([&](const Piece& input, std::vector<Piece>* out) {
      Piece p = input;
      if (add_prefix_space_ && p.end > p.begin && pt->View(p)[0] != ' ') {
        p = pt->Transform(p, [](Transformer& tr) { tr.PrependToSource(U" "); });
      }
      split.clear();
      if (use_regex_) {
        byte_level::SplitGpt2(pt->View(p), &spans);
        pt->SplitBySpans(p, spans, SplitBehavior::kIsolated, &split);
      } else {
        split.push_back(p);
      }
      for (const Piece& piece : split) {
        out->push_back(pt->Transform(piece, [&](Transformer& tr) {
          byte_level::EmitBytesAsChars(pt->View(piece), tr);
        }));
      }
      return Status::Ok();
    });
  }

 private:
  bool add_prefix_space_;
  bool use_regex_;
};

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakeByteLevelPreTokenizer(const nlohmann::json& node) {
  if (TypeOf(node) != "ByteLevel") return std::unique_ptr<PreTokenizer>();
  TEXTEMBED_ASSIGN_OR_RETURN(bool prefix, Field<bool>(node, "add_prefix_space", true));
  TEXTEMBED_ASSIGN_OR_RETURN(bool use_regex, Field<bool>(node, "use_regex", true));
  return std::unique_ptr<PreTokenizer>(std::make_unique<ByteLevelPreTokenizer>(prefix, use_regex));
}

}  // namespace textembed::tokenizer
