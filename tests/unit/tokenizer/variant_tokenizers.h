// Tokenizers built like the generator scripts in data/ build them: a shared
// tokenizer.json with some top-level keys replaced ("override"), where
// "$base" in an array stands for the base's added tokens and
// "$base_normalizer" / "$base_post_processor" for those stages of the base.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "test_data.h"
#include "textembed/tokenizer.h"

namespace textembed::testing {

inline nlohmann::json ReadJsonFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline nlohmann::json SubstituteBase(const nlohmann::json& v, const nlohmann::json& base) {
  if (v.is_string() && v == "$base_normalizer") return base["normalizer"];
  if (v.is_string() && v == "$base_post_processor") return base["post_processor"];
  if (v.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : v) {
      if (x.is_string() && x == "$base") {
        for (const auto& t : base["added_tokens"]) out.push_back(t);
      } else {
        out.push_back(SubstituteBase(x, base));
      }
    }
    return out;
  }
  if (v.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = SubstituteBase(it.value(), base);
    return out;
  }
  return v;
}

// `variant` is {"base": "tokenizers/x", "override": {...}}.
inline Result<Tokenizer> BuildVariant(const nlohmann::json& variant) {
  const nlohmann::json base =
      ReadJsonFile(SharedDir() / variant["base"].get<std::string>() / "tokenizer.json");
  nlohmann::json merged = base;
  for (auto o = variant["override"].begin(); o != variant["override"].end(); ++o)
    merged[o.key()] = SubstituteBase(o.value(), base);
  return Tokenizer::FromJson(merged.dump());
}

}  // namespace textembed::testing
