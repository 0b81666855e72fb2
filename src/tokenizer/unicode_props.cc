#include "tokenizer/unicode_props.h"

#include <utf8proc.h>

namespace textembed::tokenizer::unicode {

// hf_unicode_tables.cc: chars HF's newer tables (Unicode 16) put in onig's
// \w / \p{N} / \p{L} that utf8proc's do not, and Rust's char::is_numeric
// as HF's build has it (the whole set).
bool IsOnigExtraWordChar(char32_t c);
bool IsOnigExtraNumber(char32_t c);
bool IsOnigExtraLetter(char32_t c);
bool IsRustNumericTable(char32_t c);

namespace {

utf8proc_category_t Category(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

}  // namespace

bool IsLetter(char32_t c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  const auto cat = Category(c);
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) || IsOnigExtraLetter(c);
}

bool IsNumber(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  const auto cat = Category(c);
  return (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) || IsOnigExtraNumber(c);
}

bool IsNumeric(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return IsRustNumericTable(c);
}

bool IsPunctuation(char32_t c) {
  const auto cat = Category(c);
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool IsControlFormatOrPrivateUse(char32_t c) {
  const auto cat = Category(c);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CO;
}

bool IsNonspacingMark(char32_t c) { return Category(c) == UTF8PROC_CATEGORY_MN; }

bool IsMarkNewerThanUtf8proc(char32_t c) {
  // Onig's \w (HF's Unicode 16) holds letters, marks, digits and connector
  // punctuation: what it adds beyond utf8proc's tables, less the added letters
  // and numbers, are the newly assigned marks (and a few connectors).
  return Category(c) == UTF8PROC_CATEGORY_CN && IsOnigExtraWordChar(c) && !IsOnigExtraLetter(c) &&
         !IsOnigExtraNumber(c);
}

bool IsMark(char32_t c) {
  const auto cat = Category(c);
  return cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
}

namespace {
// Alphabetic symbols (Other_Alphabetic in category So): circled and squared letters.
bool IsAlphabeticSymbol(char32_t c) {
  return (c >= 0x24B6 && c <= 0x24E9) || (c >= 0x1F130 && c <= 0x1F149) ||
         (c >= 0x1F150 && c <= 0x1F169) || (c >= 0x1F170 && c <= 0x1F189);
}
// Other_Alphabetic marks are Mn/Mc; Alphabetic = L + Nl + Other_Alphabetic.
bool IsAlphabetic(char32_t c) {
  const auto cat = Category(c);
  if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) return true;
  if (cat == UTF8PROC_CATEGORY_NL) return true;
  return IsAlphabeticSymbol(c);
}
}  // namespace

bool IsAlphanumeric(char32_t c) {
  if (c < 0x80) return IsLetter(c) || (c >= '0' && c <= '9');
  return IsAlphabetic(c) || IsNumeric(c);
}

bool IsWordChar(char32_t c) {
  if (c < 0x80) return IsLetter(c) || (c >= '0' && c <= '9') || c == '_';
  const auto cat = Category(c);
  if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) return true;  // L*, M*
  if (cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_PC)
    return true;
  if (c == 0x200C || c == 0x200D || IsAlphabeticSymbol(c)) return true;
  // Letters, marks and digits assigned after utf8proc's Unicode 15 (HF is
  // built with Unicode 16 tables): the onig \w extras utf8proc does not know.
  return cat == UTF8PROC_CATEGORY_CN && IsOnigExtraWordChar(c);
}


}  // namespace textembed::tokenizer::unicode
