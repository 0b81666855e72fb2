// Compares every model against outputs of Hugging Face tokenizers recorded by
// tools/node/gen_model_goldens.js (tests/data/tokenizer_models/*.json).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using testing::GoldenDir;
using testing::MakeModelOrDie;
using testing::ReadJsonFile;
using testing::SharedModelNode;

class ModelGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelGoldenTest, MatchesHuggingFace) {
  const nlohmann::json golden = ReadJsonFile(GoldenDir() / GetParam());
  std::map<std::string, std::unique_ptr<Model>> models;
  if (golden.contains("model_file")) {
    models[""] = MakeModelOrDie(SharedModelNode(golden["model_file"].get<std::string>()));
  } else {
    for (const auto& [name, node] : golden["models"].items()) models[name] = MakeModelOrDie(node);
  }
  for (const auto& [name, model] : models) ASSERT_NE(model, nullptr) << name;

  size_t checked = 0;
  for (const nlohmann::json& expected : golden["cases"]) {
    const std::string model_name = expected.value("model", "");
    const std::string piece = expected["piece"].get<std::string>();
    SCOPED_TRACE("model '" + model_name + "', piece '" + piece + "'");
    std::vector<Token> tokens;
    const Status status = models.at(model_name)->Tokenize(piece, &tokens);
    if (expected.contains("error")) {
      EXPECT_FALSE(status.ok());
      EXPECT_EQ(status.code(), Status::Code::kCorruption) << status.ToString();
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    std::vector<int32_t> ids;
    std::vector<std::string> values;
    for (const Token& token : tokens) {
      ids.push_back(token.id);
      values.push_back(token.value);
      EXPECT_LE(token.begin, token.end);
      EXPECT_LE(token.end, piece.size());
    }
    EXPECT_EQ(ids, expected["ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(values, expected["tokens"].get<std::vector<std::string>>());
    if (!expected["offsets"].is_null()) {
      std::vector<std::vector<uint32_t>> offsets;
      for (const Token& token : tokens) offsets.push_back({token.begin, token.end});
      EXPECT_EQ(offsets, expected["offsets"].get<std::vector<std::vector<uint32_t>>>());
    }
    ++checked;
  }
  EXPECT_GT(checked, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    HuggingFaceGoldens, ModelGoldenTest,
    ::testing::Values("wordpiece_bge.json", "wordpiece_mpnet.json", "wordpiece_minilm.json",
                      "wordpiece_synthetic.json", "bpe_gpt2.json", "bpe_roberta.json", "bpe_synthetic.json",
                      "unigram_t5.json", "unigram_synthetic.json", "word_level_synthetic.json"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param.substr(0, info.param.find('.'));
    });

}  // namespace
}  // namespace textembed::tokenizer
