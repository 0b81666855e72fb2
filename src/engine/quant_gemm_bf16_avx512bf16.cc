// bf16 GEMM on AVX-512 BF16: C = A · W with W in bf16 (converted at load) and
// A rounded to bf16 a tile of rows at a time into a buffer that stays in L1.
// `vdpbf16ps` multiplies 2 bf16 pairs per lane and accumulates in fp32; the
// micro-kernel keeps kRows × (16·NB) fp32 accumulators in registers (6 × 64)
// over the whole K, so each row's sums run in the same k order whatever tile
// it lands in. Same panel layout and loop structure as the VNNI int8 kernel.
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

void RoundRow(const float* x, size_t k, uint16_t* out) {
  size_t i = 0;
  for (; i + 16 <= k; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
  if (i < k) {
    const __mmask16 tail = static_cast<__mmask16>((1u << (k - i)) - 1);
    _mm256_mask_storeu_epi16(out + i, tail, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(tail, x + i)));
  }
}

// acc += x·w (bf16 pairs, fp32 accumulation); inline asm for the same
// reason as DotAccumulate in the int8 kernel (GCC 12 spills around the builtin).
inline void DotAccumulate(__m512& acc, __m512i x, __m512i w) {
  asm("vdpbf16ps %[w], %[x], %[acc]" : [acc] "+v"(acc) : [x] "v"(x), [w] "v"(w));
}

struct TileArgs {
  const uint16_t* a;  // kRows rows of padded_k bf16
  size_t lda;
  const uint16_t* b;  // the panel
  size_t pairs;       // padded_k / 2
  float* c;
  size_t ldc;
  __mmask16 last_mask;
};

template <int MR, int NB>
void Tile(const TileArgs& t) {
  __m512 acc[MR][NB];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_setzero_ps();
  AccumulateOverK(acc, t.a, t.lda, t.b, t.pairs,
                  [](__m512& sum, __m512i x, __m512i w) { DotAccumulate(sum, x, w); });
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    float* c = t.c + r * t.ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) StoreBlock<NB>(c, j, acc[r][j], t.last_mask);
  }
}

using TileFn = void (*)(const TileArgs&);

template <int MR>
constexpr TileFn TileFor(int nb) {
  return nb == 1 ? Tile<MR, 1> : nb == 2 ? Tile<MR, 2> : nb == 3 ? Tile<MR, 3> : Tile<MR, 4>;
}

TileFn PickTile(size_t mr, size_t nb) {
  switch (mr) {
    case 1: return TileFor<1>(nb);
    case 2: return TileFor<2>(nb);
    case 3: return TileFor<3>(nb);
    case 4: return TileFor<4>(nb);
    case 5: return TileFor<5>(nb);
    default: return TileFor<6>(nb);
  }
}

void Bf16Gemm(const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin, size_t n_end, float* c,
              size_t ldc) {
  const size_t k = w.k(), kp = w.padded_k();
  // Per-thread scratch for one row tile (kRows · padded K bf16); grows once.
  thread_local std::vector<uint16_t> rows;
  if (rows.size() < kRows * kp) rows.assign(kRows * kp, 0);
  const auto* packed = static_cast<const uint16_t*>(w.packed());
  for (size_t r0 = 0; r0 < m; r0 += kRows) {
    const size_t mr = std::min(kRows, m - r0);
    for (size_t r = 0; r < mr; ++r) {
      RoundRow(a + (r0 + r) * lda, k, rows.data() + r * kp);
      if (kp > k) rows[r * kp + k] = 0;
    }
    ForEachPanel(w, n_begin, n_end, [&](size_t n, size_t nb, __mmask16 last_mask) {
      PickTile(mr, nb)(TileArgs{rows.data(), kp, packed + n * kp, kp / 2, c + r0 * ldc + n, ldc, last_mask});
    });
  }
}

}  // namespace

QuantGemmFn Bf16GemmAvx512() { return Bf16Gemm; }

}  // namespace textembed::engine
