// A sentence's hidden states must not depend on which other sentences share
// its batch or where it sits in it (packing without padding makes this exact).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "engine/encoder.h"
#include "golden_data.h"

namespace textembed::engine {
namespace {

using testing::Packed;

void ExpectSameAloneAndMixed(const std::string& model, int threads) {
  EngineOptions options;
  options.threads = threads;
  auto encoder = LoadEncoder(testing::ModelDir(model), options);
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  const size_t width = (*encoder)->config().hidden_size;
  const auto all = testing::ReadStsbIds();
  // Short, medium and the longest sentences.
  std::vector<std::vector<int32_t>> sentences(all.begin(), all.begin() + 24);
  auto longest = all;
  std::sort(longest.begin(), longest.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
  sentences.insert(sentences.end(), longest.begin(), longest.begin() + 4);

  std::vector<std::vector<float>> alone;
  std::vector<float> hidden;
  for (const auto& s : sentences) {
    Packed p;
    p.Add(s);
    ASSERT_TRUE((*encoder)->Forward(p.batch(), &hidden).ok());
    alone.push_back(hidden);
  }

  std::mt19937 rng(7);
  for (int round = 0; round < 3; ++round) {
    std::vector<size_t> order(sentences.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    Packed mixed;
    for (size_t i : order) mixed.Add(sentences[i]);
    ASSERT_TRUE((*encoder)->Forward(mixed.batch(), &hidden).ok());
    float max_diff = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      const float* got = hidden.data() + size_t(mixed.offsets[k]) * width;
      const auto& want = alone[order[k]];
      for (size_t j = 0; j < want.size(); ++j) max_diff = std::max(max_diff, std::abs(got[j] - want[j]));
    }
    EXPECT_LE(max_diff, 1e-6f) << model << " round " << round;
    std::printf("[ batching ] %s threads=%d round %d: max |alone - mixed| = %g\n", model.c_str(), threads, round,
                max_diff);
  }
}

TEST(BatchingInvarianceTest, MiniLmOneThread) { ExpectSameAloneAndMixed("minilm-l6-random", 1); }
TEST(BatchingInvarianceTest, MiniLmTwoThreads) { ExpectSameAloneAndMixed("minilm-l6-random", 2); }
TEST(BatchingInvarianceTest, BertTinyTwoThreads) { ExpectSameAloneAndMixed("bert-tiny-random", 2); }

TEST(BatchingInvarianceTest, ConcurrentCallsGiveTheSameResult) {
  auto encoder = LoadEncoder(testing::ModelDir("bert-tiny-random"), EngineOptions{.threads = 1});
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  const auto all = testing::ReadStsbIds();
  Packed packed;
  for (size_t i = 0; i < 40; ++i) packed.Add(all[i]);
  std::vector<float> expected;
  ASSERT_TRUE((*encoder)->Forward(packed.batch(), &expected).ok());
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> workers;
  for (auto& r : results)
    workers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) ASSERT_TRUE((*encoder)->Forward(packed.batch(), &r).ok());
    });
  for (auto& w : workers) w.join();
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

}  // namespace
}  // namespace textembed::engine
