// MakeNormalizer: dispatches a "normalizer" node to its component family.
#include <nlohmann/json.hpp>

#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"

namespace textembed::tokenizer {
namespace {

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
      : parts_(std::move(parts)) {}
  Status Normalize(NormalizedString* ns) const override {
    for (const auto& p : parts_) TEXTEMBED_RETURN_IF_ERROR(p->Normalize(ns));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> MakeNormalizer(const nlohmann::json& node) {
  if (node.is_null()) return std::unique_ptr<Normalizer>();
  const std::string type = TypeOf(node);
  if (type == "Sequence") {
    auto it = node.find("normalizers");
    if (it == node.end() || !it->is_array())
      return Status::Corruption("normalizer Sequence without \"normalizers\" array");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (const auto& child : *it) {
      TEXTEMBED_ASSIGN_OR_RETURN(auto part, MakeNormalizer(child));
      if (part) parts.push_back(std::move(part));
    }
    return std::unique_ptr<Normalizer>(std::make_unique<SequenceNormalizer>(std::move(parts)));
  }
  for (auto* make : {&MakeBertNormalizer, &MakeUnicodeNormalizer, &MakeTextNormalizer,
                     &MakePrecompiledNormalizer}) {
    TEXTEMBED_ASSIGN_OR_RETURN(auto n, make(node));
    if (n) return n;
  }
  return Status::Unimplemented("normalizer type \"" + type + "\" is not supported");
}

}  // namespace textembed::tokenizer
