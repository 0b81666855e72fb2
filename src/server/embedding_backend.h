// What the API handlers need from the embedding service. ServiceBackend
// (service_backend.h) forwards to textembed::Service; tests and the fuzz target substitute a
// scripted backend to reach every error path (overload, deadline, ...)
// without loading a model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/service.h"

namespace textembed::server {

class EmbeddingBackend {
 public:
  virtual ~EmbeddingBackend() = default;
  virtual Result<EmbedResult> Embed(const std::vector<std::string>& texts, const EmbedOptions& options) = 0;
  virtual Result<EmbedResult> EmbedIds(const std::vector<std::vector<int32_t>>& ids, const EmbedOptions& options) = 0;
  virtual Result<TokenEmbeddings> EmbedTokens(const std::vector<std::string>& texts, const EmbedOptions& options) = 0;
  virtual Result<Encoding> Tokenize(const std::string& model, std::string_view text, bool add_special_tokens) = 0;
  virtual Result<std::string> Decode(const std::string& model, const std::vector<int32_t>& ids,
                                     bool skip_special_tokens) = 0;
  virtual Result<ModelInfo> Info(const std::string& model) = 0;
  virtual std::vector<LoadedModelInfo> Models() const = 0;
  virtual std::string default_model() const = 0;
  virtual std::string RenderMetrics() const = 0;
};

}  // namespace textembed::server
