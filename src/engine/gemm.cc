#include "engine/gemm.h"

#include <dnnl.h>
#include <omp.h>

namespace textembed::engine {

PackedWeight PackedWeight::FromTorchLayout(const std::vector<const float*>& parts,
                                           const std::vector<size_t>& part_rows, size_t k) {
  PackedWeight w;
  w.k_ = k;
  for (size_t rows : part_rows) w.n_ += rows;
  w.data_.Reserve(w.k_ * w.n_);
  float* out = w.data_.data();
  size_t column = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    for (size_t r = 0; r < part_rows[p]; ++r, ++column)
      for (size_t i = 0; i < k; ++i) out[i * w.n_ + column] = parts[p][r * k + i];
  }
  return w;
}

void GemmColumns(const float* a, size_t lda, size_t m, const PackedWeight& b, size_t n_begin,
                 size_t n_end, float* c, size_t ldc) {
  if (m == 0 || n_end <= n_begin) return;
  if (b.torch_layout() != nullptr && m >= b.torch_layout_min_rows()) {
    dnnl_sgemm('N', 'T', static_cast<dnnl_dim_t>(m), static_cast<dnnl_dim_t>(n_end - n_begin),
               static_cast<dnnl_dim_t>(b.k()), 1.0f, a, static_cast<dnnl_dim_t>(lda),
               b.torch_layout() + n_begin * b.k(), static_cast<dnnl_dim_t>(b.k()), 0.0f, c + n_begin,
               static_cast<dnnl_dim_t>(ldc));
    return;
  }
  dnnl_sgemm('N', 'N', static_cast<dnnl_dim_t>(m), static_cast<dnnl_dim_t>(n_end - n_begin),
             static_cast<dnnl_dim_t>(b.k()), 1.0f, a, static_cast<dnnl_dim_t>(lda), b.data() + n_begin,
             static_cast<dnnl_dim_t>(b.n()), 0.0f, c + n_begin, static_cast<dnnl_dim_t>(ldc));
}

ScopedSingleThreadedLibraries::ScopedSingleThreadedLibraries() : saved_threads_(omp_get_max_threads()) {
  omp_set_num_threads(1);
}

ScopedSingleThreadedLibraries::~ScopedSingleThreadedLibraries() { omp_set_num_threads(saved_threads_); }

}  // namespace textembed::engine
