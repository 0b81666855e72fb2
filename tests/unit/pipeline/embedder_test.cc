// End to end through the public API: texts → tokenizer → batcher → engine →
// pooling → normalize, against the independent PyTorch reference embeddings in
// shared/data/goldens (run on ids from Hugging Face tokenizers).
#include "textembed/embedder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "test_data.h"
#include "test_folder.h"
#include "test_math.h"

namespace textembed {
namespace {

namespace fs = std::filesystem;

constexpr size_t kSentenceStride = testing::kSanitizerBuild ? 20 : 1;

using testing::Cosine;
using testing::ReadF32;
using testing::Spearman;

std::vector<std::string> GoldenSentences() {
  return testing::ReadJsonlTexts(testing::SharedDir() / "data/goldens/stsb-dev-sentences.jsonl");
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, EverySentenceMatchesTheReference) {
  const std::string model = GetParam();
  Result<Embedder> embedder = Embedder::Open(testing::SharedDir() / "models" / model);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  const std::vector<std::string> all = GoldenSentences();
  ASSERT_EQ(all.size(), 2910u);
  const std::vector<float> golden =
      ReadF32(testing::SharedDir() / ("data/goldens/stsb-dev-sentences." + model + ".f32"));
  const size_t dim = embedder->dimension();
  ASSERT_EQ(golden.size(), all.size() * dim);

  std::vector<std::string> texts;
  std::vector<size_t> rows;
  for (size_t i = 0; i < all.size(); i += kSentenceStride) {
    texts.push_back(all[i]);
    rows.push_back(i);
  }
  Result<Embeddings> got = embedder->Embed(texts);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  double min_cosine = 1.0;
  size_t worst = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double c = Cosine(got->row(i), std::span(golden).subspan(rows[i] * dim, dim));
    if (c < min_cosine) min_cosine = c, worst = i;
  }
  std::printf("[ %s ] min cosine vs reference over %zu sentences: %.8f\n", model.c_str(), texts.size(), min_cosine);
  EXPECT_GE(min_cosine, 0.99999) << "worst: " << texts[worst];
}

// Texts of our own (adversarial, 18 languages, long articles): reference made
// by tests/data/goldens/make_goldens.sh with the same PyTorch forward pass.
TEST_P(GoldenTest, OwnTextsMatchTheReference) {
  const std::string model = GetParam();
  const fs::path dir = testing::SourceDir() / "tests/data/goldens";
  Result<Embedder> embedder = Embedder::Open(testing::SharedDir() / "models" / model);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  const std::vector<std::string> texts = testing::ReadJsonlTexts(dir / "own_texts.jsonl");
  const std::vector<float> golden = ReadF32(dir / ("own_texts." + model + ".f32"));
  const size_t dim = embedder->dimension();
  ASSERT_EQ(golden.size(), texts.size() * dim);
  Result<Embeddings> got = embedder->Embed(texts);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  double min_cosine = 1.0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double c = Cosine(got->row(i), std::span(golden).subspan(i * dim, dim));
    EXPECT_GE(c, 0.99999) << "text " << i << ": " << texts[i].substr(0, 200);
    min_cosine = std::min(min_cosine, c);
  }
  std::printf("[ %s ] min cosine vs reference over %zu own texts: %.8f\n", model.c_str(), texts.size(), min_cosine);
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::Values("minilm-l6-random", "bert-tiny-random"));

class SpearmanTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SpearmanTest, StsbSpearmanEqualsReference) {
  // With random weights this measures fidelity to the reference, not quality.
  const std::string model = GetParam();
  Result<Embedder> embedder = Embedder::Open(testing::SharedDir() / "models" / model);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  const std::vector<std::string> sentences = GoldenSentences();
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < sentences.size(); ++i) row_of[sentences[i]] = i;
  const std::vector<float> golden =
      ReadF32(testing::SharedDir() / ("data/goldens/stsb-dev-sentences." + model + ".f32"));
  Result<Embeddings> ours = embedder->Embed(sentences);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  const size_t dim = ours->dimension;

  std::vector<double> gold, ours_cos, ref_cos;
  for (const auto& [score, a, b] : testing::ReadStsbDevPairs()) {
    ASSERT_TRUE(row_of.count(a) && row_of.count(b)) << score << '\t' << a << '\t' << b;
    gold.push_back(score);
    ours_cos.push_back(Cosine(ours->row(row_of[a]), ours->row(row_of[b])));
    ref_cos.push_back(Cosine(std::span(golden).subspan(row_of[a] * dim, dim),
                             std::span(golden).subspan(row_of[b] * dim, dim)));
  }
  ASSERT_EQ(gold.size(), 1500u);
  const double ours_rho = Spearman(ours_cos, gold), ref_rho = Spearman(ref_cos, gold);
  std::printf("STS-B dev Spearman (%s): textembed %.5f, reference %.5f\n", model.c_str(), ours_rho, ref_rho);
  EXPECT_NEAR(ours_rho, ref_rho, 5e-4);
}

#if defined(TEXTEMBED_SANITIZED_BUILD)
INSTANTIATE_TEST_SUITE_P(Models, SpearmanTest, ::testing::Values("bert-tiny-random"));  // minilm: Release only
#else
INSTANTIATE_TEST_SUITE_P(Models, SpearmanTest, ::testing::Values("minilm-l6-random", "bert-tiny-random"));
#endif

TEST(Embedder, ResultDoesNotDependOnBatchingOrderOrThreads) {
  const fs::path model = testing::SharedDir() / "models/minilm-l6-random";
  std::vector<std::string> texts = GoldenSentences();
  texts.resize(40);
  texts.push_back("");  // only [CLS] [SEP]
  texts.push_back(std::string(3000, 'x') + " long text that will be truncated");

  EmbedderOptions wide;
  wide.threads = 2;
  wide.batch_tokens = 8192;
  Result<Embedder> together = Embedder::Open(model, wide);
  ASSERT_TRUE(together.ok()) << together.status().ToString();
  Result<Embeddings> reference = together->Embed(texts);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();

  EmbedderOptions narrow;
  narrow.threads = 1;
  narrow.batch_tokens = 64;
  Result<Embedder> small_batches = Embedder::Open(model, narrow);
  ASSERT_TRUE(small_batches.ok());
  std::vector<std::string> reversed(texts.rbegin(), texts.rend());
  Result<Embeddings> shuffled = small_batches->Embed(reversed);
  ASSERT_TRUE(shuffled.ok()) << shuffled.status().ToString();

  double max_diff = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    Result<Embeddings> alone = small_batches->Embed(std::vector<std::string>{texts[i]});
    ASSERT_TRUE(alone.ok());
    const auto a = reference->row(i), b = shuffled->row(texts.size() - 1 - i), c = alone->row(0);
    for (size_t d = 0; d < a.size(); ++d)
      max_diff = std::max({max_diff, double(std::abs(a[d] - b[d])), double(std::abs(a[d] - c[d]))});
  }
  std::printf("max |difference| across batchings/threads/order: %.3g\n", max_diff);
  EXPECT_LE(max_diff, 1e-6);
}

TEST(Embedder, DenseModuleAndClsPoolingFollowModulesJson) {
  const fs::path base = testing::SharedDir() / "models/bert-tiny-random";
  testing::TempModelFolder folder("dense");
  for (const char* file : {"config.json", "tokenizer.json", "model.safetensors"}) folder.Link(file, base / file);
  folder.Write("modules.json", R"([{"path":"","type":"sentence_transformers.models.Transformer"},
    {"path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
    {"path":"2_Dense","type":"sentence_transformers.models.Dense"}])");
  folder.Write("1_Pooling/config.json", R"({"pooling_mode_cls_token":true})");
  folder.Write("2_Dense/config.json",
               R"({"in_features":128,"out_features":3,"bias":true,"activation_function":"torch.nn.modules.activation.Tanh"})");
  std::vector<float> weight(3 * 128), bias = {0.1f, -0.2f, 0.3f};
  for (size_t i = 0; i < weight.size(); ++i) weight[i] = std::sin(0.37f * i) * 0.2f;
  folder.WriteSafetensors("2_Dense/model.safetensors", {{"linear.weight", {3, 128}, weight}, {"linear.bias", {3}, bias}});

  // The same model with only CLS pooling gives the Dense module's input.
  testing::TempModelFolder cls_only("cls-only");
  for (const char* file : {"config.json", "tokenizer.json", "model.safetensors"}) cls_only.Link(file, base / file);
  cls_only.Write("modules.json", R"([{"path":"","type":"sentence_transformers.models.Transformer"},
    {"path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])");
  cls_only.Write("1_Pooling/config.json", R"({"pooling_mode_cls_token":true})");

  Result<Embedder> dense = Embedder::Open(folder.path());
  ASSERT_TRUE(dense.ok()) << dense.status().ToString();
  Result<Embedder> cls = Embedder::Open(cls_only.path());
  ASSERT_TRUE(cls.ok()) << cls.status().ToString();
  EXPECT_EQ(dense->dimension(), 3u);
  EXPECT_EQ(dense->info().pooling, "cls");
  EXPECT_EQ(fs::path(dense->info().weights_file), folder.path() / "model.safetensors");
  const std::vector<std::string> texts = {"A man is playing a guitar.", "Zwei Hunde spielen im Schnee."};
  Result<Embeddings> projected = dense->Embed(texts);
  Result<Embeddings> pooled = cls->Embed(texts);
  ASSERT_TRUE(projected.ok() && pooled.ok());
  for (size_t r = 0; r < texts.size(); ++r) {
    for (size_t o = 0; o < 3; ++o) {
      double acc = bias[o];
      for (size_t i = 0; i < 128; ++i) acc += double(weight[o * 128 + i]) * pooled->row(r)[i];
      EXPECT_NEAR(projected->row(r)[o], std::tanh(acc), 1e-5);
    }
  }
}

TEST(Embedder, BadFoldersAndInputsGiveErrors) {
  EXPECT_EQ(Embedder::Open("/nonexistent/model").status().code(), Status::Code::kNotFound);

  testing::TempModelFolder no_weights("no-weights");
  const fs::path base = testing::SharedDir() / "models/bert-tiny-random";
  no_weights.Link("config.json", base / "config.json");
  no_weights.Link("tokenizer.json", base / "tokenizer.json");
  Status s = Embedder::Open(no_weights.path()).status();
  EXPECT_FALSE(s.ok());

  EmbedderOptions no_room;
  no_room.max_length = 2;  // [CLS] [SEP] and nothing else
  EXPECT_EQ(Embedder::Open(base, no_room).status().code(), Status::Code::kInvalidArgument);

  Result<Embedder> embedder = Embedder::Open(base);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  Result<Embeddings> none = embedder->Embed(std::vector<std::string>{});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rows, 0u);
  // Invalid UTF-8 is read as U+FFFD, not rejected.
  Result<Embeddings> odd = embedder->Embed(std::vector<std::string>{"caf\xC3", std::string("\0\x01\xFF", 3)});
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  for (float v : odd->values) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace textembed
