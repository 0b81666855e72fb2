// The AVX-512 kernels against the portable ones and against double-precision math.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/kernels.h"
#include "test_math.h"

namespace textembed::engine {
namespace {

using textembed::testing::RandomNormal;

std::vector<const KernelSet*> AllSets() {
  std::vector<const KernelSet*> sets{&PortableKernels()};
  if (&BestKernels() != &PortableKernels()) sets.push_back(&BestKernels());
  return sets;
}

TEST(KernelsTest, GeluMatchesErfInDoublePrecision) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.00137f) x.push_back(v);
  const std::vector<float> bias(x.size(), 0.0f);
  for (const KernelSet* k : AllSets()) {
    std::vector<float> y = x;
    k->bias_gelu(y.data(), y.size(), bias.data(), 1, y.size());
    double max_error = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = 0.5 * double(x[i]) * (1.0 + std::erf(double(x[i]) / std::sqrt(2.0)));
      max_error = std::max(max_error, std::abs(want - y[i]) / std::max(1.0, std::abs(want)));
    }
    EXPECT_LT(max_error, 1e-6) << k->name;
  }
}

TEST(KernelsTest, SoftmaxMatchesDoublePrecision) {
  for (size_t n : {1u, 7u, 16u, 33u, 250u}) {
    const auto x = RandomNormal(n, 4.0f, n);
    double max = -1e30, sum = 0;
    for (float v : x) max = std::max(max, double(v));
    for (float v : x) sum += std::exp(v - max);
    for (const KernelSet* k : AllSets()) {
      auto y = x;
      k->softmax(y.data(), n);
      for (size_t i = 0; i < n; ++i) EXPECT_NEAR(y[i], std::exp(x[i] - max) / sum, 2e-7) << k->name << " n=" << n;
    }
  }
}

TEST(KernelsTest, AddLayerNormAgreesAcrossKernelSets) {
  const size_t rows = 5, cols = 200;  // not a multiple of 16: exercises tails
  const auto x = RandomNormal(rows * cols, 1.0f, 1), residual = RandomNormal(rows * cols, 3.0f, 2);
  const auto bias = RandomNormal(cols, 0.5f, 3), gamma = RandomNormal(cols, 1.0f, 4);
  const auto beta = RandomNormal(cols, 1.0f, 5);
  std::vector<std::vector<float>> outs;
  for (const KernelSet* k : AllSets()) {
    std::vector<float> out = residual;  // in place over the residual, as the encoder does
    k->add_layer_norm(x.data(), cols, bias.data(), out.data(), cols, gamma.data(), beta.data(), 1e-12f, rows, cols,
                      out.data(), cols);
    outs.push_back(out);
  }
  // Against double precision.
  for (size_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (size_t c = 0; c < cols; ++c) mean += double(x[r * cols + c]) + bias[c] + residual[r * cols + c];
    mean /= cols;
    for (size_t c = 0; c < cols; ++c) {
      const double d = double(x[r * cols + c]) + bias[c] + residual[r * cols + c] - mean;
      var += d * d;
    }
    var /= cols;
    for (size_t c = 0; c < cols; ++c) {
      const double want = (double(x[r * cols + c]) + bias[c] + residual[r * cols + c] - mean) / std::sqrt(var + 1e-12) *
                              gamma[c] + beta[c];
      for (const auto& out : outs) EXPECT_NEAR(out[r * cols + c], want, 2e-5);
    }
  }
}

// With and without a relative position bias (MPNet): score(i, j) += bias[j - i].
TEST(KernelsTest, AttentionAgreesWithDoublePrecision) {
  for (bool with_position_bias : {false, true}) {
    for (size_t head_dim : {16u, 32u, 64u, 24u}) {
      for (size_t len : {1u, 3u, 17u, 64u, 130u}) {
        const size_t ld = 3 * head_dim + 5;
        const auto qkv = RandomNormal(len * ld, 1.5f, uint32_t(len * head_dim));
        const float scale = 1.0f / std::sqrt(float(head_dim));
        const auto bias = RandomNormal(3 * head_dim, 0.5f, 99);
        const auto position_table = RandomNormal(2 * len - 1, 2.0f, uint32_t(7 * len));
        const float* position_bias = with_position_bias ? position_table.data() + (len - 1) : nullptr;
        for (const KernelSet* k : AllSets()) {
          std::vector<float> out(len * head_dim, -1.0f);
          std::vector<float> scratch(AttentionScratchFloats(len, head_dim) + 16);
          float* aligned = scratch.data() + (16 - reinterpret_cast<uintptr_t>(scratch.data()) / 4 % 16) % 16;
          AttentionHead head{qkv.data(), qkv.data() + head_dim, qkv.data() + 2 * head_dim, bias.data(),
                             bias.data() + head_dim, bias.data() + 2 * head_dim, ld, out.data(), head_dim, len,
                             head_dim, scale};
          head.position_bias = position_bias;
          k->attention(head, aligned);
          for (size_t i = 0; i < len; ++i) {
            std::vector<double> p(len);
            double max = -1e30, sum = 0;
            for (size_t j = 0; j < len; ++j) {
              double dot = 0;
              for (size_t d = 0; d < head_dim; ++d)
                dot += (double(qkv[i * ld + d]) + bias[d]) * (double(qkv[j * ld + head_dim + d]) + bias[head_dim + d]);
              p[j] = dot * scale + (position_bias ? double(position_bias[std::ptrdiff_t(j) - std::ptrdiff_t(i)]) : 0.0);
              max = std::max(max, p[j]);
            }
            for (auto& v : p) sum += (v = std::exp(v - max));
            for (size_t d = 0; d < head_dim; ++d) {
              double want = 0;
              for (size_t j = 0; j < len; ++j)
                want += p[j] / sum * (double(qkv[j * ld + 2 * head_dim + d]) + bias[2 * head_dim + d]);
              ASSERT_NEAR(out[i * head_dim + d], want, 2e-5)
                  << k->name << " dh=" << head_dim << " len=" << len << " position bias " << with_position_bias;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace textembed::engine
