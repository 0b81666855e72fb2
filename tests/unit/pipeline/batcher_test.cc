#include "pipeline/batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace textembed::pipeline {
namespace {

TEST(PlanBatches, EveryIndexOnceAndBudgetsHeld) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> length(1, 300);
  std::vector<size_t> lengths(1000);
  for (size_t& l : lengths) l = length(rng);
  const size_t budget = 1024;
  const auto batches = PlanBatches(lengths, budget);

  std::vector<int> seen(lengths.size(), 0);
  for (const auto& batch : batches) {
    ASSERT_FALSE(batch.empty());
    size_t tokens = 0;
    for (uint32_t i : batch) {
      ++seen[i];
      tokens += lengths[i];
    }
    if (batch.size() > 1) {
      EXPECT_LE(tokens, budget);
    }
  }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
}

TEST(PlanBatches, LongestFirstAndOversizedAlone) {
  const std::vector<size_t> lengths = {3, 50, 7, 9};
  const auto batches = PlanBatches(lengths, 16);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<uint32_t>{1}));     // 50 > budget: alone
  EXPECT_EQ(batches[1], (std::vector<uint32_t>{3, 2}));  // 9 + 7 = 16 fills the budget
  EXPECT_EQ(batches[2], (std::vector<uint32_t>{0}));
}

TEST(PlanBatches, EmptyInput) { EXPECT_TRUE(PlanBatches({}, 10).empty()); }

}  // namespace
}  // namespace textembed::pipeline
