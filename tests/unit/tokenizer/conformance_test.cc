// End-to-end parity with Hugging Face on the shared conformance data:
// reference ids produced by Python transformers / tokenizers for real
// tokenizer.json files.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "test_data.h"
#include "textembed/tokenizer.h"

namespace textembed {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json ReadJson(const std::filesystem::path& p) { return nlohmann::json::parse(ReadFile(p)); }

Tokenizer LoadOrDie(const std::filesystem::path& p) {
  auto t = Tokenizer::Load(p);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

// Char (code point) offset → byte offset table of `text`.
std::vector<uint32_t> CharToByte(std::string_view text) {
  std::vector<uint32_t> table{0};
  for (size_t i = 0; i < text.size();) {
    i += utf8::DecodeAt(text, i).length;
    table.push_back(static_cast<uint32_t>(i));
  }
  return table;
}

struct Baseline {
  const char* file;
  const char* tokenizer;
};

class MultilingualConformance : public ::testing::TestWithParam<Baseline> {};

TEST_P(MultilingualConformance, IdsAndTokensMatchTransformers) {
  const auto dir = testing::SharedDir() / "data/tokenizer_conformance/multilingual";
  const nlohmann::json inputs = ReadJson(dir / "inputs.json");
  const nlohmann::json baseline = ReadJson(dir / GetParam().file);
  const Tokenizer tok = LoadOrDie(testing::SharedDir() / "tokenizers" / GetParam().tokenizer);
  std::map<std::string, std::string> text_of;
  for (const auto& in : inputs) text_of[in["id"].get<std::string>()] = in["text"].get<std::string>();
  size_t checked = 0, exact = 0;
  for (const auto& entry : baseline["entries"]) {
    const std::string id = entry["id"].get<std::string>();
    ASSERT_TRUE(text_of.count(id)) << id;
    auto enc = tok.Encode(text_of[id]);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    const auto expected_ids = entry["input_ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(enc->ids, expected_ids) << GetParam().tokenizer << " on " << id;
    if (entry.contains("tokens")) {
      // Baselines spell tokens as convert_ids_to_tokens does (an unknown
      // piece shows as the unk token), so compare through the vocabulary.
      std::vector<std::string> tokens;
      for (int32_t tid : enc->ids) tokens.push_back(tok.IdToToken(tid).value_or("?"));
      EXPECT_EQ(tokens, entry["tokens"].get<std::vector<std::string>>()) << id;
    }
    ++checked;
    exact += enc->ids == expected_ids;
  }
  EXPECT_EQ(checked, 83u);
  EXPECT_EQ(exact, checked);
}

INSTANTIATE_TEST_SUITE_P(
    Baselines, MultilingualConformance,
    ::testing::Values(Baseline{"bge_small_multilingual.json", "bge-large-en-v1.5"},
                      Baseline{"roberta_base_multilingual.json", "roberta-base"},
                      Baseline{"t5_small_multilingual.json", "t5-small"},
                      Baseline{"gpt2_multilingual.json", "gpt2"}),
    [](const auto& info) { return std::string(info.param.tokenizer).substr(0, 4) == "bge-" ? std::string("bge")
                                  : std::string(info.param.tokenizer) == "roberta-base" ? std::string("roberta")
                                  : std::string(info.param.tokenizer) == "t5-small"     ? std::string("t5")
                                                                                        : std::string("gpt2"); });

TEST(SquadConformance, BertUncasedIdsWithoutSpecialTokens) {
  const auto dir = testing::SharedDir() / "data/tokenizer_conformance/squad_bert_uncased";
  const nlohmann::json questions = ReadJson(dir / "question_tokens.json");
  const nlohmann::json ids = ReadJson(dir / "tokenized_questions.json");
  ASSERT_EQ(questions.size(), ids.size());
  const Tokenizer tok = LoadOrDie(testing::SharedDir() / "models/all-MiniLM-L6-v2");
  EncodeOptions options;
  options.add_special_tokens = false;
  options.max_length = 0;
  size_t exact = 0;
  for (size_t i = 0; i < questions.size(); ++i) {
    auto enc = tok.Encode(questions[i]["original"].get<std::string>(), options);
    ASSERT_TRUE(enc.ok());
    const auto expected = ids[i].get<std::vector<int32_t>>();
    if (enc->ids == expected) {
      ++exact;
    } else {
      ADD_FAILURE() << "question " << i << ": " << questions[i]["original"];
    }
  }
  EXPECT_EQ(exact, 10570u);
}

TEST(StsbGolden, MiniLmIdsAndOffsetsAtMax256) {
  const auto goldens = testing::SharedDir() / "data/goldens";
  std::ifstream texts(goldens / "stsb-dev-sentences.jsonl");
  std::ifstream refs(goldens / "stsb-dev-sentences.all-MiniLM-L6-v2-tokenizer.max256.ids.jsonl");
  const Tokenizer tok = LoadOrDie(testing::SharedDir() / "models/all-MiniLM-L6-v2/tokenizer.json");
  EncodeOptions options;
  options.max_length = 256;
  std::string text_line, ref_line;
  size_t lines = 0, exact = 0;
  while (std::getline(texts, text_line) && std::getline(refs, ref_line)) {
    const std::string text = nlohmann::json::parse(text_line)["text"].get<std::string>();
    const nlohmann::json ref = nlohmann::json::parse(ref_line);
    auto enc = tok.Encode(text, options);
    ASSERT_TRUE(enc.ok());
    const auto table = CharToByte(text);
    std::vector<Offset> expected_offsets;
    for (const auto& o : ref["offsets"])
      expected_offsets.push_back({table.at(o[0].get<size_t>()), table.at(o[1].get<size_t>())});
    const bool ok = enc->ids == ref["ids"].get<std::vector<int32_t>>() && enc->offsets == expected_offsets;
    EXPECT_TRUE(ok) << "line " << lines << ": " << text;
    exact += ok;
    ++lines;
  }
  EXPECT_EQ(lines, 2910u);
  EXPECT_EQ(exact, lines);
}

}  // namespace
}  // namespace textembed
