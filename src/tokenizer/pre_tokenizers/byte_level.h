// GPT-2 byte-level helpers shared by the ByteLevel pre-tokenizer and the
// ByteLevel / Roberta post-processors.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/normalized_string.h"
#include "tokenizer/pattern.h"

namespace textembed::tokenizer::byte_level {

// The printable char GPT-2 uses for byte `b` (' ' → 'Ġ' U+0120, ...).
char32_t ByteToChar(uint8_t b);

// Emits every byte of `text` as its GPT-2 char; the first char of each
// multi-byte char replaces it and the others are inserted (HF byte_level.rs).
void EmitBytesAsChars(std::string_view text, Transformer& tr);

// Splits `text` like the GPT-2 regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (hand-written, linear time). Appends spans covering the whole text.
void SplitGpt2(std::string_view text, std::vector<Span>* out);

}  // namespace textembed::tokenizer::byte_level
