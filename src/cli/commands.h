// Subcommands of the textembed binary. Each Add*Command registers its options
// and a callback that runs the command through the public library API.
// A failing command prints "textembed <cmd>: error: <message>" to stderr and
// throws CLI::RuntimeError(exit code), which main() turns into the exit status.
#pragma once

#include <CLI/CLI.hpp>

namespace textembed::cli {

// Exit codes other tools can script against.
enum Exit : int {
  kExitOk = 0,
  kExitFailure = 1,  // a runtime error: bad model folder, unreadable file, invalid input line
  kExitUsage = 2,    // bad or missing flags (CLI11's own parse errors too)
};

void AddTokenizeCommand(CLI::App& app);
void AddDecodeCommand(CLI::App& app);
void AddEmbedCommand(CLI::App& app);
void AddBenchCommand(CLI::App& app);
void AddModelsCommand(CLI::App& app);
void AddServeCommand(CLI::App& app);

inline void AddCommands(CLI::App& app) {
  AddTokenizeCommand(app);
  AddDecodeCommand(app);
  AddEmbedCommand(app);
  AddBenchCommand(app);
  AddModelsCommand(app);
  AddServeCommand(app);
}

}  // namespace textembed::cli
