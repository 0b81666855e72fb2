// MakeModel: type tags, inference for untagged (older) files, and errors.
#include <gtest/gtest.h>

#include "models_test_util.h"

namespace textembed::tokenizer {
namespace {

using nlohmann::json;
using testing::MakeModelOrDie;
using testing::SharedModelNode;

std::vector<std::string> Values(const Model& model, std::string_view piece) {
  std::vector<Token> tokens;
  EXPECT_TRUE(model.Tokenize(piece, &tokens).ok());
  std::vector<std::string> values;
  for (const Token& token : tokens) values.push_back(token.value);
  return values;
}

TEST(ModelFactoryTest, UntaggedRobertaIsBpe) {
  const json node = SharedModelNode("tokenizers/roberta-base/tokenizer.json");
  ASSERT_FALSE(node.contains("type"));
  auto model = MakeModelOrDie(node);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->vocab_size(), node["vocab"].size());
  // "Ġhello" merges into one token only through BPE merges.
  EXPECT_EQ(Values(*model, "\xC4\xA0hello"), std::vector<std::string>{"\xC4\xA0hello"});
}

TEST(ModelFactoryTest, UntaggedT5IsUnigram) {
  const json node = SharedModelNode("tokenizers/t5-small/tokenizer.json");
  ASSERT_FALSE(node.contains("type"));
  auto model = MakeModelOrDie(node);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->vocab_size(), 32100u);
  EXPECT_EQ(model->TokenToId("<unk>"), 2);
  EXPECT_EQ(model->IdToToken(2), "<unk>");
}

TEST(ModelFactoryTest, UntaggedInference) {
  auto wordpiece = MakeModelOrDie(json{{"vocab", {{"[UNK]", 0}, {"a", 1}, {"##b", 2}}}, {"max_input_chars_per_word", 10}});
  ASSERT_NE(wordpiece, nullptr);
  EXPECT_EQ(Values(*wordpiece, "ab"), (std::vector<std::string>{"a", "##b"}));

  auto word_level = MakeModelOrDie(json{{"vocab", {{"<unk>", 0}, {"ab", 1}}}, {"unk_token", "<unk>"}});
  ASSERT_NE(word_level, nullptr);
  EXPECT_EQ(Values(*word_level, "ab"), std::vector<std::string>{"ab"});
  EXPECT_EQ(Values(*word_level, "a"), std::vector<std::string>{"<unk>"});
}

TEST(ModelFactoryTest, TaggedSharedFilesLoad) {
  for (const char* file : {"tokenizers/gpt2/tokenizer.json", "tokenizers/bge-large-en-v1.5/tokenizer.json",
                           "tokenizers/all-mpnet-base-v2/tokenizer.json", "models/all-MiniLM-L6-v2/tokenizer.json"}) {
    SCOPED_TRACE(file);
    const json node = SharedModelNode(file);
    auto model = MakeModelOrDie(node);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->vocab_size(), node["vocab"].size());
    // Every vocabulary entry round-trips through both lookups.
    for (const auto& [token, id] : node["vocab"].items()) {
      ASSERT_EQ(model->TokenToId(token), id.get<int32_t>()) << token;
      ASSERT_EQ(model->IdToToken(id.get<int32_t>()), token);
    }
    EXPECT_FALSE(model->TokenToId("definitely not a token \x01").has_value());
    EXPECT_FALSE(model->IdToToken(-1).has_value());
    EXPECT_FALSE(model->IdToToken(static_cast<int32_t>(node["vocab"].size()) + 1000).has_value());
  }
}

void ExpectError(const json& node, Status::Code code, const std::string& message_part) {
  auto model = MakeModel(node);
  ASSERT_FALSE(model.ok()) << node.dump();
  EXPECT_EQ(model.status().code(), code) << model.status().ToString();
  EXPECT_NE(model.status().message().find(message_part), std::string::npos) << model.status().ToString();
}

TEST(ModelFactoryTest, MalformedNodesAreCorruption) {
  using Code = Status::Code;
  ExpectError(json::array(), Code::kCorruption, "object");
  ExpectError(json{{"type", 5}}, Code::kCorruption, "type");
  ExpectError(json{{"type", "WordPiece"}}, Code::kCorruption, "vocab");
  ExpectError(json{{"type", "WordPiece"}, {"vocab", json::array()}}, Code::kCorruption, "vocab");
  ExpectError(json{{"type", "WordPiece"}, {"vocab", {{"a", -1}}}}, Code::kCorruption, "\"a\"");
  ExpectError(json{{"type", "WordPiece"}, {"vocab", {{"a", "1"}}}}, Code::kCorruption, "\"a\"");
  ExpectError(json{{"type", "WordPiece"}, {"vocab", {{"a", 1.5}}}}, Code::kCorruption, "\"a\"");
  ExpectError(json{{"type", "WordPiece"}, {"vocab", {{"a", 1}}}, {"max_input_chars_per_word", "x"}},
              Code::kCorruption, "max_input_chars_per_word");
  ExpectError(json{{"type", "WordLevel"}}, Code::kCorruption, "vocab");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}}}}, Code::kCorruption, "merges");
  ExpectError(json{{"type", "BPE"}, {"merges", json::array()}}, Code::kCorruption, "vocab");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", json::array({"a b c"})}},
              Code::kCorruption, "merge #1");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", json::array({"ab"})}},
              Code::kCorruption, "merge #1");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", json::array({"a b", "a x"})}},
              Code::kCorruption, "\"x\"");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}, {"merges", json::array({"a b"})}}, Code::kCorruption,
              "\"ab\"");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", json::array({json::array({"a"})})}},
              Code::kCorruption, "merge #1");
  ExpectError(json{{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", json::array({"a b"})}, {"unk_token", 3}},
              Code::kCorruption, "unk_token");
  ExpectError(json{{"type", "Unigram"}}, Code::kCorruption, "vocab");
  ExpectError(json{{"type", "Unigram"}, {"vocab", json::array({json::array({"a", "x"})})}}, Code::kCorruption, "#0");
  ExpectError(json{{"type", "Unigram"}, {"vocab", json::array({json::array({"a"})})}}, Code::kCorruption, "#0");
  ExpectError(json{{"type", "Unigram"}, {"vocab", json::array({json::array({"a", -1.0})})}, {"unk_id", 1}}, Code::kCorruption, "unk_id");
  ExpectError(json{{"type", "Unigram"}, {"vocab", json::array()}, {"unk_id", 0}}, Code::kCorruption, "empty");
  ExpectError(json{{"type", "Unigram"}, {"vocab", json::array({json::array({"a", -1.0})})}, {"unk_id", -1}}, Code::kCorruption, "unk_id");
}

TEST(ModelFactoryTest, UnknownTypeIsUnimplemented) {
  ExpectError(json{{"type", "SentencePieceBPE"}, {"vocab", json::object()}}, Status::Code::kUnimplemented,
              "SentencePieceBPE");
}

TEST(ModelFactoryTest, MissingUnkIsCorruptionOnlyWhenNeeded) {
  // Hugging Face loads these and fails only when an unknown token must be produced.
  auto wordpiece = MakeModelOrDie(json{{"type", "WordPiece"}, {"vocab", {{"a", 0}}}, {"unk_token", "[UNK]"}});
  auto bpe = MakeModelOrDie(json{{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()},
                                 {"unk_token", "<unk>"}});
  auto unigram = MakeModelOrDie(json{{"type", "Unigram"}, {"vocab", json::array({json::array({"a", -1.0})})}});
  for (const Model* model : {wordpiece.get(), bpe.get(), unigram.get()}) {
    ASSERT_NE(model, nullptr);
    std::vector<Token> tokens;
    EXPECT_TRUE(model->Tokenize("a", &tokens).ok());
    EXPECT_FALSE(tokens.empty());
    const Status status = model->Tokenize("ab", &tokens);
    EXPECT_EQ(status.code(), Status::Code::kCorruption) << status.ToString();
  }
}

}  // namespace
}  // namespace textembed::tokenizer
