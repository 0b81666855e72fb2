// `textembed bench`: throughput of the whole pipeline (tokenize → batch →
// forward → pool) on a file of texts, one per line.
//
//   textembed bench --model DIR --input FILE [--threads N] [--batch-tokens N]
//                   [--max-length N] [--limit N] [--repeat N]
//
// Prints a readable summary on stderr and one JSON line on stdout:
// {"texts":..,"tokens":..,"batches":..,"seconds":..,"texts_per_s":..,
//  "tokens_per_s":..,"ms_per_batch":..,"peak_rss_mib":..}
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/embedder_flags.h"
#include "cli/text_input.h"
#include "textembed/embedder.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed bench";

struct BenchFlags {
  EmbedderFlags model;
  std::string input;
  size_t limit = 0;
  int repeat = 3;
};

// Peak resident set size of this process (VmHWM), in MiB.
double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(1 << 20, '\n');
  }
  return 0.0;
}

std::vector<std::string> ReadTexts(const BenchFlags& flags) {
  FILE* file = std::fopen(flags.input.c_str(), "rb");
  if (file == nullptr) Fail(kCommand, flags.input + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<FILE, int (*)(FILE*)> closer(file, &std::fclose);
  TextReader reader(file, /*jsonl=*/false);
  std::vector<std::string> texts;
  while (flags.limit == 0 || texts.size() < flags.limit) {
    Result<std::optional<std::string_view>> text = reader.Next();
    if (!text.ok()) Fail(kCommand, flags.input + ": " + text.status().message());
    if (!*text) break;
    texts.emplace_back(**text);
  }
  if (texts.empty()) Fail(kCommand, flags.input + ": no texts");
  return texts;
}

void RunBench(const BenchFlags& flags) {
  const Embedder embedder = OpenEmbedderOrFail(kCommand, flags.model);
  const std::vector<std::string> texts = ReadTexts(flags);

  // One warm-up pass (page in weights, size arenas), then the best of N runs:
  // the minimum is the least disturbed by other processes on the machine.
  if (Result<Embeddings> warm = embedder.Embed(std::span(texts).first(std::min<size_t>(texts.size(), 64)));
      !warm.ok())
    Fail(kCommand, warm.status().ToString());
  double best_seconds = 0;
  EmbedStats stats;
  for (int run = 0; run < std::max(1, flags.repeat); ++run) {
    EmbedStats run_stats;
    const auto start = std::chrono::steady_clock::now();
    Result<Embeddings> embeddings = embedder.Embed(texts, &run_stats);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!embeddings.ok()) Fail(kCommand, embeddings.status().ToString());
    if (run == 0 || seconds < best_seconds) best_seconds = seconds;
    stats = run_stats;
  }
  const ModelInfo& info = embedder.info();
  const double texts_per_s = stats.texts / best_seconds;
  const double tokens_per_s = stats.tokens / best_seconds;
  const double ms_per_batch = 1000.0 * best_seconds / static_cast<double>(std::max<size_t>(1, stats.batches));
  std::fprintf(stderr,
               "model %s (%s, dim %zu, max_length %zu), threads %d, batch_tokens %zu\n"
               "%zu texts, %zu tokens (%.1f per text, %zu truncated), %zu batches\n"
               "best of %d: %.3f s  %.1f texts/s  %.0f tokens/s  %.2f ms/batch  peak RSS %.1f MiB\n",
               info.name.c_str(), info.architecture.c_str(), info.dimension, info.max_length, embedder.options().threads,
               embedder.options().batch_tokens, stats.texts, stats.tokens, static_cast<double>(stats.tokens) / stats.texts,
               stats.truncated, stats.batches, std::max(1, flags.repeat), best_seconds, texts_per_s, tokens_per_s,
               ms_per_batch, PeakRssMiB());
  std::printf(
      "{\"texts\":%zu,\"tokens\":%zu,\"batches\":%zu,\"seconds\":%.6f,\"texts_per_s\":%.3f,\"tokens_per_s\":%.3f,"
      "\"ms_per_batch\":%.4f,\"peak_rss_mib\":%.1f}\n",
      stats.texts, stats.tokens, stats.batches, best_seconds, texts_per_s, tokens_per_s, ms_per_batch, PeakRssMiB());
}

}  // namespace

void AddBenchCommand(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* command = app.add_subcommand("bench", "Measure embedding throughput on a file of texts");
  AddEmbedderFlags(command, &flags->model);
  command->add_option("--input", flags->input, "text file, one text per line")->required();
  command->add_option("--limit", flags->limit, "use only the first N texts (0 = all)");
  command->add_option("--repeat", flags->repeat, "timed runs; the fastest is reported")->check(CLI::PositiveNumber);
  command->callback([flags] { RunBench(*flags); });
}

}  // namespace textembed::cli
