// The model flags `embed` and `bench` share, and opening the Embedder they name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "textembed/embedder.h"

namespace textembed::cli {

struct EmbedderFlags {
  std::string model;
  int threads = 0;
  size_t batch_tokens = EmbedderOptions{}.batch_tokens;
  std::optional<size_t> max_length;
  std::string dtype = "f32";
};

// Registers --model, --threads, --batch-tokens, --max-length and --dtype.
void AddEmbedderFlags(CLI::App* command, EmbedderFlags* flags);

// Opens the model or Fail()s with the reason.
Embedder OpenEmbedderOrFail(std::string_view command, const EmbedderFlags& flags);

}  // namespace textembed::cli
