#include "server/service_backend.h"

namespace textembed::server {

Result<EmbedResult> ServiceBackend::Embed(const std::vector<std::string>& texts, const EmbedOptions& options) {
  return service_.Embed(texts, options);
}
Result<EmbedResult> ServiceBackend::EmbedIds(const std::vector<std::vector<int32_t>>& ids, const EmbedOptions& options) {
  return service_.EmbedIds(ids, options);
}
Result<TokenEmbeddings> ServiceBackend::EmbedTokens(const std::vector<std::string>& texts, const EmbedOptions& options) {
  return service_.EmbedTokens(texts, options);
}
Result<Encoding> ServiceBackend::Tokenize(const std::string& model, std::string_view text, bool add_special_tokens) {
  return service_.Tokenize(model, text, add_special_tokens);
}
Result<std::string> ServiceBackend::Decode(const std::string& model, const std::vector<int32_t>& ids,
                                           bool skip_special_tokens) {
  return service_.Decode(model, ids, skip_special_tokens);
}
Result<ModelInfo> ServiceBackend::Info(const std::string& model) { return service_.Info(model); }
std::vector<LoadedModelInfo> ServiceBackend::Models() const { return service_.Models(); }
std::string ServiceBackend::default_model() const { return service_.default_model(); }
std::string ServiceBackend::RenderMetrics() const { return service_.RenderMetrics(); }

}  // namespace textembed::server
