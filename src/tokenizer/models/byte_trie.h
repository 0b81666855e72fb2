// A byte-wise trie whose edges live in one open-addressing hash table, so a
// walk is one cache-friendly probe per byte and building it from a 250k-token
// vocabulary is a few milliseconds. Used for longest-match (WordPiece) and
// all-prefix (Unigram) searches.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace textembed::tokenizer::models {

class ByteTrie {
 public:
  static constexpr uint32_t kRoot = 0;
  static constexpr uint32_t kNoNode = UINT32_MAX;
  static constexpr int32_t kNoValue = -1;

  ByteTrie();

  // Stores `value` (>= 0) at `key`, replacing any earlier value.
  void Insert(std::string_view key, int32_t value);

  // The child of `node` along `byte`, or kNoNode.
  uint32_t Child(uint32_t node, uint8_t byte) const {
    const uint64_t key = EdgeKey(node, byte);
    for (size_t slot = Hash(key) & mask_;; slot = (slot + 1) & mask_) {
      const Edge& edge = edges_[slot];
      if (edge.key == key) return edge.child;
      if (edge.key == kEmptyKey) return kNoNode;
    }
  }

  // Node reached from `node` by walking all of `path`, or kNoNode.
  uint32_t Walk(uint32_t node, std::string_view path) const;

  int32_t ValueAt(uint32_t node) const { return values_[node]; }

 private:
  struct Edge {
    uint64_t key;
    uint32_t child;
  };
  static constexpr uint64_t kEmptyKey = 0;

  // +1 keeps every real key non-zero, so zero can mark an empty slot.
  static uint64_t EdgeKey(uint32_t node, uint8_t byte) { return (uint64_t{node} << 8 | byte) + 1; }
  static size_t Hash(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return static_cast<size_t>(key);
  }
  void Grow();

  std::vector<Edge> edges_;
  size_t mask_;
  size_t edge_count_ = 0;
  std::vector<int32_t> values_;  // per node
};

}  // namespace textembed::tokenizer::models
