#include "engine/quant_policy.h"

#include <optional>

namespace textembed::engine {
namespace {

std::optional<WeightType> ParseWeightType(std::string_view name) {
  if (name == "f32" || name == "fp32" || name == "float32") return WeightType::kF32;
  if (name == "bf16" || name == "bfloat16") return WeightType::kBf16;
  if (name == "int8" || name == "i8") return WeightType::kInt8;
  if (name == "int8a16") return WeightType::kInt8Act16;
  return std::nullopt;
}

const char* const kUsage = "expected f32, bf16 or int8, optionally followed by ':layer=type,...' "
                           "(layers qkv, attn_out, ffn_in, ffn_out; types also int8a16: int8 weights, 16-bit activations)";

}  // namespace

std::string LinearTypes::ToString() const {
  std::string out = "qkv=";
  out.append(WeightTypeName(qkv)).append(",attn_out=").append(WeightTypeName(attention_out));
  out.append(",ffn_in=").append(WeightTypeName(ffn_in)).append(",ffn_out=").append(WeightTypeName(ffn_out));
  return out;
}

Result<LinearTypes> ParseLinearTypes(std::string_view spec) {
  const size_t colon = spec.find(':');
  const std::string_view base = spec.substr(0, colon);
  const std::optional<WeightType> type = ParseWeightType(base);
  if (!type) return Status::InvalidArgument("dtype '" + std::string(spec) + "': " + kUsage);
  LinearTypes types{*type, *type, *type, *type};
  if (colon == std::string_view::npos) return types;

  std::string_view rest = spec.substr(colon + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = item.find('=');
    const std::optional<WeightType> layer_type =
        eq == std::string_view::npos ? std::nullopt : ParseWeightType(item.substr(eq + 1));
    const std::string_view layer = item.substr(0, eq);
    WeightType* target = layer == "qkv"        ? &types.qkv
                         : layer == "attn_out" ? &types.attention_out
                         : layer == "ffn_in"   ? &types.ffn_in
                         : layer == "ffn_out"  ? &types.ffn_out
                                               : nullptr;
    if (target == nullptr || !layer_type) {
      return Status::InvalidArgument("dtype '" + std::string(spec) + "': bad override '" + std::string(item) +
                                     "'; " + kUsage);
    }
    *target = *layer_type;
  }
  return types;
}

}  // namespace textembed::engine
