// The plain C++ bf16/int8 GEMMs (reference semantics for the AVX-512 ones and
// the fallback on CPUs without VNNI/BF16) and the run-time choice between them.
#include "engine/quant_gemm.h"

#include <vector>

#include "engine/gemm.h"

namespace textembed::engine {
namespace {

size_t PaddedN(const PackedWeight& w) { return (w.n() + 15) / 16 * 16; }

// Σ_i (u[i] − zero_point)·w[i][n] in int32, as vpdpbusd with the
// compensation as the accumulator's initial value.
int32_t DotU8(const std::vector<int32_t>& u, int32_t zero_point, const PackedWeight& w, size_t n) {
  const size_t kp = w.padded_k(), padded_n = PaddedN(w);
  const auto* b = static_cast<const int8_t*>(w.packed());
  int32_t acc = -zero_point * w.column_sums()[n];
  for (size_t i = 0; i < w.k(); ++i) acc += u[i] * b[PackedOffset(i, n, kp, padded_n, 4)];
  return acc;
}

// 8-bit (act16 = false) or 16-bit activations split into high and low bytes.
void Int8Portable(bool act16, const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin,
                  size_t n_end, float* c, size_t ldc) {
  const size_t k = w.k();
  const float top = act16 ? 65535.0f : 255.0f;
  std::vector<int32_t> high(k), low(k);
  for (size_t r = 0; r < m; ++r) {
    const float* x = a + r * lda;
    float lo = 0, hi = 0;
    for (size_t i = 0; i < k; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    const RowQuant p = RowQuantParams(lo, hi, top);
    for (size_t i = 0; i < k; ++i) {
      const int32_t q = QuantizeActivation(x[i], p, top);
      high[i] = act16 ? q >> 8 : q;
      low[i] = q & 255;
    }
    for (size_t n = n_begin; n < n_end; ++n) {
      float sum;
      if (act16) {
        sum = static_cast<float>(DotU8(high, p.zero_point >> 8, w, n)) * 256.0f +
              static_cast<float>(DotU8(low, p.zero_point & 255, w, n));
      } else {
        sum = static_cast<float>(DotU8(high, p.zero_point, w, n));
      }
      c[r * ldc + n] = sum * w.column_scales()[n] * p.scale;
    }
  }
}

void Int8GemmPortable(const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin, size_t n_end,
                      float* c, size_t ldc) {
  Int8Portable(false, a, lda, m, w, n_begin, n_end, c, ldc);
}

void Int8Act16GemmPortable(const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin,
                           size_t n_end, float* c, size_t ldc) {
  Int8Portable(true, a, lda, m, w, n_begin, n_end, c, ldc);
}

// vdpbf16ps semantics per lane: acc += a[2i+1]·b[2i+1], then acc += a[2i]·b[2i]
// (bf16 products are exact in f32, so each step rounds once).
void Bf16GemmPortable(const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin, size_t n_end,
                      float* c, size_t ldc) {
  const size_t k = w.k(), kp = w.padded_k(), padded_n = PaddedN(w);
  const auto* b = static_cast<const uint16_t*>(w.packed());
  std::vector<float> row(kp, 0.0f);
  for (size_t r = 0; r < m; ++r) {
    for (size_t i = 0; i < k; ++i) row[i] = Bf16ToFloat(FloatToBf16(a[r * lda + i]));
    for (size_t n = n_begin; n < n_end; ++n) {
      float acc = 0;
      for (size_t i = 0; i < kp; i += 2) {
        acc += row[i + 1] * Bf16ToFloat(b[PackedOffset(i + 1, n, kp, padded_n, 2)]);
        acc += row[i] * Bf16ToFloat(b[PackedOffset(i, n, kp, padded_n, 2)]);
      }
      c[r * ldc + n] = acc;
    }
  }
}

QuantKernels ChooseBest() {
  QuantKernels best{"portable", Int8GemmPortable, Int8Act16GemmPortable, Bf16GemmPortable};
  __builtin_cpu_init();
  if (Int8GemmVnni() != nullptr && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
    best.int8 = Int8GemmVnni();
    best.int8_act16 = Int8Act16GemmVnni();
    best.name = "avx512";
  }
  if (Bf16GemmAvx512() != nullptr && __builtin_cpu_supports("avx512bf16")) {
    best.bf16 = Bf16GemmAvx512();
    best.name = "avx512";
  }
  return best;
}

}  // namespace

const QuantKernels& PortableQuantKernels() {
  static const QuantKernels kPortable{"portable", Int8GemmPortable, Int8Act16GemmPortable, Bf16GemmPortable};
  return kPortable;
}

const QuantKernels& BestQuantKernels() {
  static const QuantKernels kBest = ChooseBest();
  return kBest;
}

}  // namespace textembed::engine
