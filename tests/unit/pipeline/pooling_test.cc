#include "pipeline/pooling.h"

#include <gtest/gtest.h>

#include <cmath>

namespace textembed::pipeline {
namespace {

// Three tokens × two features.
const std::vector<float> kTokens = {1, -2,  //
                                    3, 4,   //
                                    5, 0};

std::vector<float> PoolWith(std::vector<PoolingMode> modes) {
  std::vector<float> out(2 * modes.size());
  Pool(kTokens.data(), 3, 2, modes, out.data());
  return out;
}

TEST(Pool, EachModeMatchesItsDefinition) {
  EXPECT_EQ(PoolWith({PoolingMode::kCls}), (std::vector<float>{1, -2}));
  EXPECT_EQ(PoolWith({PoolingMode::kLastToken}), (std::vector<float>{5, 0}));
  EXPECT_EQ(PoolWith({PoolingMode::kMax}), (std::vector<float>{5, 4}));
  const auto mean = PoolWith({PoolingMode::kMean});
  EXPECT_FLOAT_EQ(mean[0], 3.0f);
  EXPECT_FLOAT_EQ(mean[1], 2.0f / 3.0f);
  const auto sqrt_len = PoolWith({PoolingMode::kMeanSqrtLen});
  EXPECT_FLOAT_EQ(sqrt_len[0], 9.0f / std::sqrt(3.0f));
  // Weights 1, 2, 3 over a total of 6.
  const auto weighted = PoolWith({PoolingMode::kWeightedMean});
  EXPECT_FLOAT_EQ(weighted[0], (1 * 1 + 2 * 3 + 3 * 5) / 6.0f);
  EXPECT_FLOAT_EQ(weighted[1], (1 * -2 + 2 * 4 + 3 * 0) / 6.0f);
}

TEST(Pool, SeveralModesConcatenateInOrder) {
  EXPECT_EQ(PoolWith({PoolingMode::kCls, PoolingMode::kMax}), (std::vector<float>{1, -2, 5, 4}));
}

TEST(L2Normalize, UnitLengthAndZeroVectorStaysZero) {
  std::vector<float> v = {3, 4};
  L2Normalize(v);
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  EXPECT_FLOAT_EQ(v[1], 0.8f);
  std::vector<float> zero = {0, 0};
  L2Normalize(zero);
  EXPECT_EQ(zero, (std::vector<float>{0, 0}));
}

}  // namespace
}  // namespace textembed::pipeline
