// Precompiled: SentencePiece's normalization rules (a darts-clone double-array
// trie over UTF-8 plus a blob of replacement strings), applied the way HF
// tokenizers does: per extended grapheme cluster when shorter than 6 bytes,
// else char by char, taking the FIRST (shortest) prefix match of the chunk.
// Alignment edits follow HF's `replace` helper exactly.
#include <cstring>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode_props.h"

namespace textembed::tokenizer {
namespace {

Result<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    if (c == '\n' || c == '\r') continue;
    const int v = value(c);
    if (v < 0) return Status::Corruption("precompiled_charsmap: invalid base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

class PrecompiledNormalizer final : public Normalizer {
 public:
  static Result<std::unique_ptr<Normalizer>> Create(std::string_view blob) {
    auto n = std::make_unique<PrecompiledNormalizer>();
    if (blob.empty()) return std::unique_ptr<Normalizer>(std::move(n));  // identity
    if (blob.size() < 4) return Status::Corruption("precompiled_charsmap too short");
    uint32_t trie_bytes;
    std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian (x86)
    if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4 || trie_bytes == 0)
      return Status::Corruption("precompiled_charsmap: bad trie size");
    n->units_.resize(trie_bytes / 4);
    std::memcpy(n->units_.data(), blob.data() + 4, trie_bytes);
    n->normalized_ = std::string(blob.substr(4 + trie_bytes));
    return std::unique_ptr<Normalizer>(std::move(n));
  }

  Status Normalize(NormalizedString* ns) const override {
    if (units_.empty() || ns->text.empty()) return Status::Ok();
    const std::string& s = ns->text;
    std::vector<std::pair<char32_t, int>> edits;
    edits.reserve(s.size());
    bool modified = false;
    // HF precompiled.rs `replace`: every new char replaces an old one; extra
    // new chars are insertions, missing ones are removed after the last edit.
    auto emit_replacement = [&](std::string_view norm, size_t old_count) {
      size_t new_count = 0;
      for (size_t k = 0; k < norm.size();) {
        const utf8::Decoded d = utf8::DecodeAt(norm, k);
        edits.emplace_back(d.code_point, 0);
        k += d.length;
        ++new_count;
      }
      const int diff = static_cast<int>(new_count) - static_cast<int>(old_count);
      if (diff > 0) {
        for (size_t k = 0; k < static_cast<size_t>(diff); ++k) edits[edits.size() - 1 - k].second = 1;
      } else if (diff < 0 && !edits.empty()) {
        edits.back().second += diff;
      }
    };
    size_t g = 0;
    while (g < s.size()) {
      // Extent of the grapheme cluster starting at g.
      utf8proc_int32_t state = 0;
      utf8::Decoded d = utf8::DecodeAt(s, g);
      size_t end = g + d.length;
      size_t chars = 1;
      char32_t prev = d.code_point;
      while (end < s.size()) {
        const utf8::Decoded nd = utf8::DecodeAt(s, end);
        // utf8proc's break rules are Unicode 15; a mark assigned since (U+0897
        // in Unicode 16) extends the cluster in HF's grapheme segmentation.
        if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                             static_cast<utf8proc_int32_t>(nd.code_point), &state) &&
            !unicode::IsMarkNewerThanUtf8proc(nd.code_point))
          break;
        prev = nd.code_point;
        end += nd.length;
        ++chars;
      }
      const std::string_view grapheme(s.data() + g, end - g);
      std::string_view norm;
      if (grapheme.size() < 6 && LookupReplacement(grapheme, &norm)) {
        modified = true;
        emit_replacement(norm, chars);
      } else {
        for (size_t k = 0; k < grapheme.size();) {
          const utf8::Decoded cd = utf8::DecodeAt(grapheme, k);
          if (LookupReplacement(grapheme.substr(k, cd.length), &norm)) {
            modified = true;
            emit_replacement(norm, 1);
          } else {
            edits.emplace_back(cd.code_point, 0);
          }
          k += cd.length;
        }
      }
      g = end;
    }
    if (!modified) return Status::Ok();
    TransformInPlace(ns, [&](Transformer& tr) {
      for (const auto& [c, change] : edits) tr.Emit(c, change);
    });
    return Status::Ok();
  }

 private:
  // darts-clone unit accessors.
  static bool HasLeaf(uint32_t u) { return (u >> 8) & 1; }
  static uint32_t Value(uint32_t u) { return u & ((1u << 31) - 1); }
  static uint32_t Label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
  static uint32_t UnitOffset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

  // First (shortest) prefix of `chunk` in the trie → its replacement.
  bool LookupReplacement(std::string_view chunk, std::string_view* out) const {
    size_t node = 0;
    uint32_t unit = units_[0];
    node ^= UnitOffset(unit);
    for (unsigned char c : chunk) {
      if (c == 0) return false;
      node ^= c;
      if (node >= units_.size()) return false;
      unit = units_[node];
      if (Label(unit) != c) return false;
      node ^= UnitOffset(unit);
      if (node >= units_.size()) return false;
      if (HasLeaf(unit)) {
        const size_t index = Value(units_[node]);
        if (index > normalized_.size()) return false;
        size_t stop = normalized_.find('\0', index);
        if (stop == std::string::npos) stop = normalized_.size();
        *out = std::string_view(normalized_).substr(index, stop - index);
        return true;
      }
    }
    return false;
  }

  std::vector<uint32_t> units_;
  std::string normalized_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> MakePrecompiledNormalizer(const nlohmann::json& node) {
  if (TypeOf(node) != "Precompiled") return std::unique_ptr<Normalizer>();
  TEXTEMBED_ASSIGN_OR_RETURN(std::string b64, Field<std::string>(node, "precompiled_charsmap", ""));
  TEXTEMBED_ASSIGN_OR_RETURN(std::string blob, DecodeBase64(b64));
  return PrecompiledNormalizer::Create(blob);
}

}  // namespace textembed::tokenizer
