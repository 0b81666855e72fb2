#include "tokenizer/models/bpe.h"

#include <algorithm>
#include <queue>

#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace textembed::tokenizer::models {

namespace {

constexpr std::string_view kWhat = "BPE model";
// Larger than Hugging Face's 10,000 words: a news corpus has ~30k distinct
// words, and an entry costs ~100 bytes, so this stays a few MB per model.
constexpr size_t kCacheCapacity = 50000;

// Merges come as "left right" strings (older files, merges.txt style) or as
// ["left", "right"] pairs (files written since tokenizers 0.20).
Status ParseMerges(const nlohmann::json& node, std::vector<std::pair<std::string, std::string>>* merges) {
  if (!node.is_array()) return Status::Corruption("BPE model: \"merges\" must be an array");
  merges->reserve(node.size());
  for (size_t i = 0; i < node.size(); ++i) {
    const nlohmann::json& entry = node[i];
    if (entry.is_string()) {
      const std::string& line = entry.get_ref<const std::string&>();
      if (line.starts_with("#version")) continue;
      const size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        return Status::Corruption("BPE model: merge #" + std::to_string(i + 1) + " (\"" + line +
                                  "\") is not two tokens separated by one space");
      }
      merges->emplace_back(line.substr(0, space), line.substr(space + 1));
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
      merges->emplace_back(entry[0].get<std::string>(), entry[1].get<std::string>());
    } else {
      return Status::Corruption("BPE model: merge #" + std::to_string(i + 1) +
                                " is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }
  return Status::Ok();
}

// A symbol of the word being merged; symbols merged into their left
// neighbour keep their slot with length 0, as in Hugging Face's Word.
struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  uint32_t length;
};

struct MergeCandidate {
  uint32_t rank;
  int32_t position;  // index of the left symbol
  int32_t new_id;
};

// Orders the heap so that top() is the lowest rank, then the leftmost position.
struct LaterMergeFirst {
  bool operator()(const MergeCandidate& a, const MergeCandidate& b) const {
    if (a.rank != b.rank) return a.rank > b.rank;
    return a.position > b.position;
  }
};

}  // namespace

Result<std::unique_ptr<Model>> BpeModel::FromJson(const nlohmann::json& node) {
  auto vocab_node = node.find("vocab");
  if (vocab_node == node.end()) return Status::Corruption("BPE model: missing \"vocab\"");
  auto merges_node = node.find("merges");
  if (merges_node == node.end()) return Status::Corruption("BPE model: missing \"merges\"");
  TEXTEMBED_ASSIGN_OR_RETURN(Vocab vocab, Vocab::FromJsonObject(*vocab_node, kWhat));

  BpeOptions options;
  TEXTEMBED_ASSIGN_OR_RETURN(options.unk_token, OptionalString(node, "unk_token", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(options.continuing_subword_prefix,
                             OptionalString(node, "continuing_subword_prefix", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(options.end_of_word_suffix, OptionalString(node, "end_of_word_suffix", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto fuse_unk, OptionalBool(node, "fuse_unk", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto byte_fallback, OptionalBool(node, "byte_fallback", kWhat));
  TEXTEMBED_ASSIGN_OR_RETURN(auto ignore_merges, OptionalBool(node, "ignore_merges", kWhat));
  options.fuse_unk = fuse_unk.value_or(false);
  options.byte_fallback = byte_fallback.value_or(false);
  options.ignore_merges = ignore_merges.value_or(false);
  // "dropout" is deliberately ignored: embeddings must be deterministic, so
  // BPE-dropout (a training-time regulariser) is always off here.
  if (auto dropout = node.find("dropout"); dropout != node.end() && !dropout->is_null() && !dropout->is_number()) {
    return Status::Corruption("BPE model: \"dropout\" must be a number or null");
  }

  std::vector<std::pair<std::string, std::string>> merges;
  TEXTEMBED_RETURN_IF_ERROR(ParseMerges(*merges_node, &merges));
  const size_t prefix_length = options.continuing_subword_prefix ? options.continuing_subword_prefix->size() : 0;
  MergeMap merge_map;
  merge_map.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const std::optional<int32_t> left_id = vocab.Find(left);
    const std::optional<int32_t> right_id = vocab.Find(right);
    if (!left_id || !right_id) {
      return Status::Corruption("BPE model: merge #" + std::to_string(rank + 1) + " uses token \"" +
                                (left_id ? right : left) + "\" which is not in the vocabulary");
    }
    // The merged token drops the right side's continuation prefix ("a" + "##b" -> "ab").
    if (right.size() < prefix_length) {
      return Status::Corruption("BPE model: merge #" + std::to_string(rank + 1) + " right token \"" + right +
                                "\" is shorter than continuing_subword_prefix");
    }
    const std::string merged = left + right.substr(prefix_length);
    const std::optional<int32_t> merged_id = vocab.Find(merged);
    if (!merged_id) {
      return Status::Corruption("BPE model: merge #" + std::to_string(rank + 1) + " produces \"" + merged +
                                "\" which is not in the vocabulary");
    }
    merge_map.insert_or_assign(PairKey(*left_id, *right_id),
                               MergeTarget{static_cast<uint32_t>(rank), *merged_id});
  }
  return std::unique_ptr<Model>(new BpeModel(std::move(vocab), std::move(merge_map), std::move(options)));
}

BpeModel::BpeModel(Vocab vocab, MergeMap merges, BpeOptions options)
    : VocabModel(std::move(vocab)),
      merges_(std::move(merges)),
      options_(std::move(options)),
      byte_fallback_ids_(ByteFallbackIds(vocab_.entries())),
      cache_(kCacheCapacity) {}

Status BpeModel::MergeWord(std::string_view piece, std::vector<Span>* spans) const {
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  auto add_symbol = [&symbols](int32_t id, uint32_t length) {
    const auto index = static_cast<int32_t>(symbols.size());
    if (!symbols.empty()) symbols.back().next = index;
    symbols.push_back(Symbol{id, index - 1, -1, length});
  };

  // A run of unknown chars waits here so that fuse_unk can extend it.
  Span pending_unknown{-1, 0};  // id -1: none pending
  std::string decorated;
  for (size_t pos = 0; pos < piece.size();) {
    const uint32_t length = utf8::DecodeAt(piece, pos).length;
    const bool is_first = pos == 0;
    const bool is_last = pos + length >= piece.size();
    std::string_view text = piece.substr(pos, length);
    const bool add_prefix = !is_first && options_.continuing_subword_prefix;
    const bool add_suffix = is_last && options_.end_of_word_suffix;
    if (add_prefix || add_suffix) {
      decorated.clear();
      if (add_prefix) decorated += *options_.continuing_subword_prefix;
      decorated += text;
      if (add_suffix) decorated += *options_.end_of_word_suffix;
      text = decorated;
    }
    pos += length;

    if (const std::optional<int32_t> id = vocab_.Find(text)) {
      if (pending_unknown.id >= 0) {
        add_symbol(pending_unknown.id, pending_unknown.length);
        pending_unknown.id = -1;
      }
      add_symbol(*id, length);
      continue;
    }
    if (options_.byte_fallback) {
      // Like Hugging Face, this covers the decorated text (prefix/suffix bytes
      // included), one byte per token, and does not flush a pending unknown.
      const bool all_bytes_known = std::all_of(text.begin(), text.end(), [this](char c) {
        return byte_fallback_ids_[static_cast<uint8_t>(c)] >= 0;
      });
      if (all_bytes_known) {
        for (const char c : text) add_symbol(byte_fallback_ids_[static_cast<uint8_t>(c)], 1);
        continue;
      }
    }
    if (!options_.unk_token) continue;  // unknown chars vanish when there is no unk token
    if (pending_unknown.id >= 0 && options_.fuse_unk) {
      pending_unknown.length += length;
      continue;
    }
    const std::optional<int32_t> unk_id = vocab_.Find(*options_.unk_token);
    if (!unk_id) {
      return Status::Corruption("BPE model: unk_token \"" + *options_.unk_token +
                                "\" is not in the vocabulary but is needed for an unknown char");
    }
    if (pending_unknown.id >= 0) add_symbol(pending_unknown.id, pending_unknown.length);
    pending_unknown = Span{*unk_id, length};
  }
  if (pending_unknown.id >= 0) add_symbol(pending_unknown.id, pending_unknown.length);

  std::vector<MergeCandidate> heap_storage;
  heap_storage.reserve(symbols.size());
  std::priority_queue<MergeCandidate, std::vector<MergeCandidate>, LaterMergeFirst> queue(
      LaterMergeFirst{}, std::move(heap_storage));
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const MergeTarget* merge = FindMerge(symbols[i].id, symbols[i + 1].id)) {
      queue.push(MergeCandidate{merge->rank, static_cast<int32_t>(i), merge->new_id});
    }
  }
  while (!queue.empty()) {
    const MergeCandidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.position];
    if (left.length == 0 || left.next == -1) continue;  // merged away, or last symbol
    const int32_t right_index = left.next;
    const Symbol right = symbols[right_index];
    // A stale candidate: the pair at this position changed since it was queued.
    const MergeTarget* current = FindMerge(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;

    left.id = top.new_id;
    left.length += right.length;
    left.next = right.next;
    symbols[right_index].length = 0;
    if (right.next >= 0) symbols[right.next].prev = top.position;

    if (left.prev >= 0) {
      if (const MergeTarget* merge = FindMerge(symbols[left.prev].id, left.id)) {
        queue.push(MergeCandidate{merge->rank, left.prev, merge->new_id});
      }
    }
    if (left.next >= 0) {
      if (const MergeTarget* merge = FindMerge(left.id, symbols[left.next].id)) {
        queue.push(MergeCandidate{merge->rank, top.position, merge->new_id});
      }
    }
  }

  spans->clear();
  for (const Symbol& symbol : symbols) {
    if (symbol.length != 0) spans->push_back(Span{symbol.id, symbol.length});
  }
  return Status::Ok();
}

Status BpeModel::Tokenize(std::string_view piece, std::vector<Token>* out) const {
  if (piece.empty()) return Status::Ok();
  const auto piece_end = static_cast<uint32_t>(piece.size());
  if (options_.ignore_merges) {
    if (const std::optional<int32_t> id = vocab_.Find(piece)) {
      out->push_back(Token{*id, std::string(piece), 0, piece_end});
      return Status::Ok();
    }
  }
  std::vector<Span> spans;
  if (!cache_.Lookup(piece, &spans)) {
    TEXTEMBED_RETURN_IF_ERROR(MergeWord(piece, &spans));
    cache_.Store(piece, spans);
  }
  uint64_t position = 0;
  for (const Span& span : spans) {
    // Byte-fallback tokens of prefix/suffix bytes can run past the piece;
    // clamping keeps offsets inside it.
    const auto begin = static_cast<uint32_t>(std::min<uint64_t>(position, piece_end));
    position += span.length;
    const auto end = static_cast<uint32_t>(std::min<uint64_t>(position, piece_end));
    const std::optional<std::string_view> value = vocab_.TokenOf(span.id);
    out->push_back(Token{span.id, value ? std::string(*value) : std::string(), begin, end});
  }
  return Status::Ok();
}

}  // namespace textembed::tokenizer::models
