// Unigram behaviours beyond the goldens: long pieces, robustness, lookups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using testing::ExpectTokensSpellPiece;
using testing::InvalidUtf8Pieces;
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
  // Unknown runs keep their own text as value, so the values spell the piece.
  ASSERT_NO_FATAL_FAILURE(ExpectTokensSpellPiece(piece, tokens));
}

TEST(UnigramModelTest, InvalidUtf8DoesNotCrash) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/t5-small/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  for (const std::string& piece : InvalidUtf8Pieces()) {
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
