#include "engine/relative_position.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace textembed::engine {

int RelativePositionBucket(int relative_position, int num_buckets, int max_distance) {
  const int half = num_buckets / 2;
  const int n = -relative_position;
  int bucket = n < 0 ? half : 0;
  const int distance = std::abs(n);
  const int max_exact = half / 2;
  if (distance < max_exact) return bucket + distance;
  // As torch evaluates it: float32 tensor ops, the Python double constant
  // rounded to float32, then truncation toward zero.
  const float log_ratio = std::log(float(distance) / float(max_exact));
  const float scaled = log_ratio / float(std::log(double(max_distance) / double(max_exact))) * float(half - max_exact);
  const int large = max_exact + static_cast<int>(scaled);
  return bucket + std::min(large, half - 1);
}

void RelativePositionBias(const float* table, size_t heads, size_t len, int num_buckets, int max_distance,
                          float* out) {
  if (len == 0) return;
  const size_t width = 2 * len - 1;
  for (size_t k = 0; k < width; ++k) {
    const int relative = int(k) - int(len - 1);
    const int bucket = RelativePositionBucket(relative, num_buckets, max_distance);
    for (size_t h = 0; h < heads; ++h) out[h * width + k] = table[size_t(bucket) * heads + h];
  }
}

}  // namespace textembed::engine
