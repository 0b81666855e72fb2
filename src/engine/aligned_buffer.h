// A growable float array aligned to 64 bytes (one cache line / one zmm load),
// for packed weights and per-call scratch. Growing discards the contents.
#pragma once

#include <cstdlib>
#include <memory>
#include <new>

namespace textembed::engine {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t floats) { Reserve(floats); }

  // Ensures room for `floats` floats; reallocates only when growing, so a
  // buffer reused across calls stops allocating once it reached its peak.
  void Reserve(size_t floats) {
    if (floats <= capacity_) return;
    const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!data_) throw std::bad_alloc();  // caught at the Forward boundary
    capacity_ = floats;
  }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
  size_t capacity_ = 0;
};

}  // namespace textembed::engine
