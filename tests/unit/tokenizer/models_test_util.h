// Helpers shared by the tokenizer model tests (models_*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_data.h"
#include "tokenizer/model.h"

namespace textembed::tokenizer::testing {

inline nlohmann::json ReadJsonFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str());
}

// The "model" node of a tokenizer.json under shared/ (e.g. "tokenizers/gpt2/tokenizer.json").
inline nlohmann::json SharedModelNode(const std::string& relative) {
  return ReadJsonFile(textembed::testing::SharedDir() / relative).at("model");
}

inline std::unique_ptr<Model> MakeModelOrDie(const nlohmann::json& node) {
  auto model = MakeModel(node);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(model).value() : nullptr;
}

// Malformed UTF-8 (invalid lead bytes, truncated sequences, a stray
// continuation byte) and an embedded NUL: pieces no model may crash on.
inline std::vector<std::string> InvalidUtf8Pieces() {
  return {std::string("\xFF\xFE"), std::string("a\xC3"), std::string("\xE2\x82"),
          std::string("\x80hello"), std::string("\0x", 2)};
}

// Checks that `tokens` cover `piece` back to back from its first byte to its
// last and that their values concatenate to the piece itself. Fatal on the
// first gap, so wrap calls in ASSERT_NO_FATAL_FAILURE.
inline void ExpectTokensSpellPiece(const std::string& piece, const std::vector<Token>& tokens) {
  std::string rebuilt;
  uint32_t expected_begin = 0;
  for (const Token& token : tokens) {
    ASSERT_EQ(token.begin, expected_begin);
    rebuilt += token.value;
    expected_begin = token.end;
  }
  EXPECT_EQ(expected_begin, piece.size());
  EXPECT_EQ(rebuilt, piece);
}

// Tokenizes every InvalidUtf8Pieces() entry: each must succeed with offsets
// inside the piece.
inline void ExpectInvalidUtf8Survives(const Model& model) {
  for (const std::string& piece : InvalidUtf8Pieces()) {
    std::vector<Token> tokens;
    EXPECT_TRUE(model.Tokenize(piece, &tokens).ok());
    for (const Token& token : tokens) EXPECT_LE(token.end, piece.size());
  }
}

inline std::filesystem::path GoldenDir() {
  return textembed::testing::SourceDir() / "tests" / "data" / "tokenizer_models";
}

}  // namespace textembed::tokenizer::testing
