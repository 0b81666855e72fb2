#include "service/served_model.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace textembed::service {

namespace fs = std::filesystem;

Result<ModelPrompts> ModelPrompts::Read(const fs::path& folder) {
  ModelPrompts prompts;
  const fs::path path = folder / "config_sentence_transformers.json";
  std::ifstream in(path);
  if (!in) return prompts;  // optional file
  std::stringstream content;
  content << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(content.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return Status::Corruption(path.string() + ": not a JSON object");
  if (auto it = json.find("prompts"); it != json.end() && it->is_object()) {
    for (const auto& [name, text] : it->items()) {
      if (!text.is_string())
        return Status::Corruption(path.string() + ": prompt \"" + name + "\" is not a string");
      prompts.by_name[name] = text.get<std::string>();
    }
  }
  if (auto it = json.find("default_prompt_name"); it != json.end() && it->is_string()) {
    const std::string name = it->get<std::string>();
    if (!prompts.by_name.contains(name))
      return Status::Corruption(path.string() + ": default_prompt_name \"" + name + "\" is not among the prompts");
    prompts.default_name = name;
  }
  return prompts;
}

Result<std::shared_ptr<ServedModel>> ServedModel::Load(const std::string& name, const fs::path& folder,
                                                       const ServedModelOptions& options,
                                                       std::shared_ptr<std::mutex> compute,
                                                       std::shared_ptr<QueueBudget> queue, BatcherMetrics metrics) {
  TEXTEMBED_ASSIGN_OR_RETURN(Embedder embedder, Embedder::Open(folder, options.embedder));
  std::shared_ptr<ServedModel> model(new ServedModel(name, folder, std::move(embedder)));
  TEXTEMBED_ASSIGN_OR_RETURN(model->layout_, SpecialTokenLayout::Detect(model->embedder_.tokenizer()));
  TEXTEMBED_ASSIGN_OR_RETURN(model->prompts_, ModelPrompts::Read(folder));
  if (options.fingerprint) {
    TEXTEMBED_ASSIGN_OR_RETURN(Hash128 fingerprint, ModelFingerprint(folder, model->info().weights_file));
    model->fingerprint_ = fingerprint;
  }
  const ModelInfo& info = model->info();
  BatcherOptions batcher = options.batcher;
  // A batch must hold at least one full sequence.
  batcher.tuner.min_tokens = std::max(batcher.tuner.min_tokens, info.max_length);
  batcher.tuner.initial_tokens = model->embedder_.options().batch_tokens;
  // Resident estimate: weights (copied into GEMM layout) plus the working
  // memory of the largest batch (about 16 floats per hidden unit per token).
  std::error_code ec;
  const size_t weights = static_cast<size_t>(fs::file_size(info.weights_file, ec));
  const size_t batch_tokens =
      batcher.max_batch_tokens != 0 ? batcher.max_batch_tokens : 4 * batcher.tuner.initial_tokens;
  model->bytes_ = (ec ? 0 : weights) + batch_tokens * info.hidden_size * sizeof(float) * 16;
  const Embedder* runner = &model->embedder_;
  model->batcher_ = std::make_unique<DynamicBatcher>(
      batcher,
      [runner](std::span<const TokenSequence> sequences, std::vector<std::vector<float>>* outputs) {
        return runner->ForwardPacked(sequences, outputs);
      },
      std::move(compute), std::move(queue), metrics);
  return model;
}

ServedModel::~ServedModel() = default;

}  // namespace textembed::service
