#include "tokenizer/normalized_string.h"

#include "core/utf8.h"

namespace textembed::tokenizer {

NormalizedString NormalizedString::FromInput(std::string_view input) {
  NormalizedString ns;
  ns.text.reserve(input.size());
  ns.align.reserve(input.size());
  size_t i = 0;
  const size_t n = input.size();
  while (i < n) {
    // ASCII runs dominate real text: copy them without decoding.
    while (i < n && static_cast<unsigned char>(input[i]) < 0x80) {
      ns.text.push_back(input[i]);
      ns.align.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)});
      ++i;
    }
    if (i >= n) break;
    const utf8::Decoded d = utf8::DecodeAt(input, i);
    const Offset range{static_cast<uint32_t>(i), static_cast<uint32_t>(i + d.length)};
    if (d.code_point == utf8::kReplacementChar) {
      utf8::Append(&ns.text, utf8::kReplacementChar);
      ns.align.insert(ns.align.end(), 3, range);
    } else {
      ns.text.append(input.substr(i, d.length));
      ns.align.insert(ns.align.end(), d.length, range);
    }
    i += d.length;
  }
  return ns;
}

void Transformer::SkipChars(size_t chars) {
  for (size_t k = 0; k < chars && pos_ < src_.size(); ++k) {
    pos_ += utf8::DecodeAt(src_, pos_).length;
  }
}

void Transformer::Skip(size_t chars) { SkipChars(chars); }

void Transformer::Emit(char32_t c, int change) {
  Offset a;
  if (change > 0) {
    a = pos_ > 0 ? src_align_[pos_ - 1] : Offset{shift_, shift_};
  } else {
    if (pos_ < src_.size()) {
      a = src_align_[pos_];
      pos_ += utf8::DecodeAt(src_, pos_).length;
    } else {
      // HF would index past the end here; never reached by well-formed edits.
      a = pos_ > 0 ? src_align_[pos_ - 1] : Offset{shift_, shift_};
    }
    if (change < 0) SkipChars(static_cast<size_t>(-change));
  }
  const size_t before = out_->size();
  utf8::Append(out_, c);
  out_align_->insert(out_align_->end(), out_->size() - before, a);
}

void Transformer::PrependToSource(std::u32string_view prefix) {
  const char32_t first = utf8::DecodeAt(src_, 0).code_point;
  for (size_t k = 0; k < prefix.size(); ++k) Emit(prefix[k], k == 0 ? 0 : 1);
  Emit(first, 1);
  CopySource(src_.size() - pos_);
}

void Transformer::CopySource(size_t bytes) {
  out_->append(src_.substr(pos_, bytes));
  out_align_->insert(out_align_->end(), src_align_ + pos_, src_align_ + pos_ + bytes);
  pos_ += bytes;
}

}  // namespace textembed::tokenizer
