// BPE behaviours the golden files cannot pin down: byte offsets of
// byte-fallback tokens, very long pieces, and concurrent use of the cache.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using nlohmann::json;
using testing::ExpectInvalidUtf8Survives;
using testing::ExpectTokensSpellPiece;
using testing::MakeModelOrDie;
using testing::SharedModelNode;

json ByteFallbackModel() {
  json vocab = {{"<unk>", 0}, {"a", 1}, {"b", 2}, {"ab", 3}};
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", byte);
    vocab[name] = 4 + byte;
  }
  return json{{"type", "BPE"}, {"unk_token", "<unk>"}, {"byte_fallback", true}, {"vocab", vocab},
              {"merges", json::array({json::array({"a", "b"})})}};
}

TEST(BpeModelTest, ByteFallbackTokensCoverOneByteEach) {
  auto model = MakeModelOrDie(ByteFallbackModel());
  ASSERT_NE(model, nullptr);
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize("a\xC3\xA9" "b", &tokens).ok());  // "aéb"
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].value, "a");
  EXPECT_EQ(tokens[1].value, "<0xC3>");
  EXPECT_EQ(tokens[1].id, 4 + 0xC3);
  EXPECT_EQ(tokens[2].value, "<0xA9>");
  EXPECT_EQ(tokens[3].value, "b");
  const std::vector<std::pair<uint32_t, uint32_t>> expected = {{0, 1}, {1, 2}, {2, 3}, {3, 4}};
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(std::make_pair(tokens[i].begin, tokens[i].end), expected[i]) << i;
  }
}

TEST(BpeModelTest, AppendsWithoutTouchingEarlierTokens) {
  auto model = MakeModelOrDie(ByteFallbackModel());
  ASSERT_NE(model, nullptr);
  std::vector<Token> tokens = {Token{99, "keep", 0, 4}};
  ASSERT_TRUE(model->Tokenize("ab", &tokens).ok());
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].value, "keep");
  EXPECT_EQ(tokens[1].value, "ab");
  EXPECT_EQ(tokens[1].id, 3);
}

// Without an unk token Hugging Face drops unknown chars, and offsets count
// only the bytes of the chars kept (the pipeline's alignment maps them back).
TEST(BpeModelTest, DroppedCharsShiftOffsetsLikeHuggingFace) {
  auto model = MakeModelOrDie(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}},
                                   {"merges", json::array({"a b"})}});
  ASSERT_NE(model, nullptr);
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize("a\xF0\x9F\x98\x80" "b", &tokens).ok());  // "a😀b"
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].value, "ab");
  EXPECT_EQ(tokens[0].begin, 0u);
  EXPECT_EQ(tokens[0].end, 2u);
}

// A 200 KB piece must not take quadratic time (it would time the test out).
TEST(BpeModelTest, VeryLongPieceCompletes) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/gpt2/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  std::string piece;
  const std::string words[] = {"token", "ization", "embed", "ding", "xyz", "qq", "the", "Ġ"};
  for (size_t i = 0; piece.size() < 200 * 1024; ++i) piece += words[(i * 7 + i / 3) % 8];
  std::vector<Token> tokens;
  ASSERT_TRUE(model->Tokenize(piece, &tokens).ok());
  ASSERT_FALSE(tokens.empty());
  ASSERT_NO_FATAL_FAILURE(ExpectTokensSpellPiece(piece, tokens));

  // A single repeated char is the worst case for naive merge loops.
  std::vector<Token> repeated;
  ASSERT_TRUE(model->Tokenize(std::string(200 * 1024, 'a'), &repeated).ok());
  EXPECT_LT(repeated.size(), 200u * 1024u);
}

TEST(BpeModelTest, ConcurrentCallsAgree) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/gpt2/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  std::ifstream corpus(textembed::testing::SharedDir() / "data" / "corpus" / "ag_news_test.txt");
  std::vector<std::string> words;
  std::string word;
  while (corpus >> word && words.size() < 4000) words.push_back(word);
  ASSERT_FALSE(words.empty());

  auto tokenize_all = [&](std::vector<int32_t>* ids) {
    for (const std::string& w : words) {
      std::vector<Token> tokens;
      if (!model->Tokenize(w, &tokens).ok()) return;
      for (const Token& token : tokens) ids->push_back(token.id);
    }
  };
  std::vector<int32_t> reference;
  tokenize_all(&reference);
  std::vector<std::vector<int32_t>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) threads.emplace_back(tokenize_all, &result);
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, reference);
}

TEST(BpeModelTest, InvalidUtf8DoesNotCrash) {
  auto model = MakeModelOrDie(SharedModelNode("tokenizers/gpt2/tokenizer.json"));
  ASSERT_NE(model, nullptr);
  ExpectInvalidUtf8Survives(*model);
}

}  // namespace
}  // namespace textembed::tokenizer
