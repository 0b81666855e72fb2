#include "service/model_source.h"

#include <algorithm>
#include <set>

#include "service/hub/hub_resolver.h"

namespace textembed::service {

namespace fs = std::filesystem;

Result<fs::path> ResolveModelSource(const ModelSpec& spec, const HubOptions& hub) {
  std::error_code ec;
  if (fs::is_directory(spec.source, ec)) return fs::path(spec.source);
  if (!LooksLikeHubId(spec.source))
    return Status::NotFound(spec.source + " is not a model folder (nor a hub id org/name)");
  // One resolver per load: loads are rare and a resolver keeps per-use stats.
  HubResolver resolver(HubConfig::FromOptions(hub));
  return resolver.ResolveModel(spec.source, spec.revision.empty() ? "main" : spec.revision);
}

Result<std::vector<ModelSpec>> CollectModelSpecs(const std::vector<ModelSpec>& models, const fs::path& models_dir) {
  std::vector<ModelSpec> specs;
  std::set<std::string> names;
  for (const ModelSpec& spec : models) {
    if (spec.name.empty()) return Status::InvalidArgument("a model has an empty name (source \"" + spec.source + "\")");
    if (spec.source.empty()) return Status::InvalidArgument("model \"" + spec.name + "\" has no source");
    if (!names.insert(spec.name).second)
      return Status::InvalidArgument("model name \"" + spec.name + "\" is listed twice");
    specs.push_back(spec);
  }
  if (!models_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(models_dir, ec))
      return Status::NotFound("models_dir " + models_dir.string() + " is not a folder");
    std::vector<ModelSpec> found;
    for (const fs::directory_entry& entry : fs::directory_iterator(models_dir, ec)) {
      if (!entry.is_directory(ec) || !fs::exists(entry.path() / "config.json", ec)) continue;
      const std::string name = entry.path().filename().string();
      if (names.contains(name)) continue;
      found.push_back(ModelSpec{name, entry.path().string(), "main"});
    }
    if (ec) return Status::IoError("listing " + models_dir.string() + ": " + ec.message());
    std::sort(found.begin(), found.end(), [](const ModelSpec& a, const ModelSpec& b) { return a.name < b.name; });
    for (ModelSpec& spec : found) {
      names.insert(spec.name);
      specs.push_back(std::move(spec));
    }
  }
  if (specs.empty()) return Status::InvalidArgument("no models: give ServiceOptions.models or a models_dir with model folders");
  return specs;
}

}  // namespace textembed::service
