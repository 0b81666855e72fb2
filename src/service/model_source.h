// Where a ModelSpec's files are: a local folder as given, or a Hugging Face
// hub id resolved through the hub cache layout (downloading what is missing).
#pragma once

#include <filesystem>
#include <vector>

#include "textembed/service.h"

namespace textembed::service {

Result<std::filesystem::path> ResolveModelSource(const ModelSpec& spec, const HubOptions& hub);

// The explicit models, then every sub-folder of `models_dir` holding a
// config.json (by folder name, sorted) whose name is not taken. Checks names.
Result<std::vector<ModelSpec>> CollectModelSpecs(const std::vector<ModelSpec>& models,
                                                 const std::filesystem::path& models_dir);

}  // namespace textembed::service
