// `textembed models`: the models a service would serve, each loaded once to
// report what it is. One JSON line per model on stdout:
//
//   textembed models [--models-dir DIR] [--model NAME=SOURCE ...] [--threads N]
//
// {"name":..,"source":..,"architecture":..,"dimension":..,"max_length":..,
//  "pooling":..,"normalize":..,"modules":..,"weights_file":..,"bytes":..}
// ("modules": where pooling/Dense/Normalize came from) or, for a model
// that cannot be loaded, {"name":..,"source":..,"error":".."} (exit status 1).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/text_input.h"
#include "textembed/service.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed models";

struct ModelsFlags {
  std::string models_dir;
  std::vector<std::string> models;  // NAME=SOURCE or SOURCE
  int threads = 1;
};

void RunModels(const ModelsFlags& flags) {
  std::vector<ModelSpec> specs;
  for (const std::string& model : flags.models) {
    const size_t eq = model.find('=');
    ModelSpec spec;
    spec.source = eq == std::string::npos ? model : model.substr(eq + 1);
    spec.name = eq == std::string::npos ? std::filesystem::path(model).lexically_normal().filename().string()
                                        : model.substr(0, eq);
    specs.push_back(spec);
  }
  if (!flags.models_dir.empty()) {
    std::error_code ec;
    std::vector<ModelSpec> found;
    for (const auto& entry : std::filesystem::directory_iterator(flags.models_dir, ec))
      if (std::filesystem::exists(entry.path() / "config.json", ec))
        found.push_back(ModelSpec{entry.path().filename().string(), entry.path().string(), "main"});
    if (ec) Fail(kCommand, "listing " + flags.models_dir + ": " + ec.message());
    std::sort(found.begin(), found.end(), [](const ModelSpec& a, const ModelSpec& b) { return a.name < b.name; });
    specs.insert(specs.end(), found.begin(), found.end());
  }
  if (specs.empty()) Fail(kCommand, "no models: give --models-dir and/or --model");
  // One service per model: a model that cannot load is reported on its line
  // and the others are still listed.
  size_t failed = 0;
  for (const ModelSpec& spec : specs) {
    nlohmann::json line = {{"name", spec.name}, {"source", spec.source}};
    ServiceOptions options;
    options.models = {spec};
    options.threads = flags.threads;
    options.cache.memory_max_entries = 0;
    Result<std::unique_ptr<Service>> service = Service::Create(options);
    Result<ModelInfo> info = service.ok() ? (*service)->Info(spec.name) : Result<ModelInfo>(service.status());
    if (!info.ok()) {
      line["error"] = info.status().ToString();
      ++failed;
    } else {
      line["architecture"] = info->architecture;
      line["dimension"] = info->dimension;
      line["max_length"] = info->max_length;
      line["pooling"] = info->pooling;
      line["normalize"] = info->normalize;
      line["modules"] = info->modules;
      line["weights_file"] = info->weights_file;
      line["bytes"] = (*service)->Models().front().bytes;
    }
    std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  std::fflush(stdout);
  if (failed > 0) Fail(kCommand, std::to_string(failed) + " model(s) could not be loaded");
}

}  // namespace

void AddModelsCommand(CLI::App& app) {
  auto flags = std::make_shared<ModelsFlags>();
  CLI::App* command = app.add_subcommand("models", "List the models a service would serve, with what each is");
  command->add_option("--models-dir", flags->models_dir, "every sub-folder with a config.json is a model");
  command->add_option("--model", flags->models, "NAME=SOURCE or SOURCE (a folder or hub id); repeatable");
  command->add_option("--threads", flags->threads, "inference threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  command->callback([flags] { RunModels(*flags); });
}

}  // namespace textembed::cli
