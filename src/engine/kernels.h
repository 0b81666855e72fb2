// The element-wise and attention kernels of the forward pass, as one table of
// function pointers chosen once at load time by CPU features (AVX-512 or the
// portable C++). Every kernel is single-threaded over the rows it is given: the
// encoder splits work across threads, so a kernel's result for a row never
// depends on how rows are batched (bitwise-identical per sequence).
#pragma once

#include <cstddef>

namespace textembed::engine {

// One (sequence, head) of scaled-dot-product attention without masking:
// out[i] = softmax(scale * (q[i]+bq)·(k[j]+bk) [+ position_bias[j - i]] for j < len) · (v+bv).
// The QKV projection's biases are applied here rather than in a pass over its
// output; position_bias is MPNet's relative attention bias (null for others).
struct AttentionHead {
  const float* q;
  const float* k;
  const float* v;
  const float* q_bias;  // head_dim values each
  const float* k_bias;
  const float* v_bias;
  size_t ld_in;  // row stride of q, k and v (floats)
  float* out;
  size_t ld_out;
  size_t len;
  size_t head_dim;
  float scale;
  const float* position_bias = nullptr;  // indexable from -(len - 1) to len - 1
};

// Floats of scratch one AttentionHead call needs.
size_t AttentionScratchFloats(size_t len, size_t head_dim);

struct KernelSet {
  const char* name;

  // out[r] = LayerNorm(x[r] + bias + residual[r]) · gamma + beta for each of
  // `rows` rows of `cols`; bias and residual may be null; out may alias x or
  // residual (each row is read fully before it is written).
  void (*add_layer_norm)(const float* x, size_t ld_x, const float* bias, const float* residual,
                         size_t ld_residual, const float* gamma, const float* beta, float eps,
                         size_t rows, size_t cols, float* out, size_t ld_out);

  // x[r] = gelu(x[r] + bias) in place, exact erf GELU.
  void (*bias_gelu)(float* x, size_t ld, const float* bias, size_t rows, size_t cols);

  // x = softmax(x) over n values.
  void (*softmax)(float* x, size_t n);

  // `scratch` holds AttentionScratchFloats(len, head_dim) floats, 64-byte aligned.
  void (*attention)(const AttentionHead& head, float* scratch);
};

const KernelSet& PortableKernels();
// Null when this build has no AVX-512 kernels.
const KernelSet* Avx512Kernels();
// The fastest set this CPU runs (checked with __builtin_cpu_supports).
const KernelSet& BestKernels();

}  // namespace textembed::engine
