// MPNet and XLM-RoBERTa end to end (tokenizer → engine → pooling → Dense →
// Normalize) against sentence-transformers run on the same folders: the random
// test models and reference rows made by tools/python/make_arch_test_models.py
// (tests/data/models/), on all STS-B dev sentences and textembed's own
// multilingual/long/adversarial texts. Also: a folder without modules.json
// behaves as sentence-transformers does (mean pooling, no Normalize).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>

#include "test_data.h"
#include "test_folder.h"
#include "test_math.h"
#include "textembed/embedder.h"

namespace textembed {
namespace {

namespace fs = std::filesystem;

constexpr size_t kStride = testing::kSanitizerBuild ? 25 : 1;

fs::path Models() { return testing::SourceDir() / "tests/data/models"; }

using testing::Cosine;
using testing::ReadF32;
using testing::ReadJsonlTexts;

// The committed folder plus the shared tokenizer.json it was made with (too
// large to commit twice), linked into a temporary folder.
struct ArchModel {
  const char* name;
  const char* tokenizer;  // under shared/tokenizers/
};

void LinkFolder(const testing::TempModelFolder& dir, const ArchModel& model, bool with_modules) {
  const fs::path source = Models() / model.name;
  for (const auto& entry : fs::recursive_directory_iterator(source)) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), source);
    const std::string top = rel.begin()->string();
    const bool module_file = top == "modules.json" || top == "sentence_bert_config.json" ||
                             std::isdigit(static_cast<unsigned char>(top[0]));  // 1_Pooling, 2_Dense, ...
    if (with_modules || !module_file) dir.Link(rel.string(), entry.path());
  }
  dir.Link("tokenizer.json", testing::SharedDir() / "tokenizers" / model.tokenizer / "tokenizer.json");
}

class ArchFidelityTest : public ::testing::TestWithParam<ArchModel> {};

TEST_P(ArchFidelityTest, MatchesSentenceTransformers) {
  const ArchModel& model = GetParam();
  testing::TempModelFolder dir(std::string("arch-") + model.name);
  LinkFolder(dir, model, /*with_modules=*/true);
  for (int threads : {1, 2}) {
    Result<Embedder> embedder = Embedder::Open(dir.path(), {.threads = threads});
    ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
    EXPECT_EQ(embedder->info().modules.rfind("modules.json:", 0), 0u) << embedder->info().modules;
    for (const auto& [set, texts_file] :
         {std::pair{"stsb", testing::SharedDir() / "data/goldens/stsb-dev-sentences.jsonl"},
          {"own", testing::SourceDir() / "tests/data/goldens/own_texts.jsonl"}}) {
      std::vector<std::string> all = ReadJsonlTexts(texts_file), texts;
      const std::vector<float> reference = ReadF32(Models() / "reference" / (std::string(model.name) + "." + set + ".f32"));
      ASSERT_EQ(reference.size(), all.size() * embedder->dimension()) << set;
      std::vector<size_t> rows;
      for (size_t i = 0; i < all.size(); i += kStride) {
        texts.push_back(all[i]);
        rows.push_back(i);
      }
      Result<Embeddings> got = embedder->Embed(texts);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      double worst = 1;
      size_t worst_row = 0;
      for (size_t k = 0; k < rows.size(); ++k) {
        const double cos = Cosine(got->row(k), std::span(reference).subspan(rows[k] * got->dimension, got->dimension));
        if (cos < worst) worst = cos, worst_row = rows[k];
      }
      EXPECT_GE(worst, 0.99999) << model.name << " " << set << " threads " << threads << ": text " << worst_row
                                << " '" << all[worst_row].substr(0, 80) << "'";
      std::printf("%s %s threads %d: %zu texts, min cosine 1 - %.2e\n", model.name, set, threads, rows.size(),
                  1 - worst);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ArchFidelityTest,
                         ::testing::Values(ArchModel{"mpnet-tiny", "all-mpnet-base-v2"},
                                           ArchModel{"xlmr-tiny", "t5-small"}),
                         [](const auto& info) { return std::string(info.param.name[0] == 'm' ? "Mpnet" : "XlmRoberta"); });

// Without modules.json, sentence-transformers wraps a plain transformers folder
// in Transformer + mean Pooling and nothing else: same direction as the
// reference (its Normalize only rescales), norm not 1, and info says why.
TEST(ArchFidelity, FolderWithoutModulesJsonUsesSentenceTransformersDefaults) {
  const ArchModel model{"mpnet-tiny", "all-mpnet-base-v2"};
  testing::TempModelFolder dir("arch-plain");
  LinkFolder(dir, model, /*with_modules=*/false);
  Result<Embedder> embedder = Embedder::Open(dir.path(), {.threads = 1});
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  EXPECT_EQ(embedder->info().pooling, "mean");
  EXPECT_FALSE(embedder->info().normalize);
  EXPECT_NE(embedder->info().modules.find("no modules.json"), std::string::npos) << embedder->info().modules;
  const std::vector<std::string> all = ReadJsonlTexts(testing::SharedDir() / "data/goldens/stsb-dev-sentences.jsonl");
  const std::vector<std::string> texts(all.begin(), all.begin() + 40);
  const std::vector<float> reference = ReadF32(Models() / "reference/mpnet-tiny.stsb.f32");
  Result<Embeddings> got = embedder->Embed(texts);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (size_t i = 0; i < texts.size(); ++i) {
    double norm = 0;
    for (float v : got->row(i)) norm += double(v) * v;
    EXPECT_GT(std::abs(std::sqrt(norm) - 1.0), 1e-3) << i;
    EXPECT_GE(Cosine(got->row(i), std::span(reference).subspan(i * got->dimension, got->dimension)), 0.99999) << i;
  }
}

}  // namespace
}  // namespace textembed
