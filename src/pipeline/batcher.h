// Groups tokenized texts into packed forward batches under a token budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace textembed::pipeline {

// Returns batches of sequence indices. Sequences are taken longest first so a
// batch holds similar lengths (attention work per thread stays balanced, and a
// long text never waits behind many short ones); a batch closes when adding the
// next sequence would exceed `token_budget`. A sequence longer than the budget
// gets a batch of its own. Every index appears exactly once.
std::vector<std::vector<uint32_t>> PlanBatches(std::span<const size_t> lengths, size_t token_budget);

}  // namespace textembed::pipeline
