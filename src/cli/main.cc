#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"textembed: text embeddings with transformer encoders on the CPU"};
  app.require_subcommand(1);
  textembed::cli::AddCommands(app);
  CLI11_PARSE(app, argc, argv);
  return textembed::cli::kExitOk;
}
