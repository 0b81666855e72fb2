#include "tokenizer/models/byte_trie.h"

namespace textembed::tokenizer::models {

ByteTrie::ByteTrie() : edges_(1024, Edge{kEmptyKey, 0}), mask_(1023), values_(1, kNoValue) {}

void ByteTrie::Insert(std::string_view key, int32_t value) {
  uint32_t node = kRoot;
  for (const char c : key) {
    const uint8_t byte = static_cast<uint8_t>(c);
    uint32_t child = Child(node, byte);
    if (child == kNoNode) {
      if ((edge_count_ + 1) * 2 > edges_.size()) Grow();
      child = static_cast<uint32_t>(values_.size());
      values_.push_back(kNoValue);
      const uint64_t edge_key = EdgeKey(node, byte);
      size_t slot = Hash(edge_key) & mask_;
      while (edges_[slot].key != kEmptyKey) slot = (slot + 1) & mask_;
      edges_[slot] = Edge{edge_key, child};
      ++edge_count_;
    }
    node = child;
  }
  values_[node] = value;
}

uint32_t ByteTrie::Walk(uint32_t node, std::string_view path) const {
  for (const char c : path) {
    if (node == kNoNode) return kNoNode;
    node = Child(node, static_cast<uint8_t>(c));
  }
  return node;
}

void ByteTrie::Grow() {
  std::vector<Edge> old = std::move(edges_);
  edges_.assign(old.size() * 2, Edge{kEmptyKey, 0});
  mask_ = edges_.size() - 1;
  for (const Edge& edge : old) {
    if (edge.key == kEmptyKey) continue;
    size_t slot = Hash(edge.key) & mask_;
    while (edges_[slot].key != kEmptyKey) slot = (slot + 1) & mask_;
    edges_[slot] = edge;
  }
}

}  // namespace textembed::tokenizer::models
