// Pre-tokenizers that only cut text: Split (string/regex pattern),
// Whitespace, WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit
// (HF pre_tokenizers/{split,whitespace,punctuation,digits,delimiter}.rs).
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8_fast.h"

namespace textembed::tokenizer {
namespace {

// Splits on chars selected by `pred` with a fixed behavior.
template <typename Pred>
class CharSplitPreTokenizer final : public PreTokenizer {
 public:
  CharSplitPreTokenizer(Pred pred, SplitBehavior behavior) : pred_(pred), behavior_(behavior) {}
  Status PreTokenize(PreTokenized* pt) const override {
    std::vector<Span> spans;
    return pt->Refine([&](const Piece& p, std::vector<Piece>* out) {
      FindCharMatches(pt->View(p), pred_, &spans);
      pt->SplitBySpans(p, spans, behavior_, out);
      return Status::Ok();
    });
  }

 private:
  Pred pred_;
  SplitBehavior behavior_;
};

template <typename Pred>
std::unique_ptr<PreTokenizer> MakeCharSplit(Pred pred, SplitBehavior behavior) {
  return std::make_unique<CharSplitPreTokenizer<Pred>>(pred, behavior);
}

// Whitespace: keeps the matches of \w+|[^\w\s]+ and drops the rest.
class WhitespacePreTokenizer final : public PreTokenizer {
 public:
  Status PreTokenize(PreTokenized* pt) const override {
    enum class Run { kNone, kWord, kOther, kSpace };
    return pt->Refine([&](const Piece& p, std::vector<Piece>* out) {
      const std::string_view s = pt->View(p);
      const uint32_t n = static_cast<uint32_t>(s.size());
      uint32_t i = 0;
      Run run = Run::kNone;
      uint32_t run_start = 0;
      auto emit_kept_run = [&](uint32_t end) {
        if (run == Run::kWord || run == Run::kOther) out->push_back(pt->Slice(p, run_start, end));
      };
      while (i < n) {
        const utf8::Decoded d = DecodeCharAt(s, i);
        const Run cls = unicode::IsWordChar(d.code_point)     ? Run::kWord
                        : unicode::IsWhitespace(d.code_point) ? Run::kSpace
                                                              : Run::kOther;
        if (cls != run) {
          emit_kept_run(i);
          run = cls;
          run_start = i;
        }
        i += d.length;
      }
      emit_kept_run(n);
      return Status::Ok();
    });
  }
};

class RegexSplitPreTokenizer final : public PreTokenizer {
 public:
  RegexSplitPreTokenizer(std::unique_ptr<Regex> regex, SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  Status PreTokenize(PreTokenized* pt) const override {
    std::vector<Span> spans;
    return pt->Refine([&](const Piece& p, std::vector<Piece>* out) {
      TEXTEMBED_RETURN_IF_ERROR(regex_->FindMatches(pt->View(p), &spans));
      if (invert_)
        for (Span& s : spans) s.is_match = !s.is_match;
      pt->SplitBySpans(p, spans, behavior_, out);
      return Status::Ok();
    });
  }

 private:
  std::unique_ptr<Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

Result<SplitBehavior> BehaviorField(const nlohmann::json& node, const char* fallback) {
  TEXTEMBED_ASSIGN_OR_RETURN(std::string name, Field<std::string>(node, "behavior", fallback));
  return ParseSplitBehavior(name);
}

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakeSplitPreTokenizer(const nlohmann::json& node) {
  const std::string type = TypeOf(node);
  if (type == "Whitespace") return std::unique_ptr<PreTokenizer>(std::make_unique<WhitespacePreTokenizer>());
  if (type == "WhitespaceSplit")
    return MakeCharSplit([](char32_t c) { return unicode::IsWhitespace(c); }, SplitBehavior::kRemoved);
  if (type == "Punctuation") {
    TEXTEMBED_ASSIGN_OR_RETURN(SplitBehavior behavior, BehaviorField(node, "Isolated"));
    return MakeCharSplit([](char32_t c) { return unicode::IsBertPunctuation(c); }, behavior);
  }
  if (type == "Digits") {
    TEXTEMBED_ASSIGN_OR_RETURN(bool individual, Field<bool>(node, "individual_digits", false));
    // HF digits.rs: char::is_numeric (not the regex \p{N} of ByteLevel).
    return MakeCharSplit([](char32_t c) { return unicode::IsNumeric(c); },
                         individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous);
  }
  if (type == "CharDelimiterSplit") {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string delim, Field<std::string>(node, "delimiter", ""));
    if (delim.empty()) return Status::Corruption("CharDelimiterSplit without delimiter");
    const char32_t d = utf8::DecodeAt(delim, 0).code_point;
    return MakeCharSplit([d](char32_t c) { return c == d; }, SplitBehavior::kRemoved);
  }
  if (type == "Split") {
    if (!node.contains("pattern")) return Status::Corruption("Split pre-tokenizer without pattern");
    TEXTEMBED_ASSIGN_OR_RETURN(auto regex, RegexFromPatternNode(node["pattern"]));
    TEXTEMBED_ASSIGN_OR_RETURN(SplitBehavior behavior, BehaviorField(node, "Removed"));
    TEXTEMBED_ASSIGN_OR_RETURN(bool invert, Field<bool>(node, "invert", false));
    return std::unique_ptr<PreTokenizer>(
        std::make_unique<RegexSplitPreTokenizer>(std::move(regex), behavior, invert));
  }
  return std::unique_ptr<PreTokenizer>();
}

}  // namespace textembed::tokenizer
