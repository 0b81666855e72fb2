// Windows of a text: what the model sees under each long-text mode, checked
// against the tokenizer's own encoding of the same text.
#include "service/text_windows.h"

#include <gtest/gtest.h>

#include "test_data.h"

namespace textembed::service {
namespace {

class TextWindowsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Tokenizer::Load(testing::SharedDir() / "models/bert-tiny-random");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    tokenizer_ = new Tokenizer(std::move(loaded).value());
  }
  static void TearDownTestSuite() { delete tokenizer_; }

  static SpecialTokenLayout Layout() {
    auto layout = SpecialTokenLayout::Detect(*tokenizer_);
    EXPECT_TRUE(layout.ok()) << layout.status().ToString();
    return layout.ok() ? *layout : SpecialTokenLayout{};
  }
  static Encoding Full(std::string_view text) {
    EncodeOptions options;
    options.max_length = 0;
    return tokenizer_->Encode(text, options).value();
  }

  static Tokenizer* tokenizer_;
  const std::string long_text_ =
      "The quick brown fox jumps over the lazy dog while the band plays on and the crowd keeps "
      "cheering for another song that nobody remembers the name of anymore.";
};
Tokenizer* TextWindowsTest::tokenizer_ = nullptr;

TEST_F(TextWindowsTest, DetectsBertSpecialTokens) {
  const SpecialTokenLayout layout = Layout();
  ASSERT_EQ(layout.prefix_ids.size(), 1u);
  ASSERT_EQ(layout.suffix_ids.size(), 1u);
  EXPECT_EQ(layout.prefix_ids[0], tokenizer_->TokenToId("[CLS]").value());
  EXPECT_EQ(layout.suffix_ids[0], tokenizer_->TokenToId("[SEP]").value());
}

TEST_F(TextWindowsTest, RightTruncationIsTheTokenizersOwn) {
  WindowOptions options;
  options.max_length = 12;
  auto windows = MakeTextWindows(*tokenizer_, Layout(), "", long_text_, options);
  ASSERT_TRUE(windows.ok()) << windows.status().ToString();
  ASSERT_EQ(windows->size(), 1u);
  EncodeOptions encode;
  encode.max_length = 12;
  const Encoding expected = tokenizer_->Encode(long_text_, encode).value();
  EXPECT_EQ((*windows)[0].ids, expected.ids);
}

TEST_F(TextWindowsTest, LeftTruncationKeepsTheEnd) {
  WindowOptions options;
  options.max_length = 12;
  options.direction = TruncationDirection::kLeft;
  auto windows = MakeTextWindows(*tokenizer_, Layout(), "", long_text_, options);
  ASSERT_TRUE(windows.ok()) << windows.status().ToString();
  const Encoding full = Full(long_text_);
  const std::vector<int32_t>& ids = (*windows)[0].ids;
  ASSERT_EQ(ids.size(), 12u);
  // [CLS] + the last 10 content tokens + [SEP]
  EXPECT_EQ(ids.front(), full.ids.front());
  EXPECT_EQ(ids.back(), full.ids.back());
  EXPECT_TRUE(std::equal(ids.begin() + 1, ids.end() - 1, full.ids.end() - 11));
  EXPECT_EQ((*windows)[0].bytes.end, long_text_.size());  // the kept end reaches the last byte
}

TEST_F(TextWindowsTest, ChunksOverlapAndCoverTheText) {
  WindowOptions options;
  options.max_length = 10;  // 8 content tokens per window
  options.mode = LongTextMode::kChunkEach;
  options.overlap = 3;
  auto windows = MakeTextWindows(*tokenizer_, Layout(), "", long_text_, options);
  ASSERT_TRUE(windows.ok()) << windows.status().ToString();
  const Encoding full = Full(long_text_);
  const size_t content = full.size() - 2;
  ASSERT_GT(content, 16u);
  EXPECT_EQ(windows->size(), (content - 3 + 4) / 5);  // stride 5, last window reaches the end
  size_t start = 0;
  for (const TextWindow& window : *windows) {
    ASSERT_LE(window.ids.size(), 10u);
    EXPECT_EQ(window.ids.front(), full.ids.front());
    EXPECT_EQ(window.ids.back(), full.ids.back());
    const size_t tokens = window.ids.size() - 2;
    EXPECT_TRUE(std::equal(window.ids.begin() + 1, window.ids.end() - 1, full.ids.begin() + 1 + start));
    // The byte range is exactly the text of its first to last token.
    EXPECT_EQ(window.bytes.begin, full.offsets[1 + start].begin);
    EXPECT_EQ(window.bytes.end, full.offsets[start + tokens].end);
    start += 5;
  }
  EXPECT_EQ(windows->back().bytes.end, long_text_.size());
}

TEST_F(TextWindowsTest, ChunkedShortTextIsOneWindowLikeTruncation) {
  WindowOptions chunk;
  chunk.max_length = 64;
  chunk.mode = LongTextMode::kChunkMean;
  auto chunked = MakeTextWindows(*tokenizer_, Layout(), "", "a short text", chunk);
  WindowOptions truncate;
  truncate.max_length = 64;
  auto truncated = MakeTextWindows(*tokenizer_, Layout(), "", "a short text", truncate);
  ASSERT_TRUE(chunked.ok() && truncated.ok());
  ASSERT_EQ(chunked->size(), 1u);
  EXPECT_EQ((*chunked)[0].ids, (*truncated)[0].ids);
  EXPECT_EQ((*chunked)[0].bytes, (Offset{0, 12}));
}

TEST_F(TextWindowsTest, PromptIsRepeatedInEveryChunkAndExcludedFromRanges) {
  WindowOptions options;
  options.max_length = 12;
  options.mode = LongTextMode::kChunkEach;
  options.overlap = 2;
  auto windows = MakeTextWindows(*tokenizer_, Layout(), "query: ", long_text_, options);
  ASSERT_TRUE(windows.ok()) << windows.status().ToString();
  const Encoding prompt = tokenizer_->Encode("query: ", EncodeOptions{false, 0}).value();
  ASSERT_GT(windows->size(), 1u);
  for (const TextWindow& window : *windows)
    EXPECT_TRUE(std::equal(prompt.ids.begin(), prompt.ids.end(), window.ids.begin() + 1));
  EXPECT_EQ((*windows)[0].bytes.begin, 0u);
}

TEST_F(TextWindowsTest, ErrorModeRejectsLongTexts) {
  WindowOptions options;
  options.max_length = 8;
  options.mode = LongTextMode::kError;
  auto windows = MakeTextWindows(*tokenizer_, Layout(), "", long_text_, options);
  ASSERT_FALSE(windows.ok());
  EXPECT_EQ(windows.status().code(), Status::Code::kOutOfRange);
}

TEST_F(TextWindowsTest, BadOverlapAndTinyMaxLengthAreClearErrors) {
  WindowOptions options;
  options.max_length = 10;
  options.mode = LongTextMode::kChunkEach;
  options.overlap = 8;
  auto windows = MakeTextWindows(*tokenizer_, Layout(), "", long_text_, options);
  ASSERT_FALSE(windows.ok());
  EXPECT_EQ(windows.status().code(), Status::Code::kInvalidArgument);
  options.max_length = 2;
  options.overlap = 0;
  EXPECT_EQ(MakeTextWindows(*tokenizer_, Layout(), "", "x", options).status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(TextWindowsTest, IdsAreWrappedInSpecialTokens) {
  WindowOptions options;
  options.max_length = 6;
  options.direction = TruncationDirection::kLeft;
  auto windows = MakeIdWindows(Layout(), {}, {5, 6, 7, 8, 9, 10}, options);
  ASSERT_TRUE(windows.ok());
  const SpecialTokenLayout layout = Layout();
  EXPECT_EQ((*windows)[0].ids, (std::vector<int32_t>{layout.prefix_ids[0], 7, 8, 9, 10, layout.suffix_ids[0]}));
}

}  // namespace
}  // namespace textembed::service
