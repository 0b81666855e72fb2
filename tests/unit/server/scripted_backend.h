// An EmbeddingBackend whose answers the test decides: vectors derived from
// the text (so a test can tell rows apart and check order), or a scripted
// error for every call (overload, deadline, unknown model).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/embedding_backend.h"

namespace textembed::server::testing {

class ScriptedBackend final : public EmbeddingBackend {
 public:
  static constexpr size_t kDimension = 4;

  // Row for a text: {length, first byte, index, 1}, then truncated to `dimensions`.
  static std::vector<float> RowFor(std::string_view text, size_t index) {
    return {static_cast<float>(text.size()), text.empty() ? 0.f : static_cast<float>(text[0]),
            static_cast<float>(index), 1.0f};
  }

  std::optional<Status> fail_with;  // every call fails with this status
  EmbedOptions last_options;        // what the handler asked for
  std::vector<std::vector<int32_t>> last_ids;

  Result<EmbedResult> Embed(const std::vector<std::string>& texts, const EmbedOptions& options) override {
    last_options = options;
    if (fail_with) return *fail_with;
    if (Status status = CheckModel(options.model); !status.ok()) return status;
    EmbedResult result;
    result.model = options.model.empty() ? "tiny" : options.model;
    const size_t dimension = options.dimensions.value_or(kDimension);
    result.embeddings.rows = texts.size();
    result.embeddings.dimension = dimension;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<float> row = RowFor(texts[i], i);
      result.embeddings.values.insert(result.embeddings.values.end(), row.begin(), row.begin() + dimension);
      result.prompt_tokens += texts[i].size() + 2;
    }
    return result;
  }
  Result<EmbedResult> EmbedIds(const std::vector<std::vector<int32_t>>& ids, const EmbedOptions& options) override {
    last_ids = ids;
    std::vector<std::string> texts;
    for (const auto& list : ids) texts.emplace_back(list.size(), 'x');
    return Embed(texts, options);
  }
  Result<TokenEmbeddings> EmbedTokens(const std::vector<std::string>& texts, const EmbedOptions& options) override {
    last_options = options;
    if (fail_with) return *fail_with;
    TokenEmbeddings result;
    result.model = "tiny";
    for (const std::string& text : texts) {
      Embeddings tokens;
      tokens.rows = text.size();
      tokens.dimension = 2;
      for (size_t i = 0; i < text.size(); ++i) tokens.values.insert(tokens.values.end(), {float(i), float(text[i])});
      result.per_text.push_back(std::move(tokens));
      result.prompt_tokens += text.size();
    }
    return result;
  }
  // One token per byte; ' ' is a special token.
  Result<Encoding> Tokenize(const std::string& model, std::string_view text, bool add_special_tokens) override {
    if (fail_with) return *fail_with;
    if (Status status = CheckModel(model); !status.ok()) return status;
    Encoding encoding;
    if (add_special_tokens) AddToken(&encoding, 101, "[CLS]", {0, 0}, true);
    for (uint32_t i = 0; i < text.size(); ++i)
      AddToken(&encoding, static_cast<unsigned char>(text[i]), std::string(1, text[i]), {i, i + 1}, false);
    if (add_special_tokens) AddToken(&encoding, 102, "[SEP]", {0, 0}, true);
    return encoding;
  }
  Result<std::string> Decode(const std::string& model, const std::vector<int32_t>& ids, bool skip_special) override {
    if (fail_with) return *fail_with;
    std::string text;
    for (int32_t id : ids) {
      if (id > 255) return Status::InvalidArgument("token id " + std::to_string(id) + " is not in the vocabulary");
      text.push_back(static_cast<char>(id));
    }
    return text;
  }
  Result<ModelInfo> Info(const std::string& model) override {
    if (Status status = CheckModel(model); !status.ok()) return status;
    ModelInfo info;
    info.name = model.empty() ? "tiny" : model;
    info.dimension = kDimension;
    info.max_length = 128;
    info.pooling = "mean";
    info.normalize = true;
    return info;
  }
  std::vector<LoadedModelInfo> Models() const override {
    LoadedModelInfo model;
    model.name = "tiny";
    model.source = "/models/tiny";
    return {model};
  }
  std::string default_model() const override { return "tiny"; }
  std::string RenderMetrics() const override {
    return "# HELP textembed_fake_total A test counter.\n# TYPE textembed_fake_total counter\ntextembed_fake_total 1\n";
  }

 private:
  static Status CheckModel(const std::string& model) {
    if (model.empty() || model == "tiny") return Status::Ok();
    return Status::NotFound("model \"" + model + "\" is not served");
  }
  static void AddToken(Encoding* e, int32_t id, std::string token, Offset offset, bool special) {
    e->ids.push_back(id);
    e->type_ids.push_back(0);
    e->tokens.push_back(std::move(token));
    e->offsets.push_back(offset);
    e->special_tokens_mask.push_back(special ? 1 : 0);
  }
};

}  // namespace textembed::server::testing
