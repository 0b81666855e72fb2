#include "engine/gemm.h"

#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "engine/quant_gemm.h"

namespace textembed::engine {
namespace {

size_t RoundUp(size_t x, size_t to) { return (x + to - 1) / to * to; }

// Column c of the concatenated [N × K] parts (PyTorch layout: a weight row per output).
struct TorchColumns {
  const std::vector<const float*>& parts;
  const std::vector<size_t>& part_rows;
  size_t k;
  std::vector<const float*> rows;  // rows[n]: output n's K weights

  TorchColumns(const std::vector<const float*>& p, const std::vector<size_t>& r, size_t k_)
      : parts(p), part_rows(r), k(k_) {
    for (size_t i = 0; i < parts.size(); ++i)
      for (size_t j = 0; j < part_rows[i]; ++j) rows.push_back(parts[i] + j * k);
  }
};

}  // namespace

std::string_view WeightTypeName(WeightType type) {
  switch (type) {
    case WeightType::kF32: return "f32";
    case WeightType::kBf16: return "bf16";
    case WeightType::kInt8: return "int8";
    case WeightType::kInt8Act16: return "int8a16";
  }
  return "?";
}

PackedWeight::PackedWeight() = default;
PackedWeight::~PackedWeight() = default;
PackedWeight::PackedWeight(PackedWeight&&) noexcept = default;
PackedWeight& PackedWeight::operator=(PackedWeight&&) noexcept = default;

size_t PackedWeight::bytes() const {
  const size_t elements = type_ == WeightType::kF32 ? k_ * n_ : padded_k_ * RoundUp(n_, 16);
  const size_t element_bytes = type_ == WeightType::kF32 ? 4 : type_ == WeightType::kBf16 ? 2 : 1;
  return elements * element_bytes + column_scales_.size() * sizeof(float) + column_sums_.size() * sizeof(int32_t);
}

PackedWeight PackedWeight::FromTorchLayout(const std::vector<const float*>& parts,
                                           const std::vector<size_t>& part_rows, size_t k, WeightType type,
                                           bool portable_kernels, size_t column_block) {
  PackedWeight w;
  w.type_ = type;
  w.k_ = k;
  for (size_t rows : part_rows) w.n_ += rows;
  w.kernels_ = portable_kernels ? &PortableQuantKernels() : &BestQuantKernels();
  const TorchColumns columns(parts, part_rows, k);
  const size_t padded_n = RoundUp(w.n_, 16);

  switch (type) {
    case WeightType::kF32: {
      w.column_block_ = column_block == 0 || column_block > w.n_ ? w.n_ : column_block;
      w.data_.Reserve(w.k_ * w.n_);
      float* out = w.data_.data();
      for (size_t begin = 0; begin < w.n_; begin += w.column_block_) {
        const size_t width = std::min(w.column_block_, w.n_ - begin);
        float* block = out + k * begin;
        for (size_t n = begin; n < begin + width; ++n)
          for (size_t i = 0; i < k; ++i) block[i * width + (n - begin)] = columns.rows[n][i];
      }
      break;
    }
    case WeightType::kBf16: {
      w.padded_k_ = RoundUp(k, 2);
      const size_t elements = w.padded_k_ * padded_n;
      w.data_.Reserve((elements * 2 + 3) / 4);
      auto* out = reinterpret_cast<uint16_t*>(w.data_.data());
      std::fill_n(out, elements, uint16_t{0});
      for (size_t n = 0; n < w.n_; ++n)
        for (size_t i = 0; i < k; ++i)
          out[PackedOffset(i, n, w.padded_k_, padded_n, 2)] = FloatToBf16(columns.rows[n][i]);
      break;
    }
    case WeightType::kInt8:
    case WeightType::kInt8Act16: {
      // Symmetric per output channel: q = round(w / scale), scale = max|w| / 127.
      w.padded_k_ = RoundUp(k, 4);
      const size_t elements = w.padded_k_ * padded_n;
      w.data_.Reserve((elements + 3) / 4);
      auto* out = reinterpret_cast<int8_t*>(w.data_.data());
      std::fill_n(out, elements, int8_t{0});
      w.column_scales_.assign(padded_n, 0.0f);
      w.column_sums_.assign(padded_n, 0);
      for (size_t n = 0; n < w.n_; ++n) {
        const float* row = columns.rows[n];
        float max_abs = 0;
        for (size_t i = 0; i < k; ++i) max_abs = std::max(max_abs, std::abs(row[i]));
        const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
        w.column_scales_[n] = scale;
        int32_t sum = 0;
        for (size_t i = 0; i < k; ++i) {
          const float q = std::clamp(std::nearbyint(row[i] / scale), -127.0f, 127.0f);
          out[PackedOffset(i, n, w.padded_k_, padded_n, 4)] = static_cast<int8_t>(q);
          sum += static_cast<int32_t>(q);
        }
        w.column_sums_[n] = sum;
      }
      break;
    }
  }
  return w;
}

void GemmColumns(const float* a, size_t lda, size_t m, const PackedWeight& b, size_t n_begin,
                 size_t n_end, float* c, size_t ldc) {
  if (m == 0 || n_end <= n_begin) return;
  switch (b.type()) {
    case WeightType::kInt8: b.kernels().int8(a, lda, m, b, n_begin, n_end, c, ldc); return;
    case WeightType::kInt8Act16: b.kernels().int8_act16(a, lda, m, b, n_begin, n_end, c, ldc); return;
    case WeightType::kBf16: b.kernels().bf16(a, lda, m, b, n_begin, n_end, c, ldc); return;
    case WeightType::kF32: break;
  }
  if (b.torch_layout() != nullptr && m >= b.torch_layout_min_rows()) {
    dnnl_sgemm('N', 'T', static_cast<dnnl_dim_t>(m), static_cast<dnnl_dim_t>(n_end - n_begin),
               static_cast<dnnl_dim_t>(b.k()), 1.0f, a, static_cast<dnnl_dim_t>(lda),
               b.torch_layout() + n_begin * b.k(), static_cast<dnnl_dim_t>(b.k()), 0.0f, c + n_begin,
               static_cast<dnnl_dim_t>(ldc));
    return;
  }
  // One call per column block the range touches.
  const size_t block = b.column_block();
  for (size_t begin = n_begin; begin < n_end;) {
    const size_t block_begin = begin / block * block, width = std::min(block, b.n() - block_begin);
    const size_t end = std::min(n_end, block_begin + width);
    dnnl_sgemm('N', 'N', static_cast<dnnl_dim_t>(m), static_cast<dnnl_dim_t>(end - begin),
               static_cast<dnnl_dim_t>(b.k()), 1.0f, a, static_cast<dnnl_dim_t>(lda),
               b.data() + b.k() * block_begin + (begin - block_begin), static_cast<dnnl_dim_t>(width), 0.0f,
               c + begin, static_cast<dnnl_dim_t>(ldc));
    begin = end;
  }
}

ScopedSingleThreadedLibraries::ScopedSingleThreadedLibraries() : saved_threads_(omp_get_max_threads()) {
  omp_set_num_threads(1);
}

ScopedSingleThreadedLibraries::~ScopedSingleThreadedLibraries() { omp_set_num_threads(saved_threads_); }

}  // namespace textembed::engine
