#include "tokenizer/pre_tokenized.h"

namespace textembed::tokenizer {

void PreTokenized::Add(const NormalizedString& ns, uint32_t b, uint32_t e, int32_t added_id) {
  const uint32_t shift = b < e ? ns.align[b].begin : ns.shift + b;
  Piece p{static_cast<uint32_t>(text_.size()), 0, shift, added_id};
  text_.append(ns.text, b, e - b);
  align_.insert(align_.end(), ns.align.begin() + b, ns.align.begin() + e);
  p.end = static_cast<uint32_t>(text_.size());
  pieces_.push_back(p);
}

void PreTokenized::Adopt(NormalizedString&& ns) {
  if (!text_.empty() || ns.text.empty()) {
    Add(ns, 0, static_cast<uint32_t>(ns.text.size()), -1);
    return;
  }
  const uint32_t shift = ns.align[0].begin;
  text_ = std::move(ns.text);
  align_ = std::move(ns.align);
  pieces_.push_back(Piece{0, static_cast<uint32_t>(text_.size()), shift, -1});
}

void PreTokenized::SplitBySpans(const Piece& p, const std::vector<Span>& spans,
                                SplitBehavior behavior, std::vector<Piece>* out) {
  ApplyBehavior(spans, behavior, &scratch_spans_);
  for (const Span& s : scratch_spans_) {
    if (s.end > s.begin) out->push_back(Slice(p, s.begin, s.end));
  }
}

}  // namespace textembed::tokenizer
