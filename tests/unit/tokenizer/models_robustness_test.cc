// Arbitrary bytes (valid UTF-8 or not) never crash a model, and every token
// stays inside the piece. Run under the sanitizer build to catch memory errors.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using testing::MakeModelOrDie;
using testing::SharedModelNode;

class ModelRobustnessTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelRobustnessTest, RandomBytesNeverCrash) {
  auto model = MakeModelOrDie(SharedModelNode(GetParam()));
  ASSERT_NE(model, nullptr);
  std::mt19937 rng(1234);
  // Mostly bytes that form (or nearly form) multi-byte sequences.
  const std::string alphabet = std::string("ab \xC3\xA9\xE2\x96\x81\xF0\x9F\x98\x80\x80\xBF\xFF\xC0\x00", 18) + "#<>";
  for (int round = 0; round < 2000; ++round) {
    std::string piece;
    const size_t length = rng() % 24;
    for (size_t i = 0; i < length; ++i) piece.push_back(alphabet[rng() % alphabet.size()]);
    std::vector<Token> tokens;
    const Status status = model->Tokenize(piece, &tokens);
    if (!status.ok()) {
      // Only a missing unknown token may stop a model; never anything else.
      EXPECT_EQ(status.code(), Status::Code::kCorruption) << status.ToString();
      continue;
    }
    for (const Token& token : tokens) {
      ASSERT_LE(token.begin, token.end);
      ASSERT_LE(token.end, piece.size());
      ASSERT_EQ(model->IdToToken(token.id).has_value(), true) << token.id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ModelRobustnessTest,
                         ::testing::Values("tokenizers/gpt2/tokenizer.json", "tokenizers/roberta-base/tokenizer.json",
                                           "tokenizers/t5-small/tokenizer.json",
                                           "tokenizers/bge-large-en-v1.5/tokenizer.json"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           const std::string& path = info.param;
                           const size_t begin = path.find('/') + 1;
                           std::string name = path.substr(begin, path.find('/', begin) - begin);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace textembed::tokenizer
