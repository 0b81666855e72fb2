// What the AVX-512 bf16 and int8 GEMM kernels share: walking the column panels
// of a PackedWeight, the micro-kernel's loop over K, and storing a tile row's
// 16-column blocks. Only for files compiled with AVX-512
// (quant_gemm_*_avx512*.cc). `static` and always_inline: each kernel file gets
// its own copy, built with its own ISA flags, inlined into every Tile<>. Against
// the loops written out in each kernel, the Tile<> code is the same up to
// register choice and scheduling, and engine_gemm_bench's OwnQuantGemm rates
// did not move.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/gemm.h"

namespace textembed::engine::avx512_tile {

// Calls tile(n, nb, last_mask) for each column panel of `w` in [n_begin,
// n_end): its first column, its number of 16-column blocks, and the mask of
// the valid columns of its last block (n_end may cut a panel short).
template <class Tile>
[[gnu::always_inline]] static inline void ForEachPanel(const PackedWeight& w, size_t n_begin, size_t n_end,
                                                       Tile tile) {
  constexpr size_t kPanel = PackedWeight::kPanelColumns;
  const size_t padded_n = (w.n() + 15) / 16 * 16;
  for (size_t n = n_begin; n < n_end; n += kPanel) {
    const size_t width = std::min(kPanel, padded_n - n), valid = std::min(width, n_end - n);
    const size_t nb = width / 16;
    const size_t last_valid = valid - (nb - 1) * 16;
    tile(n, nb, static_cast<__mmask16>(last_valid >= 16 ? 0xffffu : (1u << last_valid) - 1));
  }
}

// acc[r][j] += row r of A · block j of the panel, over all of K: per step, NB
// 64-byte weight vectors from the panel (read strictly in order) and one
// 32-bit group of each A row broadcast to every lane (2 bf16 or 4 u8 values).
// `dot(acc, x, w)` is the kernel's dot-product instruction.
template <int MR, int NB, class Acc, class AElement, class BElement, class Dot>
[[gnu::always_inline]] static inline void AccumulateOverK(Acc (&acc)[MR][NB], const AElement* a, size_t lda,
                                                          const BElement* b, size_t steps, Dot dot) {
  constexpr size_t kGroup = sizeof(int32_t) / sizeof(AElement);  // A values per broadcast
  constexpr size_t kBlock = 64 / sizeof(BElement);               // weights per zmm
  for (size_t s = 0; s < steps; ++s, b += kBlock * NB) {
    __m512i w[NB];
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) w[j] = _mm512_load_si512(b + kBlock * j);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      int32_t group;
      std::memcpy(&group, a + r * lda + kGroup * s, sizeof group);
      const __m512i x = _mm512_set1_epi32(group);
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) dot(acc[r][j], x, w[j]);
    }
  }
}

// Stores block j of the NB 16-column blocks of a tile row at c; the last
// block only in its valid columns, so columns past n_end are never written.
template <int NB>
[[gnu::always_inline]] static inline void StoreBlock(float* c, int j, __m512 v, __mmask16 last_mask) {
  if (j + 1 < NB) {
    _mm512_storeu_ps(c + 16 * j, v);
  } else {
    _mm512_mask_storeu_ps(c + 16 * j, last_mask, v);
  }
}

}  // namespace textembed::engine::avx512_tile
