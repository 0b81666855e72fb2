#include "pipeline/batcher.h"

#include <algorithm>
#include <numeric>

namespace textembed::pipeline {

std::vector<std::vector<uint32_t>> PlanBatches(std::span<const size_t> lengths, size_t token_budget) {
  std::vector<uint32_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return lengths[a] > lengths[b]; });

  std::vector<std::vector<uint32_t>> batches;
  size_t tokens_in_batch = 0;
  for (uint32_t index : order) {
    if (batches.empty() || (tokens_in_batch + lengths[index] > token_budget && !batches.back().empty())) {
      batches.emplace_back();
      tokens_in_batch = 0;
    }
    batches.back().push_back(index);
    tokens_in_batch += lengths[index];
  }
  return batches;
}

}  // namespace textembed::pipeline
