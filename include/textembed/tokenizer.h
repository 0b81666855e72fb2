// Hugging Face compatible tokenizer: loads a tokenizer.json and produces the
// same ids, tokens and offsets as the `tokenizers` library for that file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/status.h"

namespace textembed {

// A byte range [begin, end) into the original input text.
struct Offset {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const Offset&) const = default;
};

// The tokenization of one text.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<Offset> offsets;               // special tokens get {0, 0}
  std::vector<uint8_t> special_tokens_mask;  // 1 for tokens added by the post-processor
  bool truncated = false;

  size_t size() const { return ids.size(); }
};

// How EncodePair shortens a pair that exceeds max_length (HF TruncationStrategy).
enum class TruncationStrategy {
  kLongestFirst,  // take tokens from the longer text first (both end near max_length / 2)
  kOnlyFirst,     // only the first text is cut (an error if it cannot absorb the excess)
  kOnlySecond,    // only the second text is cut (likewise)
};

struct EncodeOptions {
  // Add the post-processor's special tokens ([CLS] ... [SEP], <s> ... </s>, ...).
  bool add_special_tokens = true;
  // Maximum number of tokens, special tokens included. nullopt: the truncation
  // setting of tokenizer.json (none if it has none). 0: no truncation.
  std::optional<size_t> max_length;
  // Pairs only. nullopt: tokenizer.json's truncation strategy (LongestFirst if none).
  std::optional<TruncationStrategy> truncation_strategy;
};

class Tokenizer {
 public:
  // `path` is a tokenizer.json file, or a folder that holds one.
  static Result<Tokenizer> Load(const std::filesystem::path& path);
  // The content of a tokenizer.json.
  static Result<Tokenizer> FromJson(std::string_view json);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Invalid UTF-8 is not an error: each maximal invalid subsequence is read as
  // U+FFFD (offsets still point at the original bytes). Texts larger than
  // kMaxInputBytes are rejected with kInvalidArgument.
  Result<Encoding> Encode(std::string_view text, const EncodeOptions& options = {}) const;

  // A pair of texts as one input (cross-encoder rerankers, sentence-pair
  // models), as HF's encode(first, second): each text is tokenized on its own,
  // the pair truncated with options.truncation_strategy, then joined by the
  // post-processor's pair form ([CLS] A [SEP] B [SEP], <s> A </s></s> B </s>,
  // the "pair" template) with its type ids. Offsets of the second text's tokens
  // are byte ranges of `second`; special tokens get {0, 0}.
  Result<Encoding> EncodePair(std::string_view first, std::string_view second,
                              const EncodeOptions& options = {}) const;

  // Ids back to text as HF's `decode` does with the tokenizer.json decoder.
  Result<std::string> Decode(std::span<const int32_t> ids, bool skip_special_tokens = true) const;

  std::optional<int32_t> TokenToId(std::string_view token) const;
  std::optional<std::string> IdToToken(int32_t id) const;
  size_t vocab_size() const;  // model vocabulary plus added tokens
  // Truncation max_length from tokenizer.json; nullopt when it sets none.
  std::optional<size_t> truncation_max_length() const;
  // Number of special tokens the post-processor adds to a single sequence.
  size_t num_special_tokens_single() const;
  // ... and to a pair.
  size_t num_special_tokens_pair() const;

  static constexpr size_t kMaxInputBytes = size_t{64} << 20;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  Status EncodeSequence(std::string_view text, int32_t type_id, Encoding* encoding) const;
  Result<std::optional<size_t>> TokenBudget(const EncodeOptions& options, size_t added) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace textembed
