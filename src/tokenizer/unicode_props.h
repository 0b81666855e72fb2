// Character classes with the exact definitions the Hugging Face tokenizers
// (Rust) use, so that splitting decisions match theirs character for character.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace textembed::tokenizer::unicode {

// Rust char::is_whitespace: the Unicode White_Space property (also regex \s).
inline bool IsWhitespace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// \p{L} and \p{N} as HF's Oniguruma matches them (Unicode 16 tables in
// tokenizers 0.23.2): the ByteLevel pre-tokenizer's GPT-2 regex.
bool IsLetter(char32_t c);
bool IsNumber(char32_t c);
// Rust char::is_numeric (Nd Nl No) of the Rust toolchain that built HF's
// binding: Unicode 17 in 0.23.2, one version past Oniguruma's, so Tolong Siki
// digits (U+11DE0..) are numeric here and not in IsNumber. The Digits
// pre-tokenizer. A full table read back from HF (gen_hf_unicode_tables.js).
bool IsNumeric(char32_t c);
bool IsPunctuation(char32_t c);      // \p{P}
bool IsControlFormatOrPrivateUse(char32_t c);  // Cc Cf Co
bool IsNonspacingMark(char32_t c);   // \p{Mn}
bool IsMark(char32_t c);             // \p{M}
// Marks assigned after utf8proc's Unicode version (15) that HF's tables
// (Unicode 16) know: they extend a grapheme cluster there.
bool IsMarkNewerThanUtf8proc(char32_t c);
bool IsAlphanumeric(char32_t c);     // Rust char::is_alphanumeric
bool IsWordChar(char32_t c);         // Rust regex \w, Unicode 16 (Whitespace, single_word)

inline bool IsAsciiPunctuation(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}
// Classes HF decides with its own, older Unicode tables (not Rust's std nor
// onig): generated from HF itself into hf_unicode_tables.inc.
//   BertPreTokenizer / Punctuation: is_ascii_punctuation or unicode_categories'
//   is_punctuation (Unicode 8.0: U+061D, assigned in 14.0, is not punctuation).
bool IsHfBertPunctuationTable(char32_t c);
inline bool IsBertPunctuation(char32_t c) {
  return c < 0x80 ? IsAsciiPunctuation(c) : IsHfBertPunctuationTable(c);
}
//   BertNormalizer clean_text: NUL, U+FFFD and Cc/Cf/Co of Unicode 8.0.
bool IsBertCleanTextRemoved(char32_t c);
//   BertNormalizer strip_accents (after NFD): Mn of Unicode 8.0.
bool IsBertNonspacingMark(char32_t c);
//   StripAccents normalizer: unicode-normalization's is_combining_mark (Unicode 9.0).
bool IsHfCombiningMark(char32_t c);
//   NFD / NFKD: chars HF's (Unicode 9.0) tables do not decompose although
//   newer Unicode does (U+32FF under NFKD, ...).
bool HfLacksDecomposition(char32_t c, bool compatibility);

// Inclusive code point range of the generated tables.
struct CodePointRange {
  char32_t lo, hi;
};
// Oniguruma's view of a regex class as HF uses it (hf_regex_tables.inc):
// "s", "d" give the whole set; "w" and the general categories ("L", "Lu",
// ..., "Z") the chars onig matches beyond PCRE2's Unicode 14 class.
// nullopt for other names.
std::optional<std::span<const CodePointRange>> OnigClassTable(std::string_view name);

// BertNormalizer's CJK ranges (the ones Google's BERT treats as words of their own).
inline bool IsChineseChar(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Rust char::to_lowercase (full mapping, the Unicode 16 of HF's build: a
// table generated from HF). Writes up to 3 code points to `out` and returns
// how many.
int ToLowercase(char32_t c, char32_t out[3]);

}  // namespace textembed::tokenizer::unicode
