// Throughput of each tokenizer model's Tokenize() on words of the AG News
// test corpus, pre-tokenized the way each model's usual pre-tokenizer would
// hand them over (BERT words, GPT-2 byte-level words, Metaspace words).
//
//   build/<dir>/tokenizer_models_bench [--benchmark_filter=Bpe]
// Data: $TEXTEMBED_TEST_DATA or the compiled-in shared/ folder.
#include <benchmark/benchmark.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/model.h"

#include "allocation_counter.h"

namespace {

using textembed::tokenizer::Model;
using textembed::tokenizer::Token;

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("TEXTEMBED_TEST_DATA"); env != nullptr && *env != '\0') return env;
  return TEXTEMBED_DEFAULT_TEST_DATA;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::unique_ptr<Model> LoadModel(const std::string& relative, nlohmann::json* node_out = nullptr) {
  const std::string text = ReadFile(SharedDir() / relative);
  if (text.empty()) return nullptr;
  nlohmann::json node = nlohmann::json::parse(text)["model"];
  if (node_out != nullptr) *node_out = node;
  auto model = textembed::tokenizer::MakeModel(node);
  return model.ok() ? std::move(model).value() : nullptr;
}

std::vector<std::string> CorpusLines() {
  std::ifstream in(SharedDir() / "data" / "corpus" / "ag_news_test.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// Lowercased runs of letters/digits (non-ASCII kept), punctuation alone.
std::vector<std::string> BertWords(const std::vector<std::string>& lines) {
  std::vector<std::string> words;
  for (const std::string& line : lines) {
    std::string word;
    for (const char ch : line) {
      const auto c = static_cast<unsigned char>(ch);
      if (IsWordByte(c)) {
        word.push_back(static_cast<char>(std::tolower(c)));
        continue;
      }
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      if (!std::isspace(c)) words.emplace_back(1, ch);
    }
    if (!word.empty()) words.push_back(std::move(word));
  }
  return words;
}

// GPT-2's printable stand-in for each byte.
std::vector<std::string> ByteLevelAlphabet() {
  std::vector<std::string> table(256);
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const char32_t cp = printable ? b : 256 + extra++;
    std::string& out = table[b];
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return table;
}

// Words with their leading space, as GPT-2's regex splits them, byte-mapped.
std::vector<std::string> ByteLevelWords(const std::vector<std::string>& lines) {
  const std::vector<std::string> alphabet = ByteLevelAlphabet();
  std::vector<std::string> words;
  for (const std::string& line : lines) {
    size_t pos = 0;
    while (pos < line.size()) {
      const size_t start = pos;
      if (line[pos] == ' ') ++pos;
      const bool word = pos < line.size() && IsWordByte(static_cast<unsigned char>(line[pos]));
      while (pos < line.size() && line[pos] != ' ' &&
             IsWordByte(static_cast<unsigned char>(line[pos])) == word) {
        ++pos;
      }
      if (pos == start) ++pos;
      std::string mapped;
      for (size_t i = start; i < pos; ++i) mapped += alphabet[static_cast<unsigned char>(line[i])];
      words.push_back(std::move(mapped));
    }
  }
  return words;
}

// Whitespace-split words with the Metaspace "▁" prefix (T5 / SentencePiece).
std::vector<std::string> MetaspaceWords(const std::vector<std::string>& lines) {
  std::vector<std::string> words;
  for (const std::string& line : lines) {
    std::istringstream in(line);
    for (std::string word; in >> word;) words.push_back("\xE2\x96\x81" + word);
  }
  return words;
}

void RunModel(benchmark::State& state, const Model* model, const std::vector<std::string>& words) {
  if (model == nullptr || words.empty()) {
    state.SkipWithError("model or corpus not found (set TEXTEMBED_TEST_DATA)");
    return;
  }
  size_t bytes = 0;
  for (const std::string& word : words) bytes += word.size();
  std::vector<Token> tokens;
  size_t token_count = 0;
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    for (const std::string& word : words) {
      tokens.clear();
      if (!model->Tokenize(word, &tokens).ok()) {
        state.SkipWithError("Tokenize failed");
        return;
      }
      token_count += tokens.size();
    }
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * words.size()));
  state.counters["tokens_per_word"] =
      static_cast<double>(token_count) / static_cast<double>(state.iterations() * words.size());
}

const std::vector<std::string>& Lines() {
  static const std::vector<std::string> lines = CorpusLines();
  return lines;
}

void BM_WordPiece(benchmark::State& state) {
  static const auto model = LoadModel("tokenizers/bge-large-en-v1.5/tokenizer.json");
  static const auto words = BertWords(Lines());
  RunModel(state, model.get(), words);
}
BENCHMARK(BM_WordPiece)->Unit(benchmark::kMillisecond);

void BM_Bpe(benchmark::State& state) {
  static const auto model = LoadModel("tokenizers/gpt2/tokenizer.json");
  static const auto words = ByteLevelWords(Lines());
  RunModel(state, model.get(), words);
}
BENCHMARK(BM_Bpe)->Unit(benchmark::kMillisecond);

// Every word distinct from the last run's, so the word cache never helps:
// the cost of the merge loop itself.
void BM_BpeUncached(benchmark::State& state) {
  static const auto model = LoadModel("tokenizers/gpt2/tokenizer.json");
  static const auto base = ByteLevelWords(Lines());
  std::vector<std::string> words;
  uint64_t round = 0;
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    state.PauseTiming();
    words.clear();
    for (const std::string& word : base) words.push_back(word + std::to_string(round));
    ++round;
    state.ResumeTiming();
    std::vector<Token> tokens;
    for (const std::string& word : words) {
      tokens.clear();
      if (model == nullptr || !model->Tokenize(word, &tokens).ok()) {
        state.SkipWithError("model missing or Tokenize failed");
        return;
      }
    }
  }
  size_t bytes = 0;
  for (const std::string& word : words) bytes += word.size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * base.size()));
}
BENCHMARK(BM_BpeUncached)->Unit(benchmark::kMillisecond);

void BM_Unigram(benchmark::State& state) {
  static const auto model = LoadModel("tokenizers/t5-small/tokenizer.json");
  static const auto words = MetaspaceWords(Lines());
  RunModel(state, model.get(), words);
}
BENCHMARK(BM_Unigram)->Unit(benchmark::kMillisecond);

// WordLevel over the BERT vocabulary (no shipped file uses WordLevel).
void BM_WordLevel(benchmark::State& state) {
  static const auto model = [] {
    nlohmann::json node;
    if (!LoadModel("tokenizers/bge-large-en-v1.5/tokenizer.json", &node)) return std::unique_ptr<Model>();
    nlohmann::json word_level = {{"type", "WordLevel"}, {"unk_token", "[UNK]"}, {"vocab", node["vocab"]}};
    auto model = textembed::tokenizer::MakeModel(word_level);
    return model.ok() ? std::move(model).value() : std::unique_ptr<Model>();
  }();
  static const auto words = BertWords(Lines());
  RunModel(state, model.get(), words);
}
BENCHMARK(BM_WordLevel)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
