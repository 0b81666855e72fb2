#include "tokenizer/pattern.h"

#include "tokenizer/unicode_props.h"

#include <algorithm>
#include <cstdio>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace textembed::tokenizer {

Result<SplitBehavior> ParseSplitBehavior(std::string_view name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return Status::Corruption("unknown split behavior \"" + std::string(name) + "\"");
}

namespace {

void AppendRanges(std::span<const unicode::CodePointRange> ranges, std::string* out) {
  char buf[40];
  for (const unicode::CodePointRange& r : ranges) {
    if (r.lo > 0x10FFFF) continue;
    if (r.lo == r.hi) {
      std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(r.lo));
    } else {
      std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", static_cast<unsigned>(r.lo), static_cast<unsigned>(r.hi));
    }
    *out += buf;
  }
}

// Everything outside `ranges` (surrogates excluded), for negated escapes
// inside a class.
void AppendComplement(std::span<const unicode::CodePointRange> ranges, std::string* out) {
  std::vector<unicode::CodePointRange> gaps;
  char32_t next = 0;
  auto add = [&](char32_t lo, char32_t hi) {
    // PCRE2 rejects surrogates in UTF mode.
    if (lo <= 0xDFFF && hi >= 0xD800) {
      if (lo < 0xD800) gaps.push_back({lo, 0xD7FF});
      if (hi > 0xDFFF) gaps.push_back({0xE000, hi});
      return;
    }
    gaps.push_back({lo, hi});
  };
  for (const unicode::CodePointRange& r : ranges) {
    if (r.lo > 0x10FFFF) break;
    if (r.lo > next) add(next, r.lo - 1);
    next = r.hi + 1;
  }
  if (next <= 0x10FFFF) add(next, 0x10FFFF);
  AppendRanges(gaps, out);
}

// HF compiles patterns with Oniguruma (Unicode 16 tables in tokenizers 0.23);
// PCRE2 here has older tables and other definitions: onig's \w also covers
// marks, Nl and Other_Alphabetic symbols, its \s is White_Space (PCRE2's \s
// takes U+180E), its \d and \p{..} know chars assigned since PCRE2's Unicode
// version. Each such escape is spelled out with the tables read from HF
// (hf_regex_tables.inc).
std::string TranslateToPcre2(std::string_view pattern) {
  using unicode::CodePointRange;
  const auto s_table = *unicode::OnigClassTable("s");
  const auto d_table = *unicode::OnigClassTable("d");
  const auto w_extra = *unicode::OnigClassTable("w");
  constexpr std::string_view kWordBase = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
  std::string out;
  bool in_class = false;
  // Writes a class body, bracketed (and negated) outside a class.
  auto write_class = [&](bool negated, auto&& body) {
    if (!in_class) out += negated ? "[^" : "[";
    body();
    if (!in_class) out += ']';
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[i + 1];
      const bool negated = next == 'S' || next == 'D' || next == 'W' || next == 'P';
      if (next == 's' || next == 'S' || next == 'd' || next == 'D') {
        const auto table = (next == 's' || next == 'S') ? s_table : d_table;
        if (negated && in_class) {
          AppendComplement(table, &out);
        } else {
          write_class(negated, [&] { AppendRanges(table, &out); });
        }
        ++i;
        continue;
      }
      if ((next == 'w' || next == 'W') && !(negated && in_class)) {
        write_class(negated, [&] {
          out += kWordBase;
          AppendRanges(w_extra, &out);
        });
        ++i;
        continue;
      }
      if ((next == 'p' || next == 'P') && !(negated && in_class) && i + 2 < pattern.size()) {
        // \p{Name} or the one-letter form \pL.
        std::string_view name;
        size_t consumed = 0;
        if (pattern[i + 2] == '{') {
          const size_t close = pattern.find('}', i + 3);
          if (close != std::string_view::npos) {
            name = pattern.substr(i + 3, close - (i + 3));
            consumed = close - i;
          }
        } else {
          name = pattern.substr(i + 2, 1);
          consumed = 2;
        }
        const auto extra = name.empty() || name == "s" || name == "d" || name == "w"
                               ? std::nullopt : unicode::OnigClassTable(name);
        if (extra) {
          write_class(negated, [&] {
            out += "\\p{";
            out += name;
            out += '}';
            AppendRanges(*extra, &out);
          });
          i += consumed;
          continue;
        }
      }
      out += c;
      out += next;
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Regex>> Regex::Compile(std::string_view original) {
  const std::string translated = TranslateToPcre2(original);
  const std::string_view pattern = translated;
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error,
                                   &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return Status::Corruption("bad regex \"" + std::string(original) + "\" (offset " +
                              std::to_string(error_offset) + " of its PCRE2 translation): " +
                              reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; failure is fine
  std::unique_ptr<Regex> regex(new Regex());
  regex->code_ = code;
  return regex;
}

Result<std::unique_ptr<Regex>> Regex::Literal(std::string_view literal) {
  std::unique_ptr<Regex> regex(new Regex());
  regex->literal_ = std::string(literal);
  regex->is_literal_ = true;
  return regex;
}

Regex::~Regex() {
  if (code_ != nullptr) pcre2_code_free(static_cast<pcre2_code*>(code_));
}

Status Regex::FindMatches(std::string_view text, std::vector<Span>* out) const {
  out->clear();
  const uint32_t n = static_cast<uint32_t>(text.size());
  if (text.empty()) {
    out->push_back({0, 0, false});
    return Status::Ok();
  }
  uint32_t prev = 0;
  auto push_match = [&](uint32_t b, uint32_t e) {
    if (prev != b) out->push_back({prev, b, false});
    out->push_back({b, e, true});
    prev = e;
  };
  if (is_literal_) {
    if (!literal_.empty()) {
      size_t pos = 0;
      while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
        push_match(static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + literal_.size()));
        pos += literal_.size();
      }
    }
  } else {
    auto* code = static_cast<pcre2_code*>(code_);
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
    if (md == nullptr) return Status::ResourceExhausted("pcre2 match data");
    size_t start = 0;
    bool have_prev_end = false;
    size_t prev_end = 0;
    while (start <= text.size()) {
      const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                                 start, 0, md, nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) {
        pcre2_match_data_free(md);
        return Status::Internal("regex match failed with code " + std::to_string(rc));
      }
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      const size_t b = ov[0], e = ov[1];
      if (b == e) {
        // An empty match right where the previous one ended is skipped, and the
        // search moves one char forward (as onig's find_iter does).
        if (!(have_prev_end && prev_end == b)) push_match(static_cast<uint32_t>(b), static_cast<uint32_t>(e));
        if (b >= text.size()) break;
        start = b + utf8::DecodeAt(text, b).length;
      } else {
        push_match(static_cast<uint32_t>(b), static_cast<uint32_t>(e));
        start = e;
      }
      have_prev_end = true;
      prev_end = e;
    }
    pcre2_match_data_free(md);
  }
  if (prev != n) out->push_back({prev, n, false});
  return Status::Ok();
}

Result<std::unique_ptr<Regex>> RegexFromPatternNode(const nlohmann::json& node) {
  if (node.is_object()) {
    if (auto it = node.find("String"); it != node.end() && it->is_string())
      return Regex::Literal(it->get<std::string>());
    if (auto it = node.find("Regex"); it != node.end() && it->is_string())
      return Regex::Compile(it->get<std::string>());
  }
  if (node.is_string()) return Regex::Literal(node.get<std::string>());
  return Status::Corruption("pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

void ApplyBehavior(const std::vector<Span>& spans, SplitBehavior behavior,
                   std::vector<Span>* pieces) {
  pieces->clear();
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Span& s : spans) pieces->push_back({s.begin, s.end, false});
      break;
    case SplitBehavior::kRemoved:
      for (const Span& s : spans)
        if (!s.is_match) pieces->push_back({s.begin, s.end, false});
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Span& s : spans) {
        if (s.is_match == previous_match && !pieces->empty()) {
          pieces->back().end = s.end;
        } else {
          pieces->push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Span& s : spans) {
        if (s.is_match && !previous_match && !pieces->empty()) {
          pieces->back().end = s.end;
        } else {
          pieces->push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (size_t k = spans.size(); k-- > 0;) {
        const Span& s = spans[k];
        if (s.is_match && !previous_match && !pieces->empty()) {
          pieces->back().begin = s.begin;
        } else {
          pieces->push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      std::reverse(pieces->begin(), pieces->end());
      break;
    }
  }
}

}  // namespace textembed::tokenizer
