// The bf16/int8 GEMMs behind GemmColumns: against a double-precision product
// of the same (dequantized) operands, AVX-512 against portable, every M tail,
// N not a multiple of 16, column ranges, and a row's result independent of
// the rows computed with it.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/gemm.h"
#include "engine/quant_gemm.h"
#include "test_math.h"

namespace textembed::engine {
namespace {

using textembed::testing::RandomNormal;

// C = A · W^T in double, W in PyTorch [N × K] layout.
std::vector<double> Reference(const std::vector<float>& a, const std::vector<float>& w, size_t m, size_t n, size_t k) {
  std::vector<double> c(m * n);
  for (size_t r = 0; r < m; ++r)
    for (size_t j = 0; j < n; ++j) {
      double sum = 0;
      for (size_t i = 0; i < k; ++i) sum += double(a[r * k + i]) * w[j * k + i];
      c[r * n + j] = sum;
    }
  return c;
}

std::vector<float> Multiply(const std::vector<float>& a, size_t m, const PackedWeight& w) {
  std::vector<float> c(m * w.n(), -7.0f);
  GemmColumns(a.data(), w.k(), m, w, 0, w.n(), c.data(), w.n());
  return c;
}

// Largest |got − want| relative to the largest |want| (a GEMM's error scale).
double RelativeError(const std::vector<float>& got, const std::vector<double>& want) {
  double max_diff = 0, max_want = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(got[i] - want[i]));
    max_want = std::max(max_want, std::abs(want[i]));
  }
  return max_diff / max_want;
}

struct Case {
  size_t m, n, k;
};
// Encoder shapes (MiniLM, bert-tiny) and awkward ones: N not a multiple of 16,
// K not a multiple of 4, one row, every M tail of the 6-row tile.
constexpr Case kCases[] = {{13, 1152, 384}, {7, 384, 1536}, {1, 128, 128}, {11, 100, 37}, {6, 16, 4}, {5, 200, 66}};

TEST(QuantizedGemmTest, Int8IsCloseToTheExactProduct) {
  for (const Case& cs : kCases) {
    const auto a = RandomNormal(cs.m * cs.k, 1.0f, 1), w = RandomNormal(cs.n * cs.k, 0.05f, 2);
    const auto want = Reference(a, w, cs.m, cs.n, cs.k);
    for (bool portable : {true, false}) {
      const auto packed = PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, WeightType::kInt8, portable);
      const double error = RelativeError(Multiply(a, cs.m, packed), want);
      // 8-bit activations and weights: errors ~1/255 of the range, averaged over K.
      EXPECT_LT(error, 0.02) << cs.m << "x" << cs.n << "x" << cs.k << " portable=" << portable;
    }
  }
}

// 16-bit activations: only the weights' rounding is left (~1/254 per weight,
// averaged over K), well below the 8-bit activations' error.
TEST(QuantizedGemmTest, Int8Act16IsCloserToTheExactProduct) {
  for (const Case& cs : kCases) {
    const auto a = RandomNormal(cs.m * cs.k, 1.0f, 1), w = RandomNormal(cs.n * cs.k, 0.05f, 2);
    const auto want = Reference(a, w, cs.m, cs.n, cs.k);
    for (bool portable : {true, false}) {
      const auto a8 = PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, WeightType::kInt8, portable);
      const auto a16 = PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, WeightType::kInt8Act16, portable);
      const double e8 = RelativeError(Multiply(a, cs.m, a8), want), e16 = RelativeError(Multiply(a, cs.m, a16), want);
      EXPECT_LT(e16, 0.02) << cs.m << "x" << cs.n << "x" << cs.k << " portable=" << portable;
      EXPECT_LT(e16, e8) << cs.m << "x" << cs.n << "x" << cs.k << " portable=" << portable;
    }
  }
}

TEST(QuantizedGemmTest, Bf16IsCloseToTheExactProduct) {
  for (const Case& cs : kCases) {
    const auto a = RandomNormal(cs.m * cs.k, 1.0f, 3), w = RandomNormal(cs.n * cs.k, 0.05f, 4);
    const auto want = Reference(a, w, cs.m, cs.n, cs.k);
    for (bool portable : {true, false}) {
      const auto packed = PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, WeightType::kBf16, portable);
      EXPECT_LT(RelativeError(Multiply(a, cs.m, packed), want), 0.01)
          << cs.m << "x" << cs.n << "x" << cs.k << " portable=" << portable;
    }
  }
}

// Integer accumulation is exact and the float steps around it are the same
// operations in the same order, so the VNNI kernel equals the portable one.
TEST(QuantizedGemmTest, Int8KernelsAgreeBitwise) {
  for (const Case& cs : kCases) {
    const auto a = RandomNormal(cs.m * cs.k, 2.0f, 5), w = RandomNormal(cs.n * cs.k, 0.1f, 6);
    for (WeightType type : {WeightType::kInt8, WeightType::kInt8Act16}) {
      const auto fast = PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, type, false);
      const auto portable = PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, type, true);
      EXPECT_EQ(Multiply(a, cs.m, fast), Multiply(a, cs.m, portable))
          << cs.m << "x" << cs.n << "x" << cs.k << " " << WeightTypeName(type) << " " << fast.kernels().name;
    }
  }
}

TEST(QuantizedGemmTest, Bf16KernelsAgreeToRounding) {
  for (const Case& cs : kCases) {
    const auto a = RandomNormal(cs.m * cs.k, 1.0f, 7), w = RandomNormal(cs.n * cs.k, 0.05f, 8);
    const auto fast = Multiply(a, cs.m, PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, WeightType::kBf16, false));
    const auto portable =
        Multiply(a, cs.m, PackedWeight::FromTorchLayout({w.data()}, {cs.n}, cs.k, WeightType::kBf16, true));
    for (size_t i = 0; i < fast.size(); ++i) ASSERT_NEAR(fast[i], portable[i], 1e-5f * (1 + std::abs(portable[i])));
  }
}

// Each row alone gives bitwise the result it gets inside a batch of 13 (tile
// boundaries fall elsewhere), for both types.
TEST(QuantizedGemmTest, RowsDoNotDependOnTheirBatch) {
  const size_t m = 13, n = 384, k = 384;
  const auto a = RandomNormal(m * k, 1.0f, 9), w = RandomNormal(n * k, 0.05f, 10);
  for (WeightType type : {WeightType::kInt8, WeightType::kInt8Act16, WeightType::kBf16}) {
    const auto packed = PackedWeight::FromTorchLayout({w.data()}, {n}, k, type);
    const auto all = Multiply(a, m, packed);
    for (size_t r = 0; r < m; ++r) {
      const std::vector<float> row(a.begin() + r * k, a.begin() + (r + 1) * k);
      const auto alone = Multiply(row, 1, packed);
      EXPECT_TRUE(std::equal(alone.begin(), alone.end(), all.begin() + r * n)) << WeightTypeName(type) << " row " << r;
    }
  }
}

// Column ranges (in 64-column panels) write only their columns and match the full product.
TEST(QuantizedGemmTest, ColumnRangesMatchTheFullProduct) {
  const size_t m = 8, n = 200, k = 64;
  const auto a = RandomNormal(m * k, 1.0f, 11), w = RandomNormal(n * k, 0.05f, 12);
  for (WeightType type : {WeightType::kInt8, WeightType::kInt8Act16, WeightType::kBf16}) {
    const auto packed = PackedWeight::FromTorchLayout({w.data()}, {n}, k, type);
    const auto full = Multiply(a, m, packed);
    std::vector<float> part(m * n, -7.0f);
    GemmColumns(a.data(), k, m, packed, 64, 192, part.data(), n);
    for (size_t r = 0; r < m; ++r)
      for (size_t j = 0; j < n; ++j)
        EXPECT_EQ(part[r * n + j], (j >= 64 && j < 192) ? full[r * n + j] : -7.0f) << r << "," << j;
  }
}

TEST(QuantizedGemmTest, ZeroAndConstantRowsAreExact) {
  const size_t n = 32, k = 48;
  const auto w = RandomNormal(n * k, 0.05f, 13);
  std::vector<float> a(2 * k, 0.0f);
  std::fill(a.begin() + k, a.end(), 0.5f);
  const auto want = Reference(a, w, 2, n, k);
  const auto packed = PackedWeight::FromTorchLayout({w.data()}, {n}, k, WeightType::kInt8);
  const auto got = Multiply(a, 2, packed);
  for (size_t j = 0; j < n; ++j) EXPECT_EQ(got[j], 0.0f);
  // A constant row quantizes exactly (0.5 is the top of its range); only the weights round.
  EXPECT_LT(RelativeError(std::vector<float>(got.begin() + n, got.end()),
                          std::vector<double>(want.begin() + n, want.end())),
            0.02);
}

TEST(QuantizedGemmTest, PackedSizes) {
  const auto w = RandomNormal(384 * 1536, 0.05f, 14);
  EXPECT_EQ(PackedWeight::FromTorchLayout({w.data()}, {384}, 1536).bytes(), 384u * 1536 * 4);
  EXPECT_EQ(PackedWeight::FromTorchLayout({w.data()}, {384}, 1536, WeightType::kBf16).bytes(), 384u * 1536 * 2);
  EXPECT_EQ(PackedWeight::FromTorchLayout({w.data()}, {384}, 1536, WeightType::kInt8).bytes(),
            384u * 1536 + 384 * 8);
}

}  // namespace
}  // namespace textembed::engine
