// The normalizer stage: rewrites text (lowercase, NFKC, ...) keeping alignments.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "textembed/status.h"
#include "tokenizer/normalized_string.h"

namespace textembed::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual Status Normalize(NormalizedString* ns) const = 0;
};

// Builds a normalizer from the "normalizer" node of tokenizer.json (any type,
// Sequence included). A null node gives nullptr.
Result<std::unique_ptr<Normalizer>> MakeNormalizer(const nlohmann::json& node);

// One factory per component family (normalizers/*.cc); each returns nullptr
// in the value when `type` is not one of its own.
Result<std::unique_ptr<Normalizer>> MakeBertNormalizer(const nlohmann::json& node);
Result<std::unique_ptr<Normalizer>> MakeUnicodeNormalizer(const nlohmann::json& node);
Result<std::unique_ptr<Normalizer>> MakeTextNormalizer(const nlohmann::json& node);
Result<std::unique_ptr<Normalizer>> MakePrecompiledNormalizer(const nlohmann::json& node);

// Shared by several normalizers.
enum class UnicodeForm { kNfd, kNfc, kNfkd, kNfkc };
void ApplyLowercase(NormalizedString* ns);
void ApplyUnicodeNormalization(NormalizedString* ns, UnicodeForm form);
void ApplyStripAccents(NormalizedString* ns);  // drops nonspacing marks

}  // namespace textembed::tokenizer
