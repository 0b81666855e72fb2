#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"textembed: text embeddings with transformer encoders on the CPU"};
  app.require_subcommand(1);
  textembed::cli::AddCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command failed and already said why
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; every flag error is a usage error.
    return app.exit(e) == 0 ? textembed::cli::kExitOk : textembed::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "textembed: error: %s\n", e.what());
    return textembed::cli::kExitFailure;
  }
  return textembed::cli::kExitOk;
}
