// AVX-512 kernels (compiled with -mavx512*, called only when the CPU has them).
#include <immintrin.h>

// GCC 12's reduce/mask intrinsics start from _mm512_undefined_ps(), which its
// flow analysis reports as uninitialized (a false positive in the headers).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "engine/kernels.h"

namespace textembed::engine {
namespace {

__mmask16 TailMask(size_t remaining) {
  return remaining >= 16 ? __mmask16(0xffff) : __mmask16((1u << remaining) - 1);
}

// exp(x) to ~1 ulp: x = n·ln2 + r with |r| <= ln2/2, e^r by its degree-7
// Taylor polynomial (truncation error < 1e-8 relative), then scaled by 2^n.
inline __m512 Exp(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln2 split in a high part exact in few bits and a low correction (Cody-Waite).
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// GELU(v) = v·(1 + erf(v/√2))/2 with erf(z) = z·P(z²)/Q(z²) on |z| <= 3.9375
// (beyond it erf rounds to ±1 in f32), P of degree 6 and Q of degree 5 in z²:
// a rational least-squares fit made for this file (max error 3e-9 in exact
// arithmetic, 4e-7 evaluated in f32, i.e. a few ulp of 1). One reciprocal and
// eleven FMAs: half the cost of an exp-based erfc, same accuracy class.
inline __m512 Gelu(__m512 v) {
  const __m512 z = _mm512_max_ps(_mm512_min_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)),
                                               _mm512_set1_ps(3.9375f)),
                                 _mm512_set1_ps(-3.9375f));
  const __m512 s = _mm512_mul_ps(z, z);
  __m512 p = _mm512_set1_ps(-1.336695490405937e-08f);
  p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(4.724675365202352e-06f));
  p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(0.00038059648033428794f));
  p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(0.003831306214403649f));
  p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(0.0542782834965124f));
  p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(0.18465522062405829f));
  p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(1.1283791813410715f));
  __m512 q = _mm512_set1_ps(6.348499271533695e-05f);
  q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(0.0013051184564495822f));
  q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(0.015429561783674578f));
  q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(0.11376193284899229f));
  q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(0.496979963389283f));
  q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(1.0f));
  // 1/Q by rcp14 and one Newton step (relative error ~1e-8; a divide costs more).
  __m512 r = _mm512_rcp14_ps(q);
  r = _mm512_mul_ps(r, _mm512_fnmadd_ps(q, r, _mm512_set1_ps(2.0f)));
  const __m512 erf = _mm512_mul_ps(_mm512_mul_ps(z, p), r);
  const __m512 half_v = _mm512_mul_ps(v, _mm512_set1_ps(0.5f));
  return _mm512_fmadd_ps(half_v, erf, half_v);
}

void AddLayerNorm(const float* x, size_t ld_x, const float* bias, const float* residual, size_t ld_residual,
                  const float* gamma, const float* beta, float eps, size_t rows, size_t cols, float* out,
                  size_t ld_out) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ld_x;
    const float* rr = residual ? residual + r * ld_residual : nullptr;
    float* o = out + r * ld_out;
    // Pass 1 stores the sum into `out` (safe when out aliases an input: same index).
    __m512 total = _mm512_setzero_ps();
    for (size_t c = 0; c < cols; c += 16) {
      const __mmask16 m = TailMask(cols - c);
      __m512 v = _mm512_maskz_loadu_ps(m, xr + c);
      if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + c));
      if (rr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, rr + c));
      _mm512_mask_storeu_ps(o + c, m, v);
      total = _mm512_add_ps(total, v);
    }
    const float mean = _mm512_reduce_add_ps(total) / float(cols);
    const __m512 vmean = _mm512_set1_ps(mean);
    __m512 squares = _mm512_setzero_ps();
    for (size_t c = 0; c < cols; c += 16) {
      const __mmask16 m = TailMask(cols - c);
      const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, o + c), vmean);
      squares = _mm512_fmadd_ps(d, d, squares);
    }
    const float var = _mm512_reduce_add_ps(squares) / float(cols);
    const __m512 rstd = _mm512_set1_ps(1.0f / std::sqrt(var + eps));
    for (size_t c = 0; c < cols; c += 16) {
      const __mmask16 m = TailMask(cols - c);
      const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, o + c), vmean), rstd);
      const __m512 y = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, gamma + c), _mm512_maskz_loadu_ps(m, beta + c));
      _mm512_mask_storeu_ps(o + c, m, y);
    }
  }
}

void BiasGelu(float* x, size_t ld, const float* bias, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    float* xr = x + r * ld;
    for (size_t c = 0; c < cols; c += 16) {
      const __mmask16 m = TailMask(cols - c);
      const __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, xr + c), _mm512_maskz_loadu_ps(m, bias + c));
      _mm512_mask_storeu_ps(xr + c, m, Gelu(v));
    }
  }
}

// In place: x = exp(x - max) over n values; returns their sum.
float ExpShiftedSum(float* x, size_t n) {
  __m512 vmax = _mm512_set1_ps(-3.0e38f);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = TailMask(n - i);
    vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, x + i));
  }
  const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 sum = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = TailMask(n - i);
    const __m512 e = _mm512_maskz_mov_ps(m, Exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), max)));
    _mm512_mask_storeu_ps(x + i, m, e);
    sum = _mm512_add_ps(sum, e);
  }
  return _mm512_reduce_add_ps(sum);
}

void Softmax(float* x, size_t n) {
  if (n == 0) return;
  const __m512 inv = _mm512_set1_ps(1.0f / ExpShiftedSum(x, n));
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
  }
}

// Attention for head_dim = 16·kVecs. K is transposed once into [head_dim × len]
// so scores for 16 keys come from head_dim broadcast-FMAs; four queries share
// every K and V load. Each query row's arithmetic is independent of the others.
// kPositionBias adds position_bias[j - i] to the scaled scores (MPNet).
template <int kVecs, bool kPositionBias>
void AttentionVec(const AttentionHead& h, float* scratch) {
  constexpr size_t kQueries = 4;
  constexpr size_t dh = 16 * kVecs;
  const size_t len = h.len, ld = h.ld_in;
  const size_t padded = (len + 15) / 16 * 16;
  float* kt = scratch;
  float* scores = kt + dh * padded;
  for (size_t j = 0; j < len; ++j)
    for (size_t d = 0; d < dh; ++d) kt[d * padded + j] = h.k[j * ld + d] + h.k_bias[d];
  for (size_t d = 0; d < dh; ++d) std::fill(kt + d * padded + len, kt + (d + 1) * padded, 0.0f);
  const __m512 scale = _mm512_set1_ps(h.scale);

  for (size_t i0 = 0; i0 < len; i0 += kQueries) {
    const size_t nq = std::min(kQueries, len - i0);
    // This group's query rows with their bias, reused by every key block.
    alignas(64) float q[kQueries][dh];
    for (size_t qi = 0; qi < kQueries; ++qi) {
      const float* row = h.q + (i0 + std::min(qi, nq - 1)) * ld;
      for (int c = 0; c < kVecs; ++c)
        _mm512_store_ps(q[qi] + 16 * c, _mm512_add_ps(_mm512_loadu_ps(row + 16 * c), _mm512_loadu_ps(h.q_bias + 16 * c)));
    }

    for (size_t jb = 0; jb < padded; jb += 16) {
      __m512 acc[kQueries];
      for (auto& a : acc) a = _mm512_setzero_ps();
      for (size_t d = 0; d < dh; ++d) {
        const __m512 kv = _mm512_load_ps(kt + d * padded + jb);
        for (size_t qi = 0; qi < kQueries; ++qi) acc[qi] = _mm512_fmadd_ps(_mm512_set1_ps(q[qi][d]), kv, acc[qi]);
      }
      if constexpr (kPositionBias) {
        // Lanes past len are masked off: the bias row has only len entries.
        const __mmask16 m = TailMask(len - jb);
        for (size_t qi = 0; qi < kQueries; ++qi) {
          const float* bias_row = h.position_bias - std::ptrdiff_t(i0 + std::min(qi, nq - 1));
          _mm512_store_ps(scores + qi * padded + jb,
                          _mm512_add_ps(_mm512_mul_ps(acc[qi], scale), _mm512_maskz_loadu_ps(m, bias_row + jb)));
        }
      } else {
        for (size_t qi = 0; qi < kQueries; ++qi)
          _mm512_store_ps(scores + qi * padded + jb, _mm512_mul_ps(acc[qi], scale));
      }
    }
    __m512 inv_sum[kQueries];
    for (size_t qi = 0; qi < kQueries; ++qi) {
      inv_sum[qi] = qi < nq ? _mm512_set1_ps(1.0f / ExpShiftedSum(scores + qi * padded, len)) : _mm512_setzero_ps();
    }
    __m512 out[kQueries][kVecs];
    for (auto& row : out)
      for (auto& o : row) o = _mm512_setzero_ps();
    for (size_t j = 0; j < len; ++j) {
      __m512 v[kVecs];
      for (int c = 0; c < kVecs; ++c) v[c] = _mm512_loadu_ps(h.v + j * ld + 16 * c);
      for (size_t qi = 0; qi < kQueries; ++qi) {
        const __m512 p = _mm512_set1_ps(scores[qi * padded + j]);
        for (int c = 0; c < kVecs; ++c) out[qi][c] = _mm512_fmadd_ps(p, v[c], out[qi][c]);
      }
    }
    // The probabilities sum to 1, so the value bias passes through unchanged.
    for (size_t qi = 0; qi < nq; ++qi)
      for (int c = 0; c < kVecs; ++c)
        _mm512_storeu_ps(h.out + (i0 + qi) * h.ld_out + 16 * c,
                         _mm512_fmadd_ps(out[qi][c], inv_sum[qi], _mm512_loadu_ps(h.v_bias + 16 * c)));
  }
}

template <bool kPositionBias>
void AttentionDispatch(const AttentionHead& h, float* scratch) {
  switch (h.head_dim) {
    case 16: return AttentionVec<1, kPositionBias>(h, scratch);
    case 32: return AttentionVec<2, kPositionBias>(h, scratch);
    case 48: return AttentionVec<3, kPositionBias>(h, scratch);
    case 64: return AttentionVec<4, kPositionBias>(h, scratch);
    default: return PortableKernels().attention(h, scratch);
  }
}

void Attention(const AttentionHead& h, float* scratch) {
  if (h.position_bias != nullptr) return AttentionDispatch<true>(h, scratch);
  return AttentionDispatch<false>(h, scratch);
}

}  // namespace

const KernelSet* Avx512Kernels() {
  static constexpr KernelSet kSet{"avx512", AddLayerNorm, BiasGelu, Softmax, Attention};
  return &kSet;
}

}  // namespace textembed::engine
