// The bf16 and int8 encoders against the same engine in f32 on the random test
// models: every STS-B dev sentence plus textembed's own texts (adversarial,
// multilingual, long), min cosine of the pooled embeddings (int8 ≥ 0.999,
// bf16 ≥ 0.9999), how far each STS-B pair's cosine moves, and (on the whole
// dev set) the STS-B Spearman within 0.002 of f32's; and results independent
// of batching and thread count, as for f32.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>

#include "engine/encoder.h"
#include "golden_data.h"

namespace textembed::engine {
namespace {

using testing::Packed;

// STS-B dev sentences (in the goldens' order) followed by the own texts.
struct Corpus {
  std::vector<std::vector<int32_t>> ids;
  size_t stsb = 0;
};

const Corpus& TestCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    c.ids = testing::ReadStsbIds();
    c.ids.resize(testing::SentenceLimit(c.ids.size()));
    c.stsb = c.ids.size();
    auto own = testing::ReadIds(std::filesystem::path(TEXTEMBED_SOURCE_DIR) / "tests/data/goldens/own_texts.ids.jsonl");
    own.resize(std::min(own.size(), testing::SentenceLimit(own.size())));
    c.ids.insert(c.ids.end(), own.begin(), own.end());
    return c;
  }();
  return corpus;
}

// Pooled, L2-normalized embeddings of every text, 64 texts per Forward.
std::vector<std::vector<float>> EmbedAll(const Encoder& encoder, const std::vector<std::vector<int32_t>>& texts) {
  std::vector<std::vector<float>> out;
  std::vector<float> hidden;
  for (size_t begin = 0; begin < texts.size(); begin += 64) {
    Packed packed;
    for (size_t i = begin; i < std::min(texts.size(), begin + 64); ++i) packed.Add(texts[i]);
    const Status status = encoder.Forward(packed.batch(), &hidden);
    EXPECT_TRUE(status.ok()) << status.ToString();
    for (auto& row : testing::MeanPoolNormalize(hidden, packed, encoder.config().hidden_size))
      out.push_back(std::move(row));
  }
  return out;
}

// The STS-B dev pairs whose sentences are both among the first `rows` golden
// sentences: gold score and cosine of the two embeddings.
struct StsbPairs {
  std::vector<double> gold, cosine;
  double Spearman() const { return gold.size() < 10 ? 0.0 : testing::Spearman(gold, cosine); }
};

StsbPairs ScoreStsbPairs(const std::vector<std::vector<float>>& embeddings, size_t rows) {
  std::map<std::string, size_t> row_of;
  const std::vector<std::string> sentences =
      textembed::testing::ReadJsonlTexts(testing::GoldensDir() / "stsb-dev-sentences.jsonl");
  for (size_t i = 0; i < std::min(rows, sentences.size()); ++i) row_of[sentences[i]] = i;
  StsbPairs pairs;
  for (const auto& [score, a, b] : textembed::testing::ReadStsbDevPairs()) {
    if (!row_of.count(a) || !row_of.count(b)) continue;
    pairs.gold.push_back(score);
    pairs.cosine.push_back(testing::Cosine(embeddings[row_of[a]], embeddings[row_of[b]]));
  }
  return pairs;
}

std::unique_ptr<Encoder> Load(const std::string& model, const std::string& dtype, int threads) {
  EngineOptions options;
  options.threads = threads;
  options.dtype = dtype;
  auto encoder = LoadEncoder(testing::ModelDir(model), options);
  EXPECT_TRUE(encoder.ok()) << encoder.status().ToString();
  return encoder.ok() ? std::move(*encoder) : nullptr;
}

struct Fidelity {
  double min_cosine = 1, spearman = 0;
  double max_pair_cosine_shift = 0;  // largest |cos(a,b) - cos_f32(a,b)| over the STS-B pairs
};

Fidelity Compare(const std::string& model, const std::string& dtype,
                 const std::vector<std::vector<float>>& f32, const StsbPairs& f32_pairs) {
  const Corpus& corpus = TestCorpus();
  auto encoder = Load(model, dtype, 2);
  if (!encoder) return {};
  const auto got = EmbedAll(*encoder, corpus.ids);
  Fidelity f;
  size_t worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double c = testing::Cosine(got[i], f32[i]);
    if (c < f.min_cosine) f.min_cosine = c, worst = i;
  }
  const StsbPairs pairs = ScoreStsbPairs(got, corpus.stsb);
  f.spearman = pairs.Spearman();
  for (size_t i = 0; i < pairs.cosine.size(); ++i)
    f.max_pair_cosine_shift = std::max(f.max_pair_cosine_shift, std::abs(pairs.cosine[i] - f32_pairs.cosine[i]));
  std::printf("[ quantized ] %s %s: min cosine to f32 %.7f (text %zu of %zu), STS-B Spearman %.5f, "
              "largest pair cosine shift %.5f\n",
              model.c_str(), dtype.c_str(), f.min_cosine, worst, got.size(), f.spearman, f.max_pair_cosine_shift);
  return f;
}

// How far a pair's cosine may move from f32's: set from the measured
// worst case on both models (int8 0.0062, bf16 0.0015 over the 1,500 STS-B
// dev pairs) with 2x headroom.
constexpr double kInt8PairCosineShift = 0.012;
constexpr double kBf16PairCosineShift = 0.003;

class QuantizedEncoderTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedEncoderTest, CloseToF32OnStsbAndOwnTexts) {
  const std::string model = GetParam();
  auto f32_encoder = Load(model, "f32", 2);
  ASSERT_NE(f32_encoder, nullptr);
  const auto f32 = EmbedAll(*f32_encoder, TestCorpus().ids);
  const StsbPairs f32_pairs = ScoreStsbPairs(f32, TestCorpus().stsb);
  const double f32_spearman = f32_pairs.Spearman();
  std::printf("[ quantized ] %s f32: STS-B Spearman %.5f over %zu pairs\n", model.c_str(), f32_spearman,
              f32_pairs.gold.size());
  // The Spearman criterion needs the whole dev set: on the few pairs a
  // sanitizer build has time for, the random models' similar cosines reorder
  // under any perturbation. The pair cosines themselves are checked always.
  const bool whole_dev_set = f32_pairs.gold.size() >= 1000;

  const Fidelity int8 = Compare(model, "int8", f32, f32_pairs);
  EXPECT_GE(int8.min_cosine, 0.999);
  EXPECT_LE(int8.max_pair_cosine_shift, kInt8PairCosineShift);
  if (whole_dev_set) {
    EXPECT_NEAR(int8.spearman, f32_spearman, 0.002);
  }
  const Fidelity bf16 = Compare(model, "bf16", f32, f32_pairs);
  EXPECT_GE(bf16.min_cosine, 0.9999);
  EXPECT_LE(bf16.max_pair_cosine_shift, kBf16PairCosineShift);
  if (whole_dev_set) {
    EXPECT_NEAR(bf16.spearman, f32_spearman, 0.002);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, QuantizedEncoderTest, ::testing::Values("minilm-l6-random", "bert-tiny-random"));

// Each sentence alone, and inside 2 shuffled mixed batches, with 1 and 2
// threads: bitwise the same hidden states (activations are quantized per row).
void ExpectBatchingInvariant(const std::string& model, const std::string& dtype) {
  const auto& all = TestCorpus().ids;
  std::vector<std::vector<int32_t>> sentences(all.begin(), all.begin() + std::min<size_t>(20, all.size()));
  auto longest = all;
  std::sort(longest.begin(), longest.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
  sentences.insert(sentences.end(), longest.begin(), longest.begin() + 3);

  auto one_thread = Load(model, dtype, 1);
  ASSERT_NE(one_thread, nullptr);
  const size_t width = one_thread->config().hidden_size;
  std::vector<std::vector<float>> alone;
  std::vector<float> hidden;
  for (const auto& s : sentences) {
    Packed p;
    p.Add(s);
    ASSERT_TRUE(one_thread->Forward(p.batch(), &hidden).ok());
    alone.push_back(hidden);
  }
  auto two_threads = Load(model, dtype, 2);
  ASSERT_NE(two_threads, nullptr);
  std::mt19937 rng(11);
  for (const Encoder* encoder : {one_thread.get(), two_threads.get()}) {
    for (int round = 0; round < 2; ++round) {
      std::vector<size_t> order(sentences.size());
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      Packed mixed;
      for (size_t i : order) mixed.Add(sentences[i]);
      ASSERT_TRUE(encoder->Forward(mixed.batch(), &hidden).ok());
      for (size_t k = 0; k < order.size(); ++k) {
        const float* got = hidden.data() + size_t(mixed.offsets[k]) * width;
        EXPECT_TRUE(std::equal(alone[order[k]].begin(), alone[order[k]].end(), got))
            << model << " " << dtype << " sentence " << order[k] << " round " << round;
      }
    }
  }
}

TEST(QuantizedBatchingTest, Int8MiniLm) { ExpectBatchingInvariant("minilm-l6-random", "int8"); }
TEST(QuantizedBatchingTest, Bf16MiniLm) { ExpectBatchingInvariant("minilm-l6-random", "bf16"); }
TEST(QuantizedBatchingTest, Int8BertTiny) { ExpectBatchingInvariant("bert-tiny-random", "int8"); }

TEST(QuantizedEncoderOptionsTest, BadDtypeIsAClearError) {
  EngineOptions options;
  options.dtype = "int4";
  auto encoder = LoadEncoder(testing::ModelDir("bert-tiny-random"), options);
  ASSERT_FALSE(encoder.ok());
  EXPECT_NE(encoder.status().ToString().find("int4"), std::string::npos) << encoder.status().ToString();
}

}  // namespace
}  // namespace textembed::engine
