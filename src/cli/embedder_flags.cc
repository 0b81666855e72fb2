#include "cli/embedder_flags.h"

#include "cli/text_input.h"

namespace textembed::cli {

void AddEmbedderFlags(CLI::App* command, EmbedderFlags* flags) {
  command->add_option("--model", flags->model, "sentence-transformers model folder (embed: or a hub id org/name)")
      ->required();
  command->add_option("--threads", flags->threads, "worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  command->add_option("--batch-tokens", flags->batch_tokens, "token budget of one forward batch (0: embed auto-tunes it toward 50 ms per pass; bench uses 512 per thread)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--max-length", flags->max_length,
                      "tokens per text incl. special tokens (default: the model's max_seq_length)")
      ->check(CLI::PositiveNumber);
  command->add_option("--dtype", flags->dtype,
                      "linear layers' number type: f32, bf16 or int8 (weights converted at load)")
      ->capture_default_str();
}

Embedder OpenEmbedderOrFail(std::string_view command, const EmbedderFlags& flags) {
  EmbedderOptions options;
  options.threads = flags.threads;
  options.batch_tokens = flags.batch_tokens;
  options.max_length = flags.max_length;
  options.dtype = flags.dtype;
  Result<Embedder> embedder = Embedder::Open(flags.model, options);
  if (!embedder.ok()) Fail(command, embedder.status().ToString());
  return std::move(embedder).value();
}

}  // namespace textembed::cli
