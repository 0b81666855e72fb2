// The post-processor stage: adds special tokens ([CLS] ... [SEP]) and fixes
// offsets (ByteLevel / Roberta trim_offsets) of a single-sequence encoding.
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
};

// Builds from the "post_processor" node; null gives nullptr.
Result<std::unique_ptr<PostProcessor>> MakePostProcessor(const nlohmann::json& node);

}  // namespace textembed::tokenizer
