#include "pipeline/model_folder.h"

#include <nlohmann/json.hpp>

#include "core/mapped_file.h"

namespace textembed::pipeline {
namespace fs = std::filesystem;

const char* PoolingModeName(PoolingMode mode) {
  switch (mode) {
    case PoolingMode::kCls: return "cls";
    case PoolingMode::kMax: return "max";
    case PoolingMode::kMean: return "mean";
    case PoolingMode::kMeanSqrtLen: return "mean_sqrt_len";
    case PoolingMode::kWeightedMean: return "weightedmean";
    case PoolingMode::kLastToken: return "lasttoken";
  }
  return "?";
}

namespace {

Result<nlohmann::json> ReadJson(const fs::path& path) {
  TEXTEMBED_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Corruption(path.string() + ": not valid JSON");
  return json;
}

Result<std::vector<PoolingMode>> ReadPooling(const fs::path& config_path) {
  TEXTEMBED_ASSIGN_OR_RETURN(nlohmann::json cfg, ReadJson(config_path));
  if (!cfg.is_object()) return Status::Corruption(config_path.string() + ": expected a JSON object");
  // The order sentence-transformers concatenates enabled modes in.
  static constexpr std::pair<const char*, PoolingMode> kModes[] = {
      {"pooling_mode_cls_token", PoolingMode::kCls},
      {"pooling_mode_max_tokens", PoolingMode::kMax},
      {"pooling_mode_mean_tokens", PoolingMode::kMean},
      {"pooling_mode_mean_sqrt_len_tokens", PoolingMode::kMeanSqrtLen},
      {"pooling_mode_weightedmean_tokens", PoolingMode::kWeightedMean},
      {"pooling_mode_lasttoken", PoolingMode::kLastToken},
  };
  std::vector<PoolingMode> modes;
  for (const auto& [key, mode] : kModes) {
    auto it = cfg.find(key);
    if (it != cfg.end() && it->is_boolean() && it->get<bool>()) modes.push_back(mode);
  }
  if (modes.empty()) return Status::Corruption(config_path.string() + ": no pooling mode is enabled");
  return modes;
}

Result<Activation> ParseActivation(const std::string& name, const fs::path& file) {
  // Stored as the Python class path, e.g. "torch.nn.modules.activation.Tanh".
  const std::string leaf = name.substr(name.find_last_of('.') + 1);
  if (leaf == "Identity" || name.empty()) return Activation::kIdentity;
  if (leaf == "Tanh") return Activation::kTanh;
  if (leaf == "ReLU") return Activation::kReLU;
  if (leaf == "GELU") return Activation::kGelu;
  if (leaf == "Sigmoid") return Activation::kSigmoid;
  return Status::Unimplemented(file.string() + ": unsupported Dense activation_function '" + name + "'");
}

Result<DenseModule> ReadDense(const fs::path& dir) {
  const fs::path config_path = dir / "config.json";
  TEXTEMBED_ASSIGN_OR_RETURN(nlohmann::json cfg, ReadJson(config_path));
  DenseModule dense;
  dense.dir = dir;
  auto in = cfg.find("in_features");
  auto out = cfg.find("out_features");
  if (in == cfg.end() || out == cfg.end() || !in->is_number_unsigned() || !out->is_number_unsigned() ||
      in->get<size_t>() == 0 || out->get<size_t>() == 0)
    return Status::Corruption(config_path.string() + ": in_features/out_features missing or not positive integers");
  dense.in_features = in->get<size_t>();
  dense.out_features = out->get<size_t>();
  if (auto b = cfg.find("bias"); b != cfg.end() && b->is_boolean()) dense.bias = b->get<bool>();
  std::string activation;
  if (auto a = cfg.find("activation_function"); a != cfg.end() && a->is_string()) activation = a->get<std::string>();
  TEXTEMBED_ASSIGN_OR_RETURN(dense.activation, ParseActivation(activation, config_path));
  return dense;
}

}  // namespace

Result<ModelFolder> ModelFolder::Read(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Status::NotFound(root.string() + ": not a model folder (no such directory)");
  ModelFolder folder;
  folder.root = root;
  folder.transformer_dir = root;

  const fs::path modules_path = root / "modules.json";
  if (fs::exists(modules_path, ec)) {
    folder.has_modules_json = true;
    TEXTEMBED_ASSIGN_OR_RETURN(nlohmann::json modules, ReadJson(modules_path));
    if (!modules.is_array()) return Status::Corruption(modules_path.string() + ": expected a JSON array");
    for (const auto& module : modules) {
      if (!module.is_object() || !module.contains("type") || !module["type"].is_string())
        return Status::Corruption(modules_path.string() + ": every module needs a string \"type\"");
      const std::string type = module["type"].get<std::string>();
      const std::string rel = module.value("path", std::string());
      const fs::path dir = rel.empty() ? root : root / rel;
      const std::string leaf = type.substr(type.find_last_of('.') + 1);
      if (leaf == "Transformer") {
        folder.transformer_dir = dir;
      } else if (leaf == "Pooling") {
        TEXTEMBED_ASSIGN_OR_RETURN(folder.pooling, ReadPooling(dir / "config.json"));
      } else if (leaf == "Dense") {
        TEXTEMBED_ASSIGN_OR_RETURN(DenseModule dense, ReadDense(dir));
        folder.dense.push_back(std::move(dense));
      } else if (leaf == "Normalize") {
        folder.normalize = true;
      } else {
        return Status::Unimplemented(modules_path.string() + ": unsupported module type '" + type + "'");
      }
    }
  }

  const fs::path sbert_path = folder.transformer_dir / "sentence_bert_config.json";
  if (fs::exists(sbert_path, ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(nlohmann::json sbert, ReadJson(sbert_path));
    if (auto it = sbert.find("max_seq_length"); it != sbert.end() && it->is_number_unsigned())
      folder.max_seq_length = it->get<size_t>();
  }
  return folder;
}

std::string ModelFolder::Describe() const {
  std::string pooling_names;
  for (size_t i = 0; i < pooling.size(); ++i) pooling_names += (i ? "+" : "") + std::string(PoolingModeName(pooling[i]));
  if (!has_modules_json)
    return "no modules.json: sentence-transformers defaults (" + pooling_names + " pooling, no Normalize)";
  std::string text = "modules.json: " + pooling_names + " pooling";
  if (!dense.empty()) text += ", " + std::to_string(dense.size()) + " Dense";
  text += normalize ? ", Normalize" : ", no Normalize";
  return text;
}

}  // namespace textembed::pipeline
