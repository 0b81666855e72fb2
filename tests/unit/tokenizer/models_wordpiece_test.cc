// WordPiece behaviours beyond the goldens: very long pieces and robustness.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using nlohmann::json;
using testing::ExpectInvalidUtf8Survives;
using testing::MakeModelOrDie;
using testing::SharedModelNode;

TEST(WordPieceModelTest, OverlongPieceIsOneUnknown) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/bge-large-en-v1.5/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  const std::string piece(200 * 1024, 'a');
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize(piece, &tokens).ok());
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].value, "[UNK]");
  EXPECT_EQ(tokens[0].id, 100);
  EXPECT_EQ(tokens[0].begin, 0u);
  EXPECT_EQ(tokens[0].end, piece.size());
}

// With the length limit lifted, a 200 KB word must still be linear-ish.
TEST(WordPieceModelTest, VeryLongPieceWithoutLimitCompletes) {
  json node = SharedModelNode("tokenizers/bge-large-en-v1.5/tokenizer.json");
  node["max_input_chars_per_word"] = 1u << 30;
  auto model = MakeModelOrDie(node);
  ASSERT_NE(model, nullptr);
  std::string piece;
  while (piece.size() < 200 * 1024) piece += "embedding";
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize(piece, &tokens).ok());
  ASSERT_GT(tokens.size(), 1u);
  EXPECT_EQ(tokens.front().value, "em");
  EXPECT_EQ(tokens.back().end, piece.size());
  for (size_t i = 1; i < tokens.size(); ++i) {
    ASSERT_EQ(tokens[i].begin, tokens[i - 1].end);
    ASSERT_EQ(tokens[i].value.substr(0, 2), "##");
  }
}

TEST(WordPieceModelTest, InvalidUtf8DoesNotCrash) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/bge-large-en-v1.5/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  ExpectInvalidUtf8Survives(*model);
}

}  // namespace
}  // namespace textembed::tokenizer
