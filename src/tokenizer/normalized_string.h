// Normalized text that remembers, for every byte, the byte range of the
// original input it came from (the model of HF's NormalizedString), so token
// offsets stay exact through any normalization.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/tokenizer.h"

namespace textembed::tokenizer {

// One normalized text plus one alignment per byte, in ABSOLUTE coordinates of
// the original input. `shift` is the original offset where this text starts
// (HF's original_shift); characters inserted at the very start align to it.
struct NormalizedString {
  std::string text;
  std::vector<Offset> align;
  uint32_t shift = 0;

  // Builds from the raw input: invalid UTF-8 subparts become U+FFFD aligned to
  // the bytes they replace.
  static NormalizedString FromInput(std::string_view input);
};

// Rebuilds a text from a sequence of (char, change) edits with HF's
// transform_range rules:
//   change == 0: the char replaces the next source char (takes its alignment);
//   change  < 0: as 0, then the next -change source chars are removed;
//   change  > 0: the char is inserted (takes the alignment of the byte before
//                the current source position, or {shift, shift} at the start).
// Skip(n) removes source chars before anything is emitted (initial_offset).
class Transformer {
 public:
  Transformer(std::string_view src, const Offset* src_align, uint32_t shift, std::string* out,
              std::vector<Offset>* out_align)
      : src_(src), src_align_(src_align), shift_(shift), out_(out), out_align_(out_align) {}

  void Skip(size_t chars);
  void Emit(char32_t c, int change);
  // Copies `bytes` source bytes unchanged (whole chars), alignments included.
  void CopySource(size_t bytes);
  // Writes `prefix` + the whole source with HF's prepend rules: the first char
  // of `prefix` takes over the first source char's alignment, and the rest of
  // `prefix` and that first source char count as inserted. Call on a fresh
  // Transformer over a non-empty source.
  void PrependToSource(std::u32string_view prefix);
  size_t source_pos() const { return pos_; }

 private:
  void SkipChars(size_t chars);

  std::string_view src_;
  const Offset* src_align_;
  uint32_t shift_;
  std::string* out_;
  std::vector<Offset>* out_align_;
  size_t pos_ = 0;
};

// Applies a transformation written as a function of a Transformer to `ns`.
template <typename Fn>
void TransformInPlace(NormalizedString* ns, Fn&& fn) {
  std::string text;
  std::vector<Offset> align;
  text.reserve(ns->text.size() + 8);
  align.reserve(ns->text.size() + 8);
  Transformer t(ns->text, ns->align.data(), ns->shift, &text, &align);
  fn(t);
  ns->text = std::move(text);
  ns->align = std::move(align);
}

// Byte range of the original input covered by normalized bytes [begin, end)
// of a text whose alignments are `align` (HF convert_offsets).
inline Offset OriginalRange(const Offset* align, uint32_t shift, uint32_t begin, uint32_t end) {
  if (begin >= end) return {shift + begin, shift + begin};
  return {align[begin].begin, align[end - 1].end};
}

}  // namespace textembed::tokenizer
