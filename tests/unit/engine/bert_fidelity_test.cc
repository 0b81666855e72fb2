// The engine's output against the PyTorch reference (tools/reference_bert.py)
// on all STS-B dev sentences: every sentence must reach cosine >= 0.99999.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "engine/encoder.h"
#include "golden_data.h"

namespace textembed::engine {
namespace {

using testing::Packed;

struct FidelityCase {
  std::string model;
  bool portable_kernels;
  int threads;
};

class BertFidelityTest : public ::testing::TestWithParam<FidelityCase> {};

double MinCosineAgainstGolden(const std::filesystem::path& model_dir, const std::string& golden_name,
                              const EngineOptions& options) {
  auto encoder = LoadEncoder(model_dir, options);
  EXPECT_TRUE(encoder.ok()) << encoder.status().ToString();
  if (!encoder.ok()) return 0;
  const size_t width = (*encoder)->config().hidden_size;
  const auto sentences = testing::ReadStsbIds();
  EXPECT_EQ(sentences.size(), 2910u);
  const auto golden =
      testing::ReadF32(testing::GoldensDir() / ("stsb-dev-sentences." + golden_name + ".f32"));
  EXPECT_EQ(golden.size(), sentences.size() * width);
  const size_t count = testing::SentenceLimit(sentences.size());

  double min_cosine = 1.0;
  size_t worst = 0;
  std::vector<float> hidden;
  for (size_t first = 0; first < count;) {
    // Batches of about 2,000 tokens, in file order (mixed lengths).
    Packed packed;
    size_t last = first;
    while (last < count && packed.ids.size() < 2000) packed.Add(sentences[last++]);
    const Status status = (*encoder)->Forward(packed.batch(), &hidden);
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!status.ok()) return 0;
    const auto pooled = testing::MeanPoolNormalize(hidden, packed, width);
    for (size_t i = first; i < last; ++i) {
      const double cosine = testing::Cosine(pooled[i - first], std::span(golden).subspan(i * width, width));
      if (cosine < min_cosine) min_cosine = cosine, worst = i;
    }
    first = last;
  }
  std::printf("[ fidelity ] %s (%s kernels, %d threads): %zu sentences, min cosine %.9f (1 - min = %.2e, sentence %zu)\n",
              golden_name.c_str(), options.portable_kernels ? "portable" : "best", options.threads, count, min_cosine,
              1.0 - min_cosine, worst);
  return min_cosine;
}

TEST_P(BertFidelityTest, EverySentenceMatchesReference) {
  const FidelityCase& c = GetParam();
  EngineOptions options;
  options.threads = c.threads;
  options.portable_kernels = c.portable_kernels;
  EXPECT_GE(MinCosineAgainstGolden(testing::ModelDir(c.model), c.model, options), 0.99999);
}

INSTANTIATE_TEST_SUITE_P(Models, BertFidelityTest,
                         ::testing::Values(FidelityCase{"minilm-l6-random", false, 2},
                                           FidelityCase{"bert-tiny-random", false, 2},
                                           FidelityCase{"bert-tiny-random", true, 1}),
                         [](const auto& info) {
                           std::string name = info.param.model + (info.param.portable_kernels ? "_portable" : "_best") +
                                              "_threads" + std::to_string(info.param.threads);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// A folder with only onnx/model.onnx (no safetensors) loads the same weights
// through the ONNX reader and gives the same embeddings.
TEST(BertFidelityOnnxTest, OnnxOnlyFolderMatchesReference) {
  const auto source = testing::ModelDir("bert-tiny-random");
  const auto dir = std::filesystem::temp_directory_path() / ("engine_onnx_only_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "onnx");
  std::filesystem::copy_file(source / "config.json", dir / "config.json");
  std::filesystem::create_symlink(source / "onnx" / "model.onnx", dir / "onnx" / "model.onnx");
  EXPECT_GE(MinCosineAgainstGolden(dir, "bert-tiny-random", EngineOptions{}), 0.99999);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace textembed::engine
