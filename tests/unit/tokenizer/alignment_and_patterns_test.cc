// Building blocks: alignment bookkeeping (HF NormalizedString rules), split
// behaviors (the examples of HF's SplitDelimiterBehavior docs) and the
// hand-written GPT-2 splitter.
#include <gtest/gtest.h>

#include "tokenizer/normalized_string.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/byte_level.h"

namespace textembed::tokenizer {
namespace {

TEST(NormalizedString, InvalidBytesBecomeReplacementCharsAlignedToThem) {
  const NormalizedString ns = NormalizedString::FromInput("a\xFF\xE2\x82z");
  EXPECT_EQ(ns.text, "a\xEF\xBF\xBD\xEF\xBF\xBDz");
  ASSERT_EQ(ns.align.size(), 8u);
  EXPECT_EQ(ns.align[0], (Offset{0, 1}));
  EXPECT_EQ(ns.align[1], (Offset{1, 2}));
  EXPECT_EQ(ns.align[3], (Offset{1, 2}));
  EXPECT_EQ(ns.align[4], (Offset{2, 4}));  // maximal invalid subpart E2 82
  EXPECT_EQ(ns.align[7], (Offset{4, 5}));
}

TEST(NormalizedString, TransformFollowsHfChangeRules) {
  NormalizedString ns = NormalizedString::FromInput("ab\xC3\xA9" "c");  // a b é c
  ns.shift = 0;
  TransformInPlace(&ns, [](Transformer& t) {
    t.Emit('X', 1);   // inserted at the start: empty range at the shift
    t.Emit('A', 0);   // replaces 'a'
    t.Emit('e', -1);  // replaces 'b' and removes 'é'
    t.Emit('+', 1);   // inserted after 'é': takes the range of the byte before
    t.CopySource(1);  // 'c'
  });
  EXPECT_EQ(ns.text, "XAe+c");
  EXPECT_EQ(ns.align[0], (Offset{0, 0}));
  EXPECT_EQ(ns.align[1], (Offset{0, 1}));
  EXPECT_EQ(ns.align[2], (Offset{1, 2}));
  EXPECT_EQ(ns.align[3], (Offset{2, 4}));
  EXPECT_EQ(ns.align[4], (Offset{4, 5}));
  EXPECT_EQ(OriginalRange(ns.align.data(), 0, 1, 4), (Offset{0, 4}));
  EXPECT_EQ(OriginalRange(ns.align.data(), 0, 2, 2), (Offset{2, 2}));
}

std::vector<std::string> SplitDashes(SplitBehavior behavior) {
  const std::string text = "the-final--countdown";
  std::vector<Span> spans, pieces;
  FindCharMatches(text, [](char32_t c) { return c == '-'; }, &spans);
  ApplyBehavior(spans, behavior, &pieces);
  std::vector<std::string> out;
  for (const Span& p : pieces)
    if (p.end > p.begin) out.push_back(text.substr(p.begin, p.end - p.begin));
  return out;
}

TEST(SplitBehavior, MatchesHfDocumentation) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitDashes(SplitBehavior::kRemoved), (V{"the", "final", "countdown"}));
  EXPECT_EQ(SplitDashes(SplitBehavior::kIsolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(SplitDashes(SplitBehavior::kMergedWithPrevious), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(SplitDashes(SplitBehavior::kMergedWithNext), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(SplitDashes(SplitBehavior::kContiguous), (V{"the", "-", "final", "--", "countdown"}));
}

TEST(Regex, LiteralAndRegexSpansCoverTheText) {
  auto literal = Regex::Literal("ab");
  ASSERT_TRUE(literal.ok());
  std::vector<Span> spans;
  ASSERT_TRUE((*literal)->FindMatches("xabab", &spans).ok());
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_TRUE(spans[1].is_match && spans[2].is_match && !spans[0].is_match);
  // \w covers combining marks as in Oniguruma.
  auto word = Regex::Compile("\\w+");
  ASSERT_TRUE(word.ok());
  ASSERT_TRUE((*word)->FindMatches("e\xCC\x81 x", &spans).ok());
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].end, 3u);
  EXPECT_FALSE(Regex::Compile("(").ok());
}

std::vector<std::string> Gpt2(std::string_view text) {
  std::vector<Span> spans;
  byte_level::SplitGpt2(text, &spans);
  std::vector<std::string> out;
  for (const Span& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

TEST(Gpt2Splitter, FollowsTheRegexAlternatives) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Gpt2("Hello world's  test\n"), (V{"Hello", " world", "'s", " ", " test", "\n"}));
  EXPECT_EQ(Gpt2("I'll 42x !!'s"), (V{"I", "'ll", " 42", "x", " !!'", "s"}));
  EXPECT_EQ(Gpt2("a \n\tb  "), (V{"a", " \n", "\t", "b", "  "}));
  EXPECT_EQ(Gpt2("\xE4\xBD\xA0\xE5\xA5\xBD \xC3\xA9t\xC3\xA9"), (V{"\xE4\xBD\xA0\xE5\xA5\xBD", " \xC3\xA9t\xC3\xA9"}));
  EXPECT_EQ(byte_level::ByteToChar(' '), char32_t{0x120});
  EXPECT_EQ(byte_level::ByteToChar('a'), char32_t{'a'});
  EXPECT_EQ(byte_level::ByteToChar(0), char32_t{0x100});
}

}  // namespace
}  // namespace textembed::tokenizer
