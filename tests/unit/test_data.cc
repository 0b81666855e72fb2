#include "test_data.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace textembed::testing {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("TEXTEMBED_TEST_DATA"); env != nullptr && *env != '\0') return env;
  return TEXTEMBED_DEFAULT_TEST_DATA;
}

std::filesystem::path SourceDir() { return TEXTEMBED_SOURCE_DIR; }

std::vector<float> ReadF32(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> values(std::filesystem::file_size(path) / sizeof(float));
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
  return values;
}

std::vector<std::string> ReadJsonlTexts(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  return texts;
}

std::vector<StsbPair> ReadStsbDevPairs() {
  std::ifstream tsv(SharedDir() / "data/stsb/stsb-dev.tsv");
  std::vector<StsbPair> pairs;
  for (std::string line; std::getline(tsv, line);) {
    std::istringstream fields(line);
    std::string score;
    StsbPair pair;
    std::getline(fields, score, '\t');
    std::getline(fields, pair.a, '\t');
    std::getline(fields, pair.b, '\t');
    pair.score = std::stod(score);
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

}  // namespace textembed::testing
