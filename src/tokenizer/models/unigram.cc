#include "tokenizer/models/unigram.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace textembed::tokenizer::models {

namespace {
// Larger than Hugging Face's 10,000 words (see bpe.cc); a few MB at most.
constexpr size_t kCacheCapacity = 50000;

// The score HF actually holds for a number of tokenizer.json. serde_json
// (without its float_roundtrip feature, as HF builds it) reads a decimal as
// (double)significand * or / 10^exponent: two roundings, so about a quarter of
// t5's scores end one ulp away from the correctly rounded value. Viterbi ties
// on repetitive text ("▁-------") are decided by those ulps, so the same
// arithmetic is redone here. The number's text is taken to be the shortest
// round-trip form of `value` (what serde_json and Python write).
double SerdeJsonF64(double value) {
  if (!std::isfinite(value)) return value;
  char buf[64];
  const auto written = std::to_chars(buf, buf + sizeof buf, value);
  if (written.ec != std::errc()) return value;
  const std::string_view text(buf, static_cast<size_t>(written.ptr - buf));
  size_t i = 0;
  const bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  uint64_t significand = 0;
  int exponent = 0;
  bool in_fraction = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      in_fraction = true;
      continue;
    }
    // At most 17 significant digits: no u64 overflow.
    significand = significand * 10 + static_cast<uint64_t>(text[i] - '0');
    if (in_fraction) --exponent;
  }
  if (i < text.size()) {
    int e = 0;
    std::from_chars(text.data() + i + 1 + (text[i + 1] == '+'), text.data() + text.size(), e);
    exponent += e;
  }
  auto pow10 = [](int n) { return std::strtod(("1e" + std::to_string(n)).c_str(), nullptr); };
  double f = static_cast<double>(significand);
  while (true) {
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude <= 308) {
      f = exponent >= 0 ? f * pow10(magnitude) : f / pow10(magnitude);
      break;
    }
    if (f == 0.0 || exponent >= 0) break;
    f /= 1e308;
    exponent += 308;
  }
  return negative ? -f : f;
}
}  // namespace

Result<std::unique_ptr<Model>> UnigramModel::FromJson(const nlohmann::json& node) {
  constexpr std::string_view kWhat = "Unigram model";
  auto vocab_node = node.find("vocab");
  if (vocab_node == node.end()) return Status::Corruption("Unigram model: missing \"vocab\"");
  if (!vocab_node->is_array()) {
    return Status::Corruption("Unigram model: \"vocab\" must be an array of [piece, score]");
  }
  std::vector<std::pair<std::string, double>> pieces;
  pieces.reserve(vocab_node->size());
  for (size_t i = 0; i < vocab_node->size(); ++i) {
    const nlohmann::json& entry = (*vocab_node)[i];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number()) {
      return Status::Corruption("Unigram model: vocab entry #" + std::to_string(i) +
                                " is not [piece (string), score (number)]");
    }
    pieces.emplace_back(entry[0].get<std::string>(), SerdeJsonF64(entry[1].get<double>()));
  }
  if (pieces.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::Corruption("Unigram model: vocabulary too large");
  }
  TEXTEMBED_ASSIGN_OR_RETURN(auto unk_id, OptionalUnsigned(node, "unk_id", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto byte_fallback, OptionalBool(node, "byte_fallback", kWhat));
  if (unk_id) {
    if (pieces.empty()) return Status::Corruption("Unigram model: unk_id is set but the vocabulary is empty");
    if (*unk_id >= pieces.size()) {
      return Status::Corruption("Unigram model: unk_id " + std::to_string(*unk_id) +
                                " is outside the vocabulary of " + std::to_string(pieces.size()));
    }
  }
  std::optional<int32_t> unk;
  if (unk_id) unk = static_cast<int32_t>(*unk_id);
  return std::unique_ptr<Model>(new UnigramModel(std::move(pieces), unk, byte_fallback.value_or(false)));
}

UnigramModel::UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<int32_t> unk_id,
                           bool byte_fallback)
    : pieces_(std::move(pieces)),
      unk_id_(unk_id),
      byte_fallback_(byte_fallback),
      min_score_(std::numeric_limits<double>::infinity()),
      cache_(kCacheCapacity) {
  token_to_id_.reserve(pieces_.size());
  for (size_t id = 0; id < pieces_.size(); ++id) {
    // A repeated piece maps to its last id, as a Rust HashMap insert does.
    token_to_id_.insert_or_assign(pieces_[id].first, static_cast<int32_t>(id));
    trie_.Insert(pieces_[id].first, static_cast<int32_t>(id));
    min_score_ = std::min(min_score_, pieces_[id].second);
  }
  byte_fallback_ids_ = ByteFallbackIds(token_to_id_);
}

std::optional<int32_t> UnigramModel::TokenToId(std::string_view token) const {
  auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> UnigramModel::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return std::nullopt;
  return std::string_view(pieces_[id].first);
}

Status UnigramModel::BestPath(std::string_view piece,
                              std::vector<std::pair<uint32_t, uint32_t>>* ranges) const {
  struct BestEnding {
    double score = 0.0;
    int64_t starts_at = -1;  // -1: no path ends here yet
    int32_t id = 0;
  };
  const size_t size = piece.size();
  const double unknown_score = min_score_ - kUnknownPenalty;
  std::vector<BestEnding> best(size + 1);

  for (size_t start = 0; start < size;) {
    const double score_so_far = best[start].score;
    const uint32_t char_length = utf8::DecodeAt(piece, start).length;
    bool has_single_char_piece = false;
    uint32_t node = ByteTrie::kRoot;
    for (size_t pos = start; pos < size; ++pos) {
      node = trie_.Child(node, static_cast<uint8_t>(piece[pos]));
      if (node == ByteTrie::kNoNode) break;
      const int32_t id = trie_.ValueAt(node);
      if (id == ByteTrie::kNoValue) continue;
      BestEnding& target = best[pos + 1];
      const double candidate = pieces_[id].second + score_so_far;
      // Strictly greater: on ties the shorter piece, found first, wins.
      if (target.starts_at < 0 || candidate > target.score) {
        target = BestEnding{candidate, static_cast<int64_t>(start), id};
      }
      if (pos + 1 - start == char_length) has_single_char_piece = true;
    }
    if (!has_single_char_piece) {
      BestEnding& target = best[start + char_length];
      const double candidate = unknown_score + score_so_far;
      if (target.starts_at < 0 || candidate > target.score) {
        if (!unk_id_) {
          return Status::Corruption("Unigram model: no unk_id, but the text has a char (at byte " +
                                    std::to_string(start) + ") that no piece covers");
        }
        target = BestEnding{candidate, static_cast<int64_t>(start), *unk_id_};
      }
    }
    start += char_length;
  }

  // Walk back from the end, merging consecutive unknowns into one range.
  ranges->clear();
  size_t end = size;
  std::optional<size_t> unknown_run_end;
  while (end > 0) {
    const BestEnding& node = best[end];
    if (node.starts_at < 0) return Status::Internal("Unigram model: broken best path");
    const auto start = static_cast<size_t>(node.starts_at);
    if (unk_id_ && node.id == *unk_id_) {
      if (!unknown_run_end) unknown_run_end = end;
    } else {
      if (unknown_run_end) {
        ranges->emplace_back(static_cast<uint32_t>(end), static_cast<uint32_t>(*unknown_run_end));
        unknown_run_end.reset();
      }
      ranges->emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(end));
    }
    end = start;
  }
  if (unknown_run_end) ranges->emplace_back(0u, static_cast<uint32_t>(*unknown_run_end));
  std::reverse(ranges->begin(), ranges->end());
  return Status::Ok();
}

Status UnigramModel::Tokenize(std::string_view piece, std::vector<Token>* out) const {
  if (piece.empty()) return Status::Ok();
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  if (!cache_.Lookup(piece, &ranges)) {
    TEXTEMBED_RETURN_IF_ERROR(BestPath(piece, &ranges));
    cache_.Store(piece, ranges);
  }
  for (const auto& [begin, end] : ranges) {
    const std::string_view text = piece.substr(begin, end - begin);
    if (auto it = token_to_id_.find(text); it != token_to_id_.end()) {
      out->push_back(Token{it->second, std::string(text), begin, end});
      continue;
    }
    if (byte_fallback_) {
      const bool all_bytes_known = std::all_of(text.begin(), text.end(), [this](char c) {
        return byte_fallback_ids_[static_cast<uint8_t>(c)] >= 0;
      });
      if (all_bytes_known) {
        // Every byte token spans the whole unknown run, as in Hugging Face.
        for (const char c : text) {
          const auto byte = static_cast<uint8_t>(c);
          out->push_back(Token{byte_fallback_ids_[byte], ByteFallbackToken(byte), begin, end});
        }
        continue;
      }
    }
    if (!unk_id_) {
      return Status::Corruption("Unigram model: no unk_id, but \"" + std::string(text) + "\" is unknown");
    }
    out->push_back(Token{*unk_id_, std::string(text), begin, end});
  }
  return Status::Ok();
}

}  // namespace textembed::tokenizer::models
