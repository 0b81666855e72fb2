// The EmbeddingBackend of a running server: every call forwards to one
// textembed::Service. Kept apart from the handlers so they (and their tests)
// never depend on the Service implementation.
#pragma once

#include "server/embedding_backend.h"
#include "textembed/service.h"

namespace textembed::server {

class ServiceBackend final : public EmbeddingBackend {
 public:
  explicit ServiceBackend(Service& service) : service_(service) {}
  Result<EmbedResult> Embed(const std::vector<std::string>& texts, const EmbedOptions& options) override;
  Result<EmbedResult> EmbedIds(const std::vector<std::vector<int32_t>>& ids, const EmbedOptions& options) override;
  Result<TokenEmbeddings> EmbedTokens(const std::vector<std::string>& texts, const EmbedOptions& options) override;
  Result<Encoding> Tokenize(const std::string& model, std::string_view text, bool add_special_tokens) override;
  Result<std::string> Decode(const std::string& model, const std::vector<int32_t>& ids,
                             bool skip_special_tokens) override;
  Result<ModelInfo> Info(const std::string& model) override;
  std::vector<LoadedModelInfo> Models() const override;
  std::string default_model() const override;
  std::string RenderMetrics() const override;

 private:
  Service& service_;
};

}  // namespace textembed::server
