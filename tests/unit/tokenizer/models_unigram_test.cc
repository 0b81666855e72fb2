// Unigram behaviours beyond the goldens: long pieces, robustness, lookups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using testing::MakeModelOrDie;
using testing::SharedModelNode;

TEST(UnigramModelTest, VeryLongPieceCompletes) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/t5-small/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  std::string piece = "\xE2\x96\x81";  // "▁"
  const std::string words[] = {"Hello", "wörld", "日本語", "😀", "tokenization", "\xE2\x96\x81", "abc"};
  for (size_t i = 0; piece.size() < 200 * 1024; ++i) piece += words[(i * 5 + i / 7) % 7];
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize(piece, &tokens).ok());
  std::string rebuilt;
  uint32_t expected_begin = 0;
  for (const Token& token : tokens) {
    ASSERT_EQ(token.begin, expected_begin);
    // Unknown runs keep their own text as value, so the values spell the piece.
    rebuilt += token.value;
    expected_begin = token.end;
  }
  EXPECT_EQ(expected_begin, piece.size());
  EXPECT_EQ(rebuilt, piece);
}

TEST(UnigramModelTest, InvalidUtf8DoesNotCrash) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/t5-small/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  for (const std::string& piece : {std::string("\xFF\xFE"), std::string("a\xC3"), std::string("\xE2\x82"),
                                  std::string("\x80hello"), std::string("\0x", 2)}) {
    std::vector<Token> tokens;
    EXPECT_TRUE(model->Tokenize(piece, &tokens).ok());
    ASSERT_FALSE(tokens.empty());
    EXPECT_EQ(tokens.back().end, piece.size());
  }
}

TEST(UnigramModelTest, EmptyPieceGivesNoTokens) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/t5-small/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize("", &tokens).ok());
  EXPECT_TRUE(tokens.empty());
}

}  // namespace
}  // namespace textembed::tokenizer
