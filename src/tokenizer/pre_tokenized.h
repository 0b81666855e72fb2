// The text between normalization and the model: a list of pieces, each a
// range of one shared arena of normalized bytes + alignments. Splitting makes
// sub-ranges (no copies); a transformation appends the new content to the
// arena. Pieces holding an added token are final: later stages skip them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalized_string.h"
#include "tokenizer/pattern.h"

namespace textembed::tokenizer {

struct Piece {
  uint32_t begin;     // arena byte range
  uint32_t end;
  uint32_t shift;     // original offset of the piece's start (HF original_shift)
  int32_t added_id;   // >= 0: an added token, matched whole
};

class PreTokenized {
 public:
  std::string_view View(const Piece& p) const {
    return std::string_view(text_).substr(p.begin, p.end - p.begin);
  }
  const Offset* Align(const Piece& p) const { return align_.data() + p.begin; }

  // Appends all of `ns` as a new piece, taking its buffers when the arena is empty.
  void Adopt(NormalizedString&& ns);
  // Appends bytes [b, e) of `ns` as a new piece.
  void Add(const NormalizedString& ns, uint32_t b, uint32_t e, int32_t added_id);

  // Sub-piece [b, e) of `p` (bytes relative to the piece).
  Piece Slice(const Piece& p, uint32_t b, uint32_t e) const {
    const uint32_t shift = b < e ? align_[p.begin + b].begin : p.shift + b;
    return Piece{p.begin + b, p.begin + e, shift, -1};
  }

  // Replaces the content of `p` by what `fn(Transformer&)` emits.
  template <typename Fn>
  Piece Transform(const Piece& p, Fn&& fn) {
    scratch_text_.clear();
    scratch_align_.clear();
    Transformer t(View(p), Align(p), p.shift, &scratch_text_, &scratch_align_);
    fn(t);
    Piece out{static_cast<uint32_t>(text_.size()), 0, p.shift, -1};
    text_.append(scratch_text_);
    align_.insert(align_.end(), scratch_align_.begin(), scratch_align_.end());
    out.end = static_cast<uint32_t>(text_.size());
    return out;
  }

  // Runs `fn(piece, &out)` on every piece not holding an added token; `fn`
  // appends the pieces replacing it. Empty pieces are dropped.
  template <typename Fn>
  Status Refine(Fn&& fn) {
    std::vector<Piece> next;
    next.reserve(pieces_.size() * 2);
    for (size_t k = 0; k < pieces_.size(); ++k) {
      const Piece p = pieces_[k];
      if (p.added_id >= 0) {
        next.push_back(p);
        continue;
      }
      const size_t first = next.size();
      TEXTEMBED_RETURN_IF_ERROR(fn(p, &next));
      size_t w = first;
      for (size_t r = first; r < next.size(); ++r)
        if (next[r].added_id >= 0 || next[r].end > next[r].begin) next[w++] = next[r];
      next.resize(w);
    }
    pieces_.swap(next);
    return Status::Ok();
  }

  // Splits `p` along `spans` (relative to p) with `behavior`, into `out`.
  void SplitBySpans(const Piece& p, const std::vector<Span>& spans, SplitBehavior behavior,
                    std::vector<Piece>* out);

  const std::vector<Piece>& pieces() const { return pieces_; }
  void Clear() {
    text_.clear();
    align_.clear();
    pieces_.clear();
  }
  void Reserve(size_t bytes) {
    text_.reserve(bytes);
    align_.reserve(bytes);
  }

 private:
  std::string text_;
  std::vector<Offset> align_;
  std::vector<Piece> pieces_;
  std::string scratch_text_;
  std::vector<Offset> scratch_align_;
  std::vector<Span> scratch_spans_;
};

}  // namespace textembed::tokenizer
