// Malformed weight and config files give clear errors (never a crash), and
// valid safetensors variants (F16/BF16, "bert." prefix) load correctly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "engine/encoder.h"
#include "engine/safetensors.h"
#include "golden_data.h"

namespace textembed::engine {
namespace {

namespace fs = std::filesystem;

class WeightsFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("engine_weights_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return dir_ / name;
  }
  // A safetensors file from a JSON header and a data section.
  fs::path WriteSafetensors(const std::string& name, const std::string& header, const std::string& data) {
    std::string bytes(8, '\0');
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xff);
    return Write(name, bytes + header + data);
  }

  fs::path dir_;
};

std::string Floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

TEST_F(WeightsFormatTest, ReadsF32F16Bf16AndStripsBertPrefix) {
  // 1.5 and -2 in half (0x3e00, 0xc000) and bfloat16 (0x3fc0, 0xc000).
  const std::string data = Floats({1.0f, 2.0f}) + std::string("\x00\x3e\x00\xc0", 4) + std::string("\xc0\x3f\x00\xc0", 4);
  const auto path = WriteSafetensors(
      "ok.safetensors",
      R"({"__metadata__":{"format":"pt"},"bert.a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("h":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]}})",
      data);
  auto weights = SafetensorsWeights::Open(path);
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  auto a = (*weights)->Find("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(a->data[1], 2.0f);
  auto h = (*weights)->Find("h");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->data[0], 1.5f);
  EXPECT_EQ(h->data[1], -2.0f);
  auto b = (*weights)->Find("b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->data[0], 1.5f);
  EXPECT_EQ(b->data[1], -2.0f);
  auto missing = (*weights)->Find("nope");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  EXPECT_NE(missing.status().message().find(path.string()), std::string::npos);
  auto wrong_shape = (*weights)->Require("a", {3});
  EXPECT_EQ(wrong_shape.status().code(), Status::Code::kCorruption);
}

void ExpectCorruption(const Result<std::unique_ptr<SafetensorsWeights>>& r, const fs::path& path,
                      const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find(path.string()), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().ToString();
}

TEST_F(WeightsFormatTest, RejectsMalformedSafetensors) {
  const std::string entry = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  auto p = Write("short.safetensors", "abc");
  ExpectCorruption(SafetensorsWeights::Open(p), p, "too short");
  p = WriteSafetensors("json.safetensors", "{not json", "");
  ExpectCorruption(SafetensorsWeights::Open(p), p, "JSON");
  p = WriteSafetensors("notobj.safetensors", "[1,2]", "");
  ExpectCorruption(SafetensorsWeights::Open(p), p, "object");
  p = WriteSafetensors("truncated.safetensors", entry, Floats({1.0f}));
  ExpectCorruption(SafetensorsWeights::Open(p), p, "outside");
  p = WriteSafetensors("size.safetensors", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", Floats({1, 2}));
  ExpectCorruption(SafetensorsWeights::Open(p), p, "does not match shape");
  p = WriteSafetensors("overlap.safetensors",
                       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                       Floats({1, 2}));
  ExpectCorruption(SafetensorsWeights::Open(p), p, "overlap");
  p = WriteSafetensors("dtype.safetensors", R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", Floats({1, 2}));
  ExpectCorruption(SafetensorsWeights::Open(p), p, "dtype");
  p = WriteSafetensors("shape.safetensors", R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", Floats({1, 2}));
  ExpectCorruption(SafetensorsWeights::Open(p), p, "shape");
  p = WriteSafetensors("offsets.safetensors", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", Floats({1, 2}));
  ExpectCorruption(SafetensorsWeights::Open(p), p, "data_offsets");
  // Header length pointing beyond the end of the file.
  std::string bytes(8, '\0');
  bytes[0] = char(0xff);
  bytes[3] = char(0x7f);
  p = Write("hugeheader.safetensors", bytes + "{}");
  ExpectCorruption(SafetensorsWeights::Open(p), p, "header length");
}

// Every prefix of a real file is rejected cleanly.
TEST_F(WeightsFormatTest, TruncatedRealModelIsCorruption) {
  const auto real = testing::ModelDir("bert-tiny-random") / "model.safetensors";
  std::ifstream in(real, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  for (size_t keep : {size_t(0), size_t(5), size_t(100), size_t(2000), content.size() / 2, content.size() - 1}) {
    const auto p = Write("cut.safetensors", content.substr(0, keep));
    auto r = SafetensorsWeights::Open(p);
    ASSERT_FALSE(r.ok()) << keep;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().ToString();
  }
}

// A model folder built from bert-tiny-random with an edited config.json.
fs::path FolderWithConfig(const fs::path& dir, const std::function<void(nlohmann::json&)>& edit) {
  const auto source = testing::ModelDir("bert-tiny-random");
  nlohmann::json config = nlohmann::json::parse(std::ifstream(source / "config.json"));
  edit(config);
  std::ofstream(dir / "config.json") << config.dump();
  std::error_code ec;
  fs::create_symlink(source / "model.safetensors", dir / "model.safetensors", ec);
  return dir;
}

TEST_F(WeightsFormatTest, ConfigThatDoesNotMatchWeightsIsCorruptionNamingTensor) {
  FolderWithConfig(dir_, [](nlohmann::json& c) { c["intermediate_size"] = 256; });
  auto encoder = LoadEncoder(dir_);
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.status().code(), Status::Code::kCorruption);
  EXPECT_NE(encoder.status().message().find("intermediate.dense.weight"), std::string::npos)
      << encoder.status().ToString();
  EXPECT_NE(encoder.status().message().find("model.safetensors"), std::string::npos);
}

TEST_F(WeightsFormatTest, MoreLayersThanWeightsIsNotFoundNamingTensor) {
  FolderWithConfig(dir_, [](nlohmann::json& c) { c["num_hidden_layers"] = 3; });
  auto encoder = LoadEncoder(dir_);
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.status().code(), Status::Code::kNotFound);
  EXPECT_NE(encoder.status().message().find("encoder.layer.2."), std::string::npos) << encoder.status().ToString();
}

TEST_F(WeightsFormatTest, MissingOrBadConfigFields) {
  for (const char* field : {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                            "vocab_size", "max_position_embeddings"}) {
    fs::remove(dir_ / "config.json");
    FolderWithConfig(dir_, [&](nlohmann::json& c) { c.erase(field); });
    auto encoder = LoadEncoder(dir_);
    ASSERT_FALSE(encoder.ok()) << field;
    EXPECT_EQ(encoder.status().code(), Status::Code::kCorruption);
    EXPECT_NE(encoder.status().message().find(field), std::string::npos) << encoder.status().ToString();
  }
  fs::remove(dir_ / "config.json");
  FolderWithConfig(dir_, [](nlohmann::json& c) { c["num_attention_heads"] = 3; });
  EXPECT_EQ(LoadEncoder(dir_).status().code(), Status::Code::kCorruption);
  fs::remove(dir_ / "config.json");
  FolderWithConfig(dir_, [](nlohmann::json& c) { c["hidden_size"] = "big"; });
  EXPECT_EQ(LoadEncoder(dir_).status().code(), Status::Code::kCorruption);
  fs::remove(dir_ / "config.json");
  FolderWithConfig(dir_, [](nlohmann::json& c) { c["model_type"] = "t5"; });
  EXPECT_EQ(LoadEncoder(dir_).status().code(), Status::Code::kUnimplemented);
  Write("config.json", "{\"hidden_size\": ");
  auto broken = LoadEncoder(dir_);
  EXPECT_EQ(broken.status().code(), Status::Code::kCorruption);
  EXPECT_NE(broken.status().message().find("config.json"), std::string::npos);
}

TEST_F(WeightsFormatTest, FolderWithoutWeightsIsNotFound) {
  fs::copy_file(testing::ModelDir("bert-tiny-random") / "config.json", dir_ / "config.json");
  EXPECT_EQ(LoadEncoder(dir_).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(LoadEncoder(dir_ / "nowhere").status().code(), Status::Code::kNotFound);
}

TEST_F(WeightsFormatTest, BadBatchesAreInvalidArgument) {
  auto encoder = LoadEncoder(testing::ModelDir("bert-tiny-random"));
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  std::vector<float> hidden;
  std::vector<int32_t> ids{101, 2000, 102}, offsets{0, 3}, bad_offsets{0, 2}, bad_ids{101, 99999, 102};
  std::vector<int32_t> types{0, 5, 0};
  EXPECT_FALSE((*encoder)->Forward(PackedBatch{ids, {}, bad_offsets}, &hidden).ok());
  EXPECT_FALSE((*encoder)->Forward(PackedBatch{bad_ids, {}, offsets}, &hidden).ok());
  EXPECT_FALSE((*encoder)->Forward(PackedBatch{ids, types, offsets}, &hidden).ok());
  std::vector<int32_t> long_ids(600, 1000), long_offsets{0, 600};
  EXPECT_EQ((*encoder)->Forward(PackedBatch{long_ids, {}, long_offsets}, &hidden).code(),
            Status::Code::kOutOfRange);
  EXPECT_TRUE((*encoder)->Forward(PackedBatch{}, &hidden).ok());
  EXPECT_TRUE(hidden.empty());
  ASSERT_TRUE((*encoder)->Forward(PackedBatch{ids, {}, offsets}, &hidden).ok());
  EXPECT_EQ(hidden.size(), 3u * 128);
}

}  // namespace
}  // namespace textembed::engine
