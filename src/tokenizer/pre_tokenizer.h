// The pre-tokenizer stage: splits normalized text into the pieces the model
// sees (and may rewrite them, as Metaspace and ByteLevel do).
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"
#include "tokenizer/pre_tokenized.h"

namespace textembed::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual Status PreTokenize(PreTokenized* pt) const = 0;
};

// Builds from the "pre_tokenizer" node of tokenizer.json; null gives nullptr.
Result<std::unique_ptr<PreTokenizer>> MakePreTokenizer(const nlohmann::json& node);

// One factory per family (pre_tokenizers/*.cc); nullptr value when `type` is
// not theirs.
Result<std::unique_ptr<PreTokenizer>> MakeBertPreTokenizer(const nlohmann::json& node);
Result<std::unique_ptr<PreTokenizer>> MakeByteLevelPreTokenizer(const nlohmann::json& node);
Result<std::unique_ptr<PreTokenizer>> MakeMetaspacePreTokenizer(const nlohmann::json& node);
Result<std::unique_ptr<PreTokenizer>> MakeSplitPreTokenizer(const nlohmann::json& node);
Result<std::unique_ptr<PreTokenizer>> MakeScriptOrLengthPreTokenizer(const nlohmann::json& node);

}  // namespace textembed::tokenizer
