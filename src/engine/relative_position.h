// MPNet's relative position bias (T5-style buckets, shared by every layer):
// score(i, j) += table[bucket(j - i)][head].
#pragma once

#include <cstddef>

namespace textembed::engine {

// Hugging Face MPNetEncoder.relative_position_bucket for one relative position
// (key index minus query index), with its float32 arithmetic: half the buckets
// for each direction, exact for |distance| < num_buckets / 4, logarithmic up
// to max_distance, the last bucket beyond.
int RelativePositionBucket(int relative_position, int num_buckets, int max_distance);

// Writes, for each head, the bias of every relative position in
// [-(len - 1), len - 1] to out[head * (2·len − 1) + (len − 1) + relative_position].
// `table` is the [num_buckets_in_table × heads] embedding; buckets index it.
void RelativePositionBias(const float* table, size_t heads, size_t len, int num_buckets, int max_distance,
                          float* out);

}  // namespace textembed::engine
