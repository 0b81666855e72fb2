// UTF-8 decoding shared by every layer that walks text.
//
// Invalid input policy (documented in docs/ARCHITECTURE.md): a byte sequence that
// is not well-formed UTF-8 (overlong forms, surrogates, > U+10FFFF, truncated
// sequences, stray continuation bytes) decodes as U+FFFD covering exactly the
// maximal invalid subpart, as the Unicode standard recommends (and as Python's
// errors="replace" and Rust's from_utf8_lossy do). Offsets stay byte ranges of
// the original input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace textembed::utf8 {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct Decoded {
  char32_t code_point;  // kReplacementChar for an invalid sequence
  uint32_t length;      // bytes consumed, >= 1
};

// Decodes the code point starting at text[pos]; pos < text.size().
Decoded DecodeAt(std::string_view text, size_t pos);

// Appends the UTF-8 encoding of `cp` (must be a valid scalar value).
void Append(std::string* out, char32_t cp);

// Number of bytes `cp` takes in UTF-8.
inline uint32_t EncodedLength(char32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

bool IsValid(std::string_view text);

// Returns `text` with every invalid sequence replaced by U+FFFD.
std::string Sanitize(std::string_view text);

}  // namespace textembed::utf8
