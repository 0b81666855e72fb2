// Dense f32 matrix products for the encoder's linear layers, on oneDNN's
// sgemm (measured 5x faster than Debian's OpenBLAS 0.3.21 on these shapes, see
// docs/engine-notes.md). Weights are transposed once at load to [K × N]
// row-major, the layout oneDNN's kernels run fastest on for small M.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/aligned_buffer.h"

namespace textembed::engine {

class PackedWeight {
 public:
  PackedWeight() = default;
  // Concatenates PyTorch-layout parts W_i [N_i × K] along N and transposes:
  // the result B [K × ΣN_i] gives x·W^T = x·B.
  static PackedWeight FromTorchLayout(const std::vector<const float*>& parts,
                                      const std::vector<size_t>& part_rows, size_t k);

  // Also multiplies by `w` in its original [N × K] layout (not owned; must
  // outlive this object) when M >= `min_rows`: oneDNN is faster that way on
  // some shapes at large M (FFN-in, see docs/engine-notes.md).
  void UseTorchLayoutFrom(const float* w, size_t min_rows) {
    torch_layout_ = w;
    torch_layout_min_rows_ = min_rows;
  }

  size_t k() const { return k_; }
  size_t n() const { return n_; }
  const float* data() const { return data_.data(); }
  const float* torch_layout() const { return torch_layout_; }
  size_t torch_layout_min_rows() const { return torch_layout_min_rows_; }

 private:
  AlignedBuffer data_;
  const float* torch_layout_ = nullptr;
  size_t torch_layout_min_rows_ = 0;
  size_t k_ = 0;
  size_t n_ = 0;
};

// C[:, n_begin:n_end] = A[m × K] · B[:, n_begin:n_end], single-threaded (the
// caller splits rows or columns across its threads). The caller's OpenMP context must
// not let oneDNN start threads of its own (see ScopedSingleThreadedLibraries).
void GemmColumns(const float* a, size_t lda, size_t m, const PackedWeight& b, size_t n_begin,
                 size_t n_end, float* c, size_t ldc);

// While alive, keeps OpenMP-threaded libraries (oneDNN) called from this
// thread single-threaded: it sets this thread's nthreads-var ICV to 1 and
// restores it. The ICV is per OpenMP task, so other threads are unaffected;
// the encoder's own parallel regions use explicit num_threads clauses.
class ScopedSingleThreadedLibraries {
 public:
  ScopedSingleThreadedLibraries();
  ~ScopedSingleThreadedLibraries();
  ScopedSingleThreadedLibraries(const ScopedSingleThreadedLibraries&) = delete;
  ScopedSingleThreadedLibraries& operator=(const ScopedSingleThreadedLibraries&) = delete;

 private:
  int saved_threads_;
};

}  // namespace textembed::engine
