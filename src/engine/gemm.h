// Dense matrix products for the encoder's linear layers. A PackedWeight holds
// one layer's weights in the layout and number type its GEMM runs fastest on,
// converted once at load:
//  - f32:  transposed to [K × N] for oneDNN's sgemm (measured 5x faster than
//          Debian's OpenBLAS 0.3.21 on these shapes, see docs/engine-notes.md);
//  - bf16: round-to-nearest-even, packed for the AVX-512 BF16 `vdpbf16ps`
//          kernel (fp32 accumulation);
//  - int8: symmetric per-output-channel scales, packed for the AVX-512 VNNI
//          `vpdpbusd` kernel; activations are quantized per row right before
//          the product (u8 with a zero point), int32 accumulation,
//          dequantization in the kernel's store (see docs/quantization.md);
//  - int8 weights with 16-bit activations (kInt8Act16): the same weights, each
//          activation row quantized to 16 bits and split into a high and a low
//          u8 half, two `vpdpbusd` passes combined in the store: twice the
//          int8 cost, for layers whose inputs have outlier channels.
// GemmColumns dispatches on the weight type. Every row's result depends only
// on that row (integer accumulation is exact; bf16 accumulates in a fixed k
// order), so batching never changes results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/aligned_buffer.h"

namespace textembed::engine {

enum class WeightType { kF32, kBf16, kInt8, kInt8Act16 };
std::string_view WeightTypeName(WeightType type);

struct QuantKernels;  // engine/quant_gemm.h

class PackedWeight {
 public:
  PackedWeight();
  ~PackedWeight();
  PackedWeight(PackedWeight&&) noexcept;
  PackedWeight& operator=(PackedWeight&&) noexcept;

  // Concatenates PyTorch-layout parts W_i [N_i × K] along N and converts them
  // to `type` in that type's GEMM layout: the result gives x·W^T. The parts
  // are only read here, so the caller may drop them afterwards.
  // `portable_kernels`: run the plain C++ bf16/int8 kernels even where the
  // CPU has AVX-512 BF16/VNNI (tests); a CPU without them always does.
  // `column_block` (f32): store columns [j·block, (j+1)·block) as their own
  // contiguous [K × block] matrix (0: one block), so a thread that multiplies
  // by one block reads its weights sequentially (a third faster for few rows
  // than strided rows of the whole matrix, see docs/engine-notes.md).
  static PackedWeight FromTorchLayout(const std::vector<const float*>& parts,
                                      const std::vector<size_t>& part_rows, size_t k,
                                      WeightType type = WeightType::kF32, bool portable_kernels = false,
                                      size_t column_block = 0);

  // f32 only: also multiplies by `w` in its original [N × K] layout (not
  // owned; must outlive this object) when M >= `min_rows`: oneDNN is faster
  // that way on some shapes at large M (FFN-in, see docs/engine-notes.md).
  // Returns false (and keeps nothing) for other types: the caller may then
  // drop `w`'s pages.
  bool UseTorchLayoutFrom(const float* w, size_t min_rows) {
    if (type_ != WeightType::kF32) return false;
    torch_layout_ = w;
    torch_layout_min_rows_ = min_rows;
    return true;
  }

  WeightType type() const { return type_; }
  size_t k() const { return k_; }
  size_t n() const { return n_; }
  // Bytes the packed weights (and their scales) occupy.
  size_t bytes() const;

  // f32 layout: column blocks of column_block() columns (the last may be
  // narrower), each a row-major [K × width] matrix, one after the other.
  const float* data() const { return data_.data(); }
  size_t column_block() const { return column_block_; }
  const float* torch_layout() const { return torch_layout_; }
  size_t torch_layout_min_rows() const { return torch_layout_min_rows_; }

  // bf16/int8 layout: column panels of up to kPanelColumns columns; panel p
  // starts at byte p · kPanelColumns · padded_k() · element size and holds
  // [padded_k / group][panel width][group] elements (group = 2 for bf16,
  // 4 for int8), panel widths padded to 16 columns with zeros.
  static constexpr size_t kPanelColumns = 64;
  size_t padded_k() const { return padded_k_; }
  const void* packed() const { return data_.data(); }
  bool int8() const { return type_ == WeightType::kInt8 || type_ == WeightType::kInt8Act16; }
  const float* column_scales() const { return column_scales_.data(); }  // int8: w ≈ q · scale[n]
  const int32_t* column_sums() const { return column_sums_.data(); }   // int8: Σ_k q[k][n]
  const QuantKernels& kernels() const { return *kernels_; }

 private:
  WeightType type_ = WeightType::kF32;
  AlignedBuffer data_;  // f32, or bf16/int8 bytes in float-sized units
  std::vector<float> column_scales_;
  std::vector<int32_t> column_sums_;
  const QuantKernels* kernels_ = nullptr;
  const float* torch_layout_ = nullptr;
  size_t torch_layout_min_rows_ = 0;
  size_t k_ = 0;
  size_t n_ = 0;
  size_t padded_k_ = 0;
  size_t column_block_ = 0;
};

// C[:, n_begin:n_end] = A[m × K] · W (f32 in, f32 out), single-threaded (the
// caller splits rows across its threads). For bf16/int8 weights n_begin and
// n_end must be multiples of PackedWeight::kPanelColumns or n_end = n().
// The caller's OpenMP context must not let oneDNN start threads of its own
// (see ScopedSingleThreadedLibraries).
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
