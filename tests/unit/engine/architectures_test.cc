// MPNet and XLM-RoBERTa through the one forward path: configuration derived
// from model_type, the relative position buckets against transformers' own
// table, sequence limits after the padding offset, refusal of unknown
// architectures, and batching invariance with the relative attention bias.
// End-to-end fidelity against sentence-transformers is in
// tests/unit/pipeline/arch_fidelity_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "engine/encoder.h"
#include "engine/relative_position.h"
#include "golden_data.h"
#include "test_data.h"

namespace textembed::engine {
namespace {

namespace fs = std::filesystem;

fs::path TestModel(const std::string& name) { return textembed::testing::SourceDir() / "tests/data/models" / name; }

TEST(RelativePositionTest, BucketsMatchTransformers) {
  const nlohmann::json table =
      nlohmann::json::parse(std::ifstream(TestModel("reference") / "mpnet_relative_buckets.json"));
  const int first = table["first_relative_position"].get<int>();
  const int num_buckets = table["num_buckets"].get<int>(), max_distance = table["max_distance"].get<int>();
  const auto buckets = table["buckets"].get<std::vector<int>>();
  ASSERT_GT(buckets.size(), 2000u);
  for (size_t k = 0; k < buckets.size(); ++k) {
    const int relative = first + int(k);
    ASSERT_EQ(RelativePositionBucket(relative, num_buckets, max_distance), buckets[k]) << "relative " << relative;
  }
}

TEST(ArchitecturesTest, ConfigFollowsModelType) {
  auto mpnet = LoadEncoder(TestModel("mpnet-tiny"), {.threads = 1});
  ASSERT_TRUE(mpnet.ok()) << mpnet.status().ToString();
  const EncoderConfig& m = (*mpnet)->config();
  EXPECT_EQ(m.model_type, "mpnet");
  EXPECT_EQ(m.position_ids, PositionIds::kAfterPadding);
  EXPECT_EQ(m.padding_idx, 1);
  EXPECT_FALSE(m.token_type_embeddings);
  EXPECT_EQ(m.attention_names, AttentionNames::kMpnet);
  EXPECT_EQ(m.relative_attention_buckets, 32);
  EXPECT_EQ(m.max_sequence_length(), 512);

  auto xlmr = LoadEncoder(TestModel("xlmr-tiny"), {.threads = 1});
  ASSERT_TRUE(xlmr.ok()) << xlmr.status().ToString();
  const EncoderConfig& x = (*xlmr)->config();
  EXPECT_EQ(x.model_type, "xlm-roberta");
  EXPECT_EQ(x.position_ids, PositionIds::kAfterPadding);
  EXPECT_EQ(x.padding_idx, 0);
  EXPECT_TRUE(x.token_type_embeddings);
  EXPECT_EQ(x.type_vocab_size, 1);
  EXPECT_EQ(x.relative_attention_buckets, 0);
  EXPECT_EQ(x.max_sequence_length(), 513);
  EXPECT_NE((*xlmr)->weights_file().find("pytorch_model.bin"), std::string::npos);
}

TEST(ArchitecturesTest, UnsupportedModelTypeIsRefusedNamingIt) {
  const fs::path dir = fs::temp_directory_path() / ("engine_arch_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(TestModel("xlmr-tiny") / "config.json"));
  config["model_type"] = "deberta-v2";
  std::ofstream(dir / "config.json") << config.dump();
  Status s = LoadEncoder(dir).status();
  EXPECT_EQ(s.code(), Status::Code::kUnimplemented);
  EXPECT_NE(s.message().find("model_type 'deberta-v2'"), std::string::npos) << s.message();
  fs::remove_all(dir);
}

TEST(ArchitecturesTest, SequenceLimitIsThePositionTableAfterTheOffset) {
  auto encoder = LoadEncoder(TestModel("mpnet-tiny"), {.threads = 1});
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  std::vector<float> hidden;
  for (int len : {512, 513}) {
    testing::Packed packed;
    packed.Add(std::vector<int32_t>(len, 1000));
    Status s = (*encoder)->Forward(packed.batch(), &hidden);
    EXPECT_EQ(s.code(), len == 512 ? Status::Code::kOk : Status::Code::kOutOfRange) << s.ToString();
  }
}

// The relative bias table is built for the longest sequence of a call; every
// shorter one must read exactly what it would alone. Also covers token ids
// equal to padding_idx inside a sequence (they take position padding_idx).
TEST(ArchitecturesTest, PackingDoesNotChangeResults) {
  for (const char* name : {"mpnet-tiny", "xlmr-tiny"}) {
    for (int threads : {1, 2}) {
      auto encoder = LoadEncoder(TestModel(name), {.threads = threads});
      ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
      const EncoderConfig& config = (*encoder)->config();
      std::mt19937 rng(11);
      std::vector<std::vector<int32_t>> sequences;
      for (int len : {5, 140, 1, 37, 300, 2}) {
        std::vector<int32_t> ids(len);
        for (auto& id : ids) id = int32_t(rng() % uint32_t(config.vocab_size));
        if (len > 3) ids[2] = config.padding_idx;
        sequences.push_back(ids);
      }
      testing::Packed all;
      for (const auto& seq : sequences) all.Add(seq);
      std::vector<float> packed_hidden, alone;
      ASSERT_TRUE((*encoder)->Forward(all.batch(), &packed_hidden).ok());
      const size_t h = config.hidden_size;
      for (size_t s = 0; s < sequences.size(); ++s) {
        testing::Packed one;
        one.Add(sequences[s]);
        ASSERT_TRUE((*encoder)->Forward(one.batch(), &alone).ok());
        ASSERT_EQ(0, std::memcmp(alone.data(), packed_hidden.data() + size_t(all.offsets[s]) * h,
                                 alone.size() * sizeof(float)))
            << name << " sequence " << s << " threads " << threads;
      }
    }
  }
}

}  // namespace
}  // namespace textembed::engine
