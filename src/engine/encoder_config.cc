#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "engine/encoder.h"

namespace textembed::engine {
namespace {

// Reads an integer field; `fallback` < 0 means the field is required.
Status ReadInt(const nlohmann::json& json, const char* field, int fallback, const std::string& where,
               int* out) {
  const auto it = json.find(field);
  if (it == json.end() || it->is_null()) {
    if (fallback < 0) return Status::Corruption(where + ": missing required field '" + field + "'");
    *out = fallback;
    return Status::Ok();
  }
  if (!it->is_number_integer()) return Status::Corruption(where + ": field '" + field + "' must be an integer");
  const int64_t value = it->get<int64_t>();
  if (value < 0 || value > (int64_t{1} << 30)) {
    return Status::Corruption(where + ": field '" + field + "' out of range: " + std::to_string(value));
  }
  *out = static_cast<int>(value);
  return Status::Ok();
}

}  // namespace

Result<EncoderConfig> EncoderConfig::FromJsonFile(const std::filesystem::path& config_json) {
  TEXTEMBED_ASSIGN_OR_RETURN(std::string text, ReadFileToString(config_json));
  const std::string where = config_json.string();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(where + ": not valid JSON: " + e.what());
  }
  if (!json.is_object()) return Status::Corruption(where + ": not a JSON object");

  EncoderConfig config;
  auto read_string = [&](const char* field, std::string* out) -> Status {
    const auto it = json.find(field);
    if (it == json.end()) return Status::Ok();
    if (!it->is_string()) return Status::Corruption(where + ": field '" + field + "' must be a string");
    *out = it->get<std::string>();
    return Status::Ok();
  };
  config.model_type = "bert";
  TEXTEMBED_RETURN_IF_ERROR(read_string("model_type", &config.model_type));
  TEXTEMBED_RETURN_IF_ERROR(read_string("hidden_act", &config.hidden_act));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "vocab_size", -1, where, &config.vocab_size));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "hidden_size", -1, where, &config.hidden_size));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "num_hidden_layers", -1, where, &config.num_hidden_layers));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "num_attention_heads", -1, where, &config.num_attention_heads));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "intermediate_size", -1, where, &config.intermediate_size));
  TEXTEMBED_RETURN_IF_ERROR(
      ReadInt(json, "max_position_embeddings", -1, where, &config.max_position_embeddings));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "type_vocab_size", 2, where, &config.type_vocab_size));
  TEXTEMBED_RETURN_IF_ERROR(ReadInt(json, "pad_token_id", 0, where, &config.pad_token_id));
  if (const auto it = json.find("layer_norm_eps"); it != json.end()) {
    if (!it->is_number() || it->get<double>() <= 0) {
      return Status::Corruption(where + ": field 'layer_norm_eps' must be a positive number");
    }
    config.layer_norm_eps = it->get<float>();
  }

  for (auto [name, value] : {std::pair{"vocab_size", config.vocab_size},
                             {"hidden_size", config.hidden_size},
                             {"num_hidden_layers", config.num_hidden_layers},
                             {"num_attention_heads", config.num_attention_heads},
                             {"intermediate_size", config.intermediate_size},
                             {"max_position_embeddings", config.max_position_embeddings},
                             {"type_vocab_size", config.type_vocab_size}}) {
    if (value <= 0) return Status::Corruption(where + ": field '" + name + "' must be positive");
  }
  if (config.hidden_size % config.num_attention_heads != 0) {
    return Status::Corruption(where + ": hidden_size " + std::to_string(config.hidden_size) +
                              " is not a multiple of num_attention_heads " +
                              std::to_string(config.num_attention_heads));
  }
  std::string position_type = "absolute";
  TEXTEMBED_RETURN_IF_ERROR(read_string("position_embedding_type", &position_type));
  if (position_type != "absolute") {
    return Status::Unimplemented(where + ": position_embedding_type '" + position_type +
                                 "' is not supported (only 'absolute')");
  }

  const std::string& type = config.model_type;
  if (type == "bert") {
    // The defaults.
  } else if (type == "roberta" || type == "xlm-roberta") {
    // RobertaEmbeddings: padding_idx = pad_token_id.
    config.position_ids = PositionIds::kAfterPadding;
    config.padding_idx = config.pad_token_id;
  } else if (type == "mpnet") {
    // MPNetEmbeddings hard-codes padding_idx 1; MPNetEncoder.compute_position_bias
    // uses 32 buckets and max distance 128 whatever the config says (the config's
    // relative_attention_num_buckets only sizes the table).
    config.position_ids = PositionIds::kAfterPadding;
    config.padding_idx = 1;
    config.token_type_embeddings = false;
    config.attention_names = AttentionNames::kMpnet;
    config.relative_attention_buckets = 32;
    config.relative_attention_max_distance = 128;
    TEXTEMBED_RETURN_IF_ERROR(
        ReadInt(json, "relative_attention_num_buckets", 32, where, &config.relative_attention_table_rows));
    if (config.relative_attention_table_rows < config.relative_attention_buckets) {
      return Status::Unimplemented(where + ": relative_attention_num_buckets " +
                                   std::to_string(config.relative_attention_table_rows) +
                                   " is below the 32 buckets MPNet's attention indexes");
    }
  } else {
    return Status::Unimplemented(where + ": model_type '" + type +
                                 "' is not supported (supported: bert, roberta, xlm-roberta, mpnet)");
  }
  if (config.max_sequence_length() < 1) {
    return Status::Corruption(where + ": max_position_embeddings " + std::to_string(config.max_position_embeddings) +
                              " leaves no positions after padding_idx " + std::to_string(config.padding_idx));
  }
  return config;
}

}  // namespace textembed::engine
