// Every component family against the real HF tokenizers: each variant of a
// shared tokenizer.json (another normalizer / pre-tokenizer / post-processor /
// added tokens / truncation) encodes a set of tricky inputs; the expected ids,
// tokens, byte offsets, type ids and special masks in data/pipeline_cases.json
// were produced by tokenizers 0.23.2 (node binding, gen_pipeline_cases.js).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_data.h"
#include "variant_tokenizers.h"
#include "textembed/tokenizer.h"

namespace textembed {
namespace {

using testing::ReadJsonFile;

class PipelineCases : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto dir = testing::SourceDir() / "tests/unit/tokenizer/data";
    spec_ = new nlohmann::json(ReadJsonFile(dir / "pipeline_cases.spec.json"));
    cases_ = new nlohmann::json(ReadJsonFile(dir / "pipeline_cases.json"));
  }
  static void TearDownTestSuite() {
    delete spec_;
    delete cases_;
  }
  static nlohmann::json* spec_;
  static nlohmann::json* cases_;
};
nlohmann::json* PipelineCases::spec_ = nullptr;
nlohmann::json* PipelineCases::cases_ = nullptr;

TEST_F(PipelineCases, EveryVariantMatchesHuggingFace) {
  std::map<std::string, Tokenizer> tokenizers;
  for (auto it = (*spec_)["variants"].begin(); it != (*spec_)["variants"].end(); ++it) {
    auto tok = testing::BuildVariant(it.value());
    ASSERT_TRUE(tok.ok()) << it.key() << ": " << tok.status().ToString();
    tokenizers.emplace(it.key(), std::move(tok).value());
  }
  size_t exact = 0;
  for (const auto& c : (*cases_)["cases"]) {
    const std::string variant = c["variant"].get<std::string>();
    const std::string text = c["text"].get<std::string>();
    auto enc = tokenizers.at(variant).Encode(text);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    std::vector<Offset> offsets;
    for (const auto& o : c["offsets"]) offsets.push_back({o[0].get<uint32_t>(), o[1].get<uint32_t>()});
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    const auto tokens = c["tokens"].get<std::vector<std::string>>();
    const auto type_ids = c["type_ids"].get<std::vector<int32_t>>();
    const auto mask = c["special_tokens_mask"].get<std::vector<uint8_t>>();
    EXPECT_EQ(enc->ids, ids) << variant << " on \"" << text << "\"";
    EXPECT_EQ(enc->tokens, tokens) << variant << " on \"" << text << "\"";
    EXPECT_EQ(enc->offsets, offsets) << variant << " on \"" << text << "\"";
    EXPECT_EQ(enc->type_ids, type_ids) << variant << " on \"" << text << "\"";
    EXPECT_EQ(enc->special_tokens_mask, mask) << variant << " on \"" << text << "\"";
    exact += enc->ids == ids && enc->tokens == tokens && enc->offsets == offsets;
  }
  EXPECT_EQ(exact, (*cases_)["cases"].size());
}

}  // namespace
}  // namespace textembed
