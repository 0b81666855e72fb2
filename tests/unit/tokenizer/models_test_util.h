// Helpers shared by the tokenizer model tests (models_*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

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

inline std::filesystem::path GoldenDir() {
  return textembed::testing::SourceDir() / "tests" / "data" / "tokenizer_models";
}

}  // namespace textembed::tokenizer::testing
