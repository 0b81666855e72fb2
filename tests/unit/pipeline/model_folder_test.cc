#include "pipeline/model_folder.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_data.h"
#include "test_folder.h"

namespace textembed::pipeline {
namespace {

TEST(ModelFolder, ReadsPublishedSentenceTransformersFolder) {
  Result<ModelFolder> folder = ModelFolder::Read(testing::SharedDir() / "models/minilm-l6-random");
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(folder->pooling, (std::vector<PoolingMode>{PoolingMode::kMean}));
  EXPECT_TRUE(folder->normalize);
  EXPECT_TRUE(folder->dense.empty());
  EXPECT_EQ(folder->max_seq_length, 256u);
}

TEST(ModelFolder, PlainFolderGetsSentenceTransformersDefaults) {
  testing::TempModelFolder dir("plain");
  dir.Write("config.json", "{}");
  Result<ModelFolder> folder = ModelFolder::Read(dir.path());
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(folder->pooling, (std::vector<PoolingMode>{PoolingMode::kMean}));
  EXPECT_FALSE(folder->normalize);
  EXPECT_FALSE(folder->max_seq_length.has_value());
  EXPECT_FALSE(folder->has_modules_json);
  EXPECT_EQ(folder->Describe(), "no modules.json: sentence-transformers defaults (mean pooling, no Normalize)");
}

TEST(ModelFolder, PoolingModesDenseAndNormalize) {
  testing::TempModelFolder dir("modules");
  dir.Write("modules.json", R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
    {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
    {"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"},
    {"idx":3,"name":"3","path":"3_Normalize","type":"sentence_transformers.models.Normalize"}])");
  dir.Write("1_Pooling/config.json", R"({"word_embedding_dimension":8,"pooling_mode_cls_token":true,
    "pooling_mode_mean_tokens":true,"pooling_mode_max_tokens":false})");
  dir.Write("2_Dense/config.json", R"({"in_features":16,"out_features":4,"bias":false,
    "activation_function":"torch.nn.modules.activation.Tanh"})");
  Result<ModelFolder> folder = ModelFolder::Read(dir.path());
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(folder->pooling, (std::vector<PoolingMode>{PoolingMode::kCls, PoolingMode::kMean}));
  ASSERT_EQ(folder->dense.size(), 1u);
  EXPECT_EQ(folder->dense[0].in_features, 16u);
  EXPECT_EQ(folder->dense[0].out_features, 4u);
  EXPECT_FALSE(folder->dense[0].bias);
  EXPECT_EQ(folder->dense[0].activation, Activation::kTanh);
  EXPECT_TRUE(folder->normalize);
  EXPECT_TRUE(folder->has_modules_json);
  EXPECT_EQ(folder->Describe(), "modules.json: cls+mean pooling, 1 Dense, Normalize");
}

TEST(ModelFolder, ErrorsNameTheFile) {
  EXPECT_EQ(ModelFolder::Read("/nonexistent/model").status().code(), Status::Code::kNotFound);

  testing::TempModelFolder bad_json("bad-json");
  bad_json.Write("modules.json", "[{");
  Status s = ModelFolder::Read(bad_json.path()).status();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("modules.json"), std::string::npos) << s.message();

  testing::TempModelFolder no_pooling("no-pooling");
  no_pooling.Write("modules.json", R"([{"path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])");
  s = ModelFolder::Read(no_pooling.path()).status();
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("1_Pooling/config.json"), std::string::npos) << s.message();

  testing::TempModelFolder unknown("unknown-module");
  unknown.Write("modules.json", R"([{"path":"","type":"sentence_transformers.models.CNN"}])");
  EXPECT_EQ(ModelFolder::Read(unknown.path()).status().code(), Status::Code::kUnimplemented);

  testing::TempModelFolder bad_dense("bad-dense");
  bad_dense.Write("modules.json", R"([{"path":"2_Dense","type":"sentence_transformers.models.Dense"}])");
  bad_dense.Write("2_Dense/config.json", R"({"in_features":-3,"out_features":4})");
  EXPECT_EQ(ModelFolder::Read(bad_dense.path()).status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace textembed::pipeline
