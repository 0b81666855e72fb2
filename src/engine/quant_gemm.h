// The bf16 and int8 GEMM kernels behind GemmColumns, chosen once per
// PackedWeight by CPU features: AVX-512 VNNI (`vpdpbusd`) for int8, AVX-512
// BF16 (`vdpbf16ps`) for bf16, plain C++ otherwise. The int8 kernels give
// bitwise-identical results on every path (exact integer arithmetic, the same
// float operations around it); bf16 ones agree to fp32 rounding.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace textembed::engine {

class PackedWeight;

// C[:, n_begin:n_end] = A · W for W of the kernel's type (see GemmColumns).
using QuantGemmFn = void (*)(const float* a, size_t lda, size_t m, const PackedWeight& w, size_t n_begin,
                             size_t n_end, float* c, size_t ldc);

struct QuantKernels {
  const char* name;
  QuantGemmFn int8;
  QuantGemmFn int8_act16;  // 16-bit activations as two u8 halves
  QuantGemmFn bf16;
};

const QuantKernels& PortableQuantKernels();
// The fastest this CPU runs (VNNI / BF16 chosen separately).
const QuantKernels& BestQuantKernels();

// Per-row dynamic quantization of activations to u8: x ≈ (q − zero_point) ·
// scale over [min(x, 0), max(x, 0)], so 0 is exact and the full 8 bits
// cover the row's range (GELU outputs are almost non-negative: asymmetric
// ranges keep ~1 bit that a symmetric s8 scheme would waste).
struct RowQuant {
  float scale = 1.0f;
  float inv_scale = 1.0f;
  int32_t zero_point = 0;
};

// `top`: 255 for u8, 65535 for the 16-bit activations split into two u8.
inline RowQuant RowQuantParams(float lo, float hi, float top = 255.0f) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  RowQuant p;
  if (!(hi > lo)) return p;  // all zero (or NaN): any scale
  p.scale = (hi - lo) / top;
  p.inv_scale = top / (hi - lo);
  const float zp = std::nearbyint(-lo * p.inv_scale);
  p.zero_point = zp > top ? static_cast<int32_t>(top) : (zp >= 0.0f ? static_cast<int32_t>(zp) : 0);
  return p;
}

// One activation to [0, top] exactly as the AVX-512 code does (cvtps2dq
// rounds to nearest even like nearbyint; NaN gives 0).
inline int32_t QuantizeActivation(float x, const RowQuant& p, float top = 255.0f) {
  const float q = std::nearbyint(x * p.inv_scale) + static_cast<float>(p.zero_point);
  return static_cast<int32_t>(q > top ? top : (q >= 0.0f ? q : 0.0f));
}

// f32 → bf16, round to nearest even (NaN stays NaN).
inline uint16_t FloatToBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

inline float Bf16ToFloat(uint16_t x) {
  const uint32_t bits = uint32_t(x) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Index of element (kk, n) in PackedWeight's bf16/int8 panel layout
// (padded_n: N rounded up to 16; group: 2 for bf16, 4 for int8).
inline size_t PackedOffset(size_t kk, size_t n, size_t padded_k, size_t padded_n, size_t group) {
  constexpr size_t kPanel = 64;  // PackedWeight::kPanelColumns
  const size_t panel = n / kPanel;
  const size_t width = std::min(kPanel, padded_n - panel * kPanel);
  return panel * kPanel * padded_k + (kk / group) * width * group + (n % kPanel) * group + kk % group;
}

// Per-ISA entry points (null when not compiled in).
QuantGemmFn Int8GemmVnni();
QuantGemmFn Int8Act16GemmVnni();
QuantGemmFn Bf16GemmAvx512();

}  // namespace textembed::engine
