// Per-char decoding for the tokenizer's inner loops. utf8::DecodeAt is an
// out-of-line call, and most chars of real text are ASCII: answering those
// inline keeps the per-char pre-tokenizer loops cheap.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/utf8.h"

namespace textembed::tokenizer {

// Same result as utf8::DecodeAt(text, pos); pos < text.size().
inline utf8::Decoded DecodeCharAt(std::string_view text, size_t pos) {
  const unsigned char byte = static_cast<unsigned char>(text[pos]);
  if (byte < 0x80) return {byte, 1};
  return utf8::DecodeAt(text, pos);
}

}  // namespace textembed::tokenizer
