// Split patterns (HF tokenizers' Pattern trait): a pattern cuts a text into
// consecutive spans, each marked as a match of the pattern or not.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"
#include "tokenizer/utf8_fast.h"

namespace textembed::tokenizer {

struct Span {
  uint32_t begin;
  uint32_t end;
  bool is_match;
};

// What happens to the matched delimiters when splitting.
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

Result<SplitBehavior> ParseSplitBehavior(std::string_view name);

// A compiled PCRE2 regex (UTF + UCP), or an escaped literal string.
class Regex {
 public:
  static Result<std::unique_ptr<Regex>> Compile(std::string_view pattern);
  static Result<std::unique_ptr<Regex>> Literal(std::string_view literal);
  ~Regex();
  // Spans covering `text`; empty matches are reported like HF (onig) does.
  Status FindMatches(std::string_view text, std::vector<Span>* out) const;

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code_8
  std::string literal_;
  bool is_literal_ = false;
};

// The "pattern" node of Split and Replace: {"String": "..."} or a bare string
// (matched literally), or {"Regex": "..."}.
Result<std::unique_ptr<Regex>> RegexFromPatternNode(const nlohmann::json& node);

// Turns spans into the [begin, end) pieces to keep, following HF's
// NormalizedString::split. Empty pieces are kept here (callers drop them).
void ApplyBehavior(const std::vector<Span>& spans, SplitBehavior behavior,
                   std::vector<Span>* pieces);

// Every char for which `pred` holds is a match of its own.
template <typename Pred>
void FindCharMatches(std::string_view text, Pred pred, std::vector<Span>* out) {
  out->clear();
  if (text.empty()) {
    out->push_back({0, 0, false});
    return;
  }
  uint32_t last = 0;
  uint32_t i = 0;
  const uint32_t n = static_cast<uint32_t>(text.size());
  while (i < n) {
    const utf8::Decoded d = DecodeCharAt(text, i);
    if (pred(d.code_point)) {
      if (last < i) out->push_back({last, i, false});
      out->push_back({i, i + d.length, true});
      last = i + d.length;
    }
    i += d.length;
  }
  if (last < n) out->push_back({last, n, false});
}

}  // namespace textembed::tokenizer
