// MakePreTokenizer: dispatches a "pre_tokenizer" node to its family.
#include <nlohmann/json.hpp>

#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizer.h"

namespace textembed::tokenizer {
namespace {

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
      : parts_(std::move(parts)) {}
  Status PreTokenize(PreTokenized* pt) const override {
    for (const auto& p : parts_) TEXTEMBED_RETURN_IF_ERROR(p->PreTokenize(pt));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakePreTokenizer(const nlohmann::json& node) {
  if (node.is_null()) return std::unique_ptr<PreTokenizer>();
  const std::string type = TypeOf(node);
  if (type == "Sequence") {
    auto it = node.find("pretokenizers");
    if (it == node.end() || !it->is_array())
      return Status::Corruption("pre_tokenizer Sequence without \"pretokenizers\" array");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (const auto& child : *it) {
      TEXTEMBED_ASSIGN_OR_RETURN(auto part, MakePreTokenizer(child));
      if (part) parts.push_back(std::move(part));
    }
    return std::unique_ptr<PreTokenizer>(std::make_unique<SequencePreTokenizer>(std::move(parts)));
  }
  for (auto* make : {&MakeBertPreTokenizer, &MakeByteLevelPreTokenizer, &MakeMetaspacePreTokenizer,
                     &MakeSplitPreTokenizer, &MakeScriptOrLengthPreTokenizer}) {
    TEXTEMBED_ASSIGN_OR_RETURN(auto p, make(node));
    if (p) return p;
  }
  return Status::Unimplemented("pre_tokenizer type \"" + type + "\" is not supported");
}

}  // namespace textembed::tokenizer
