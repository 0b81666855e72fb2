// Plain C++ kernels: the reference the AVX-512 ones are tested against, and the
// fallback on CPUs without AVX-512.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/kernels.h"

namespace textembed::engine {
namespace {

void AddLayerNorm(const float* x, size_t ld_x, const float* bias, const float* residual, size_t ld_residual,
                  const float* gamma, const float* beta, float eps, size_t rows, size_t cols, float* out,
                  size_t ld_out) {
  std::vector<float> sum(cols);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ld_x;
    const float* rr = residual ? residual + r * ld_residual : nullptr;
    float mean = 0;
    for (size_t c = 0; c < cols; ++c) {
      float v = xr[c];
      if (bias) v += bias[c];
      if (rr) v += rr[c];
      sum[c] = v;
      mean += v;
    }
    mean /= float(cols);
    float var = 0;
    for (size_t c = 0; c < cols; ++c) var += (sum[c] - mean) * (sum[c] - mean);
    const float rstd = 1.0f / std::sqrt(var / float(cols) + eps);
    float* o = out + r * ld_out;
    for (size_t c = 0; c < cols; ++c) o[c] = (sum[c] - mean) * rstd * gamma[c] + beta[c];
  }
}

void BiasGelu(float* x, size_t ld, const float* bias, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    float* xr = x + r * ld;
    for (size_t c = 0; c < cols; ++c) {
      const float v = xr[c] + bias[c];
      xr[c] = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
    }
  }
}

void Softmax(float* x, size_t n) {
  if (n == 0) return;
  const float max = *std::max_element(x, x + n);
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = 1.0f / sum;
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void Attention(const AttentionHead& h, float* scratch) {
  float* scores = scratch;
  for (size_t i = 0; i < h.len; ++i) {
    const float* q = h.q + i * h.ld_in;
    for (size_t j = 0; j < h.len; ++j) {
      const float* k = h.k + j * h.ld_in;
      float dot = 0;
      for (size_t d = 0; d < h.head_dim; ++d) dot += (q[d] + h.q_bias[d]) * (k[d] + h.k_bias[d]);
      scores[j] = dot * h.scale;
      if (h.position_bias != nullptr) scores[j] += h.position_bias[std::ptrdiff_t(j) - std::ptrdiff_t(i)];
    }
    Softmax(scores, h.len);
    float* o = h.out + i * h.ld_out;
    std::fill(o, o + h.head_dim, 0.0f);
    for (size_t j = 0; j < h.len; ++j) {
      const float* v = h.v + j * h.ld_in;
      for (size_t d = 0; d < h.head_dim; ++d) o[d] += scores[j] * v[d];
    }
    // The probabilities sum to 1, so the value bias passes through unchanged.
    for (size_t d = 0; d < h.head_dim; ++d) o[d] += h.v_bias[d];
  }
}

}  // namespace

size_t AttentionScratchFloats(size_t len, size_t head_dim) {
  const size_t padded = (len + 15) / 16 * 16;
  return head_dim * padded + 4 * padded + 64;
}

const KernelSet& PortableKernels() {
  static constexpr KernelSet kSet{"portable", AddLayerNorm, BiasGelu, Softmax, Attention};
  return kSet;
}

const KernelSet& BestKernels() {
  if (const KernelSet* avx512 = Avx512Kernels();
      avx512 != nullptr && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    return *avx512;
  }
  return PortableKernels();
}

}  // namespace textembed::engine
