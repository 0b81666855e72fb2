// A model folder that ships only onnx/model.onnx (no model.safetensors) must
// load and compute exactly what the safetensors folder computes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <vector>

#include "engine/encoder.h"
#include "test_data.h"

namespace textembed::engine {
namespace {

namespace fs = std::filesystem;

TEST(OnnxEncoder, OnnxOnlyFolderGivesTheSameHiddenStatesAsSafetensors) {
  const fs::path original = textembed::testing::SharedDir() / "models" / "bert-tiny-random";
  std::string pattern = (fs::temp_directory_path() / "onnx_encoder_test_XXXXXX").string();
  const fs::path folder = ::mkdtemp(pattern.data());
  fs::create_directory(folder / "onnx");
  fs::copy_file(original / "config.json", folder / "config.json");
  fs::create_symlink(original / "onnx" / "model.onnx", folder / "onnx" / "model.onnx");

  auto from_onnx = LoadEncoder(folder, {.threads = 1});
  auto from_safetensors = LoadEncoder(original, {.threads = 1});
  fs::remove_all(folder);
  ASSERT_TRUE(from_onnx.ok()) << from_onnx.status().ToString();
  ASSERT_TRUE(from_safetensors.ok()) << from_safetensors.status().ToString();

  // Two sequences packed: [CLS] ... [SEP] ids from the bert-base-uncased vocab.
  const std::vector<int32_t> ids = {101, 7592, 2088, 102, 101, 1037, 2307, 6251, 2005, 5604, 102};
  const std::vector<int32_t> offsets = {0, 4, 11};
  PackedBatch batch{ids, {}, offsets};
  std::vector<float> onnx_hidden;
  std::vector<float> safetensors_hidden;
  ASSERT_TRUE((*from_onnx)->Forward(batch, &onnx_hidden).ok());
  ASSERT_TRUE((*from_safetensors)->Forward(batch, &safetensors_hidden).ok());
  ASSERT_EQ(onnx_hidden.size(), ids.size() * 128);
  EXPECT_EQ(onnx_hidden, safetensors_hidden);
}

}  // namespace
}  // namespace textembed::engine
