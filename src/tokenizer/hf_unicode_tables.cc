// Lookups in the tables generated from HF tokenizers (hf_unicode_tables.inc).
#include <algorithm>
#include <iterator>
#include <span>
#include <string_view>
#include <utility>

#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer::unicode {
namespace {

struct LowercaseMapping {
  char32_t c, lower0, lower1;
};

#include "tokenizer/hf_regex_tables.inc"
#include "tokenizer/hf_unicode_tables.inc"

bool InRanges(std::span<const CodePointRange> ranges, char32_t c) {
  // First range whose end is >= c.
  auto it = std::lower_bound(ranges.begin(), ranges.end(), c,
                             [](const CodePointRange& r, char32_t v) { return r.hi < v; });
  return it != ranges.end() && it->lo <= c;
}

}  // namespace

bool IsHfBertPunctuationTable(char32_t c) { return InRanges(kBertPunctuation, c); }
bool IsBertCleanTextRemoved(char32_t c) { return InRanges(kBertCleanTextRemoved, c); }
bool IsBertNonspacingMark(char32_t c) { return c >= 0x300 && InRanges(kBertNonspacingMark, c); }
bool IsHfCombiningMark(char32_t c) { return c >= 0x300 && InRanges(kCombiningMark, c); }

bool HfLacksDecomposition(char32_t c, bool compatibility) {
  return compatibility ? InRanges(kNoCompatDecomposition, c) : InRanges(kNoCanonicalDecomposition, c);
}

std::optional<std::span<const CodePointRange>> OnigClassTable(std::string_view name) {
  static constexpr std::pair<std::string_view, std::span<const CodePointRange>> kTables[] = {
      {"s", kOnig_s},        {"d", kOnig_d},        {"w", kOnigExtra_w},   {"L", kOnigExtra_L},
      {"Lu", kOnigExtra_Lu}, {"Ll", kOnigExtra_Ll}, {"Lt", kOnigExtra_Lt}, {"Lm", kOnigExtra_Lm},
      {"Lo", kOnigExtra_Lo}, {"M", kOnigExtra_M},   {"Mn", kOnigExtra_Mn}, {"Mc", kOnigExtra_Mc},
      {"N", kOnigExtra_N},   {"Nd", kOnigExtra_Nd}, {"Nl", kOnigExtra_Nl}, {"No", kOnigExtra_No},
      {"P", kOnigExtra_P},   {"S", kOnigExtra_S},   {"Z", kOnigExtra_Z},
  };
  for (const auto& [n, table] : kTables)
    if (n == name) return table;
  return std::nullopt;
}

bool IsOnigExtraWordChar(char32_t c) { return InRanges(kOnigExtra_w, c); }
bool IsOnigExtraNumber(char32_t c) { return InRanges(kOnigExtra_N, c); }
bool IsOnigExtraLetter(char32_t c) { return InRanges(kOnigExtra_L, c); }
bool IsRustNumericTable(char32_t c) { return InRanges(kRustNumeric, c); }

int ToLowercase(char32_t c, char32_t out[3]) {
  if (c < 0x80) {
    out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return 1;
  }
  const auto it = std::lower_bound(std::begin(kLowercase), std::end(kLowercase), c,
                                   [](const LowercaseMapping& m, char32_t v) { return m.c < v; });
  if (it == std::end(kLowercase) || it->c != c) {
    out[0] = c;
    return 1;
  }
  out[0] = it->lower0;
  if (it->lower1 == 0) return 1;
  out[1] = it->lower1;
  return 2;
}

}  // namespace textembed::tokenizer::unicode
