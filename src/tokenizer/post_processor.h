// The post-processor stage: adds special tokens ([CLS] ... [SEP]) and fixes
// offsets (ByteLevel / Roberta trim_offsets) of a single sequence or a pair.
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"
#include "textembed/tokenizer.h"

namespace textembed::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Special tokens added to a single sequence (counted by truncation).
  virtual size_t AddedTokens() const = 0;
  // `text` is the original input the offsets point into.
  virtual Status Process(Encoding* encoding, bool add_special_tokens,
                         std::string_view text) const = 0;

  // Special tokens added to a pair.
  virtual size_t AddedTokensPair() const = 0;
  // HF process_encodings on a pair: `parts` holds the first and the second
  // sequence (offsets into texts[0] and texts[1]); each gets its specials and
  // type ids, and the caller concatenates them.
  virtual Status ProcessPairParts(Encoding parts[2], bool add_special_tokens,
                                  const std::string_view texts[2]) const = 0;
};

// Concatenates two encodings (HF Encoding::merge_with, no offset growth).
void AppendEncoding(Encoding* into, Encoding&& from);

// Builds from the "post_processor" node; null gives nullptr.
Result<std::unique_ptr<PostProcessor>> MakePostProcessor(const nlohmann::json& node);

}  // namespace textembed::tokenizer
