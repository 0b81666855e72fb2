#include <gtest/gtest.h>

#include <vector>

#include "engine/safetensors.h"
#include "test_data.h"

namespace textembed::engine {
namespace {

// Evicting a mapped tensor drops its pages, never its content: a later read
// faults the same values back in from the file.
TEST(SafetensorsEvict, EvictedTensorsReadBackUnchanged) {
  auto weights = SafetensorsWeights::Open(testing::SharedDir() / "models/bert-tiny-random/model.safetensors");
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  for (const char* name : {"encoder.layer.0.intermediate.dense.weight", "embeddings.word_embeddings.weight"}) {
    Result<TensorRef> tensor = (*weights)->Find(name);
    ASSERT_TRUE(tensor.ok()) << tensor.status().ToString();
    const size_t count = static_cast<size_t>(tensor->num_elements());
    const std::vector<float> before(tensor->data, tensor->data + count);
    (*weights)->Evict(tensor->data, count);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), tensor->data)) << name;
  }
  // Pointers outside the mapping are ignored.
  std::vector<float> own(1024, 1.0f);
  (*weights)->Evict(own.data(), own.size());
  EXPECT_EQ(own[0], 1.0f);
}

}  // namespace
}  // namespace textembed::engine
