// MakeDecoder: dispatches a "decoder" node to its family; Sequence chains them.
#include <nlohmann/json.hpp>

#include "tokenizer/decoder.h"
#include "tokenizer/json_util.h"

namespace textembed::tokenizer {
namespace {

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    for (const auto& p : parts_) TEXTEMBED_RETURN_IF_ERROR(p->DecodeChain(tokens));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t hit = text.find(from); hit != std::string_view::npos; hit = text.find(from, pos)) {
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::string CleanupWordPieceArtifacts(std::string text) {
  // Order matters (HF decoders/wordpiece.rs cleanup): each replacement runs on
  // the result of the previous one.
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},   {" ,", ","},   {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"},
      {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules)
    if (text.find(from) != std::string::npos) text = ReplaceAll(text, from, to);
  return text;
}

Result<std::unique_ptr<Decoder>> MakeDecoder(const nlohmann::json& node) {
  if (node.is_null()) return std::unique_ptr<Decoder>();
  const std::string type = TypeOf(node);
  try {
    if (type == "Sequence") {
      auto it = node.find("decoders");
      if (it == node.end() || !it->is_array())
        return Status::Corruption("decoder Sequence without \"decoders\" array");
      std::vector<std::unique_ptr<Decoder>> parts;
      for (const auto& child : *it) {
        TEXTEMBED_ASSIGN_OR_RETURN(auto part, MakeDecoder(child));
        if (part) parts.push_back(std::move(part));
      }
      return std::unique_ptr<Decoder>(std::make_unique<SequenceDecoder>(std::move(parts)));
    }
    for (auto* make : {&MakeTextDecoder, &MakeByteDecoder}) {
      TEXTEMBED_ASSIGN_OR_RETURN(auto d, make(node));
      if (d) return d;
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("decoder: ") + e.what());
  }
  return Status::Unimplemented("decoder type \"" + type + "\" is not supported");
}

}  // namespace textembed::tokenizer
