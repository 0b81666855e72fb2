// int8 GEMM on AVX-512 VNNI: C = A · W with W s8 (per-column scales) and A
// quantized per row to u8 (scale, zero point) right here, a tile of rows at a
// time into a small buffer that stays in L1. The micro-kernel keeps a
// kRows × (16·NB) block of int32 accumulators in registers (6 × 64: 24 zmm)
// and runs `vpdpbusd` (4 u8·s8 products per lane) over the whole K; the
// zero-point compensation −zp·Σ_k w[k][n] is the accumulators' initial value,
// and dequantization (·w_scale[n]·a_scale[r]) happens in the store.
// Weights stream from the panel layout (see PackedWeight) strictly in order.
// 16-bit activations (kInt8Act16): each row becomes two u8 rows (high and low
// byte of q16, with the zero point split alike), adjacent in the tile, and the
// store combines them as 256·high + low.
#include <immintrin.h>

#include <vector>

#include "engine/gemm.h"
#include "engine/quant_gemm.h"
#include "engine/quant_gemm_tile.h"

namespace textembed::engine {
namespace {

using avx512_tile::AccumulateOverK;
using avx512_tile::ForEachPanel;
using avx512_tile::StoreBlock;

constexpr size_t kRows = 6;

// Quantizes row x to u8 (`high` only) or to 16 bits split into `high` and
// `low` bytes; zero_points get the matching halves of the zero point.
template <bool kAct16>
void QuantizeRow(const float* x, size_t k, uint8_t* high, uint8_t* low, float* scale, int32_t* zero_points) {
  __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    lo = _mm512_min_ps(lo, v);
    hi = _mm512_max_ps(hi, v);
  }
  const __mmask16 tail = static_cast<__mmask16>((1u << (k - i)) - 1);
  if (i < k) {
    const __m512 v = _mm512_maskz_loadu_ps(tail, x + i);
    lo = _mm512_min_ps(lo, v);
    hi = _mm512_max_ps(hi, v);
  }
  constexpr int32_t kTop = kAct16 ? 65535 : 255;
  const RowQuant p = RowQuantParams(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi), float(kTop));
  *scale = p.scale;
  zero_points[0] = kAct16 ? p.zero_point >> 8 : p.zero_point;
  if (kAct16) zero_points[1] = p.zero_point & 255;
  const __m512 inv = _mm512_set1_ps(p.inv_scale);
  const __m512i zp = _mm512_set1_epi32(p.zero_point), zero = _mm512_setzero_si512(),
                top = _mm512_set1_epi32(kTop), byte = _mm512_set1_epi32(255);
  auto quantize = [&](__m512 v) {
    __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv)), zp);
    return _mm512_min_epi32(_mm512_max_epi32(q, zero), top);
  };
  auto store = [&](size_t at, __m512i q, __mmask16 mask) {
    const __m512i first = kAct16 ? _mm512_srli_epi32(q, 8) : q;
    _mm_mask_storeu_epi8(high + at, mask, _mm512_cvtepi32_epi8(first));
    if (kAct16) _mm_mask_storeu_epi8(low + at, mask, _mm512_cvtepi32_epi8(_mm512_and_si512(q, byte)));
  };
  for (i = 0; i + 16 <= k; i += 16) store(i, quantize(_mm512_loadu_ps(x + i)), 0xffff);
  if (i < k) store(i, quantize(_mm512_maskz_loadu_ps(tail, x + i)), tail);
}

// acc += x·w (u8·s8, 4 per lane). Inline asm rather than _mm512_dpbusd_epi32:
// GCC 12 copies and spills the accumulators around the builtin (measured ~300
// vs ~500 GOP/s), the asm form keeps all 24 in registers.
inline void DotAccumulate(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %[w], %[x], %[acc]" : [acc] "+v"(acc) : [x] "v"(x), [w] "v"(w));
}

struct TileArgs {
  const uint8_t* a;        // kRows rows of padded_k bytes
  size_t lda;
  const int8_t* b;         // the panel
  size_t quads;            // padded_k / 4
  const int32_t* column_sums;
  const float* column_scales;
  const int32_t* zero_points;
  const float* row_scales;
  float* c;
  size_t ldc;
  __mmask16 last_mask;     // valid columns of the last 16-column block
};

// kPairs: rows 2i and 2i+1 are the high and low bytes of activation row i
// (row_scales[i]); the store writes MR / 2 rows of 256·high + low.
template <int MR, int NB, bool kPairs>
void Tile(const TileArgs& t) {
  __m512i acc[MR][NB];
  {
    __m512i sums[NB];
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) sums[j] = _mm512_loadu_si512(t.column_sums + 16 * j);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m512i minus_zp = _mm512_set1_epi32(-t.zero_points[r]);
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_mullo_epi32(sums[j], minus_zp);
    }
  }
  AccumulateOverK(acc, t.a, t.lda, t.b, t.quads,
                  [](__m512i& sum, __m512i x, __m512i w) { DotAccumulate(sum, x, w); });
  __m512 scales[NB];
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) scales[j] = _mm512_loadu_ps(t.column_scales + 16 * j);
  constexpr int kOutRows = kPairs ? MR / 2 : MR;
#pragma GCC unroll 6
  for (int r = 0; r < kOutRows; ++r) {
    const __m512 row_scale = _mm512_set1_ps(t.row_scales[r]);
    float* c = t.c + r * t.ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) {
      __m512 sum;
      if constexpr (kPairs) {
        sum = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[2 * r][j]), _mm512_set1_ps(256.0f)),
                            _mm512_cvtepi32_ps(acc[2 * r + 1][j]));
      } else {
        sum = _mm512_cvtepi32_ps(acc[r][j]);
      }
      StoreBlock<NB>(c, j, _mm512_mul_ps(_mm512_mul_ps(sum, scales[j]), row_scale), t.last_mask);
    }
  }
}

using TileFn = void (*)(const TileArgs&);

template <int MR, bool kPairs>
constexpr TileFn TileFor(int nb) {
  return nb == 1   ? Tile<MR, 1, kPairs>
         : nb == 2 ? Tile<MR, 2, kPairs>
         : nb == 3 ? Tile<MR, 3, kPairs>
                   : Tile<MR, 4, kPairs>;
}

TileFn PickTile(size_t mr, size_t nb, bool pairs) {
  if (pairs) return mr == 2 ? TileFor<2, true>(nb) : mr == 4 ? TileFor<4, true>(nb) : TileFor<6, true>(nb);
  switch (mr) {
    case 1: return TileFor<1, false>(nb);
    case 2: return TileFor<2, false>(nb);
    case 3: return TileFor<3, false>(nb);
    case 4: return TileFor<4, false>(nb);
    case 5: return TileFor<5, false>(nb);
    default: return TileFor<6, false>(nb);
  }
}

template <bool kAct16>
void Int8Gemm(const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin, size_t n_end, float* c,
              size_t ldc) {
  const size_t k = w.k(), kp = w.padded_k();
  constexpr size_t kRowsPerTile = kAct16 ? kRows / 2 : kRows;  // activation rows
  // Per-thread scratch for one tile of u8 rows (kRows · padded K bytes),
  // zeroed once so the K padding stays 0; grows once.
  thread_local std::vector<uint8_t> rows;
  if (rows.size() < kRows * kp) rows.assign(kRows * kp, 0);
  float row_scales[kRows];
  int32_t zero_points[kRows];
  const auto* packed = static_cast<const int8_t*>(w.packed());
  for (size_t r0 = 0; r0 < m; r0 += kRowsPerTile) {
    const size_t real = std::min(kRowsPerTile, m - r0), mr = kAct16 ? 2 * real : real;
    for (size_t r = 0; r < real; ++r) {
      const size_t u8_row = kAct16 ? 2 * r : r;
      QuantizeRow<kAct16>(a + (r0 + r) * lda, k, rows.data() + u8_row * kp, rows.data() + (u8_row + 1) * kp,
                          &row_scales[r], &zero_points[u8_row]);
    }
    ForEachPanel(w, n_begin, n_end, [&](size_t n, size_t nb, __mmask16 last_mask) {
      PickTile(mr, nb, kAct16)(TileArgs{rows.data(), kp, packed + n * kp, kp / 4, w.column_sums() + n,
                                        w.column_scales() + n, zero_points, row_scales, c + r0 * ldc + n, ldc,
                                        last_mask});
    });
  }
}

}  // namespace

QuantGemmFn Int8GemmVnni() { return Int8Gemm<false>; }
QuantGemmFn Int8Act16GemmVnni() { return Int8Gemm<true>; }

}  // namespace textembed::engine
