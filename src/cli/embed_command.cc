// `textembed embed`: one text per stdin line in, one embedding per text out.
//
//   textembed embed --model DIR [--jsonl] [--output jsonl|f32] [--threads N]
//                   [--batch-tokens N] [--max-length N]
//
// --output jsonl writes {"embedding":[...]} per line (shortest round-trip
// float text); f32 writes raw little-endian float32, texts × dimension.
// Texts are read and embedded in chunks so memory stays bounded on any input
// size while each chunk still forms well-filled token batches.
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/embedder_flags.h"
#include "cli/text_input.h"
#include "textembed/embedder.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed embed";
constexpr size_t kChunkTexts = 1024;

struct EmbedFlags {
  EmbedderFlags model;
  bool jsonl = false;
  std::string output = "jsonl";
};

void WriteOrFail(const void* data, size_t bytes) {
  if (bytes != 0 && std::fwrite(data, 1, bytes, stdout) != bytes)
    Fail(kCommand, std::string("writing stdout: ") + std::strerror(errno));
}

void WriteJsonl(const Embeddings& embeddings, std::string* buffer) {
  buffer->clear();
  char number[32];
  for (size_t r = 0; r < embeddings.rows; ++r) {
    *buffer += "{\"embedding\":[";
    const std::span<const float> row = embeddings.row(r);
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) *buffer += ',';
      const auto [end, ec] = std::to_chars(number, number + sizeof number, row[i]);
      buffer->append(number, end);
    }
    *buffer += "]}\n";
  }
  WriteOrFail(buffer->data(), buffer->size());
}

void EmbedChunk(const Embedder& embedder, const std::vector<std::string>& texts, size_t first_line,
                const EmbedFlags& flags, std::string* buffer) {
  Result<Embeddings> embeddings = embedder.Embed(texts);
  if (!embeddings.ok())
    Fail(kCommand, "lines " + std::to_string(first_line) + "-" + std::to_string(first_line + texts.size() - 1) +
                       ": " + embeddings.status().ToString());
  if (flags.output == "f32") {
    static_assert(std::endian::native == std::endian::little, "f32 output is little-endian");
    WriteOrFail(embeddings->values.data(), embeddings->values.size() * sizeof(float));
  } else {
    WriteJsonl(*embeddings, buffer);
  }
}

void RunEmbed(const EmbedFlags& flags) {
  const Embedder embedder = OpenEmbedderOrFail(kCommand, flags.model);

  TextReader reader(stdin, flags.jsonl);
  std::vector<std::string> chunk;
  std::string buffer;
  size_t first_line = 1;
  for (;;) {
    Result<std::optional<std::string_view>> text = reader.Next();
    if (!text.ok()) Fail(kCommand, text.status().message());
    if (*text) chunk.emplace_back(**text);
    if (chunk.size() == kChunkTexts || (!*text && !chunk.empty())) {
      EmbedChunk(embedder, chunk, first_line, flags, &buffer);
      first_line += chunk.size();
      chunk.clear();
    }
    if (!*text) break;
  }
  if (std::fflush(stdout) != 0) Fail(kCommand, std::string("writing stdout: ") + std::strerror(errno));
}

}  // namespace

void AddEmbedCommand(CLI::App& app) {
  auto flags = std::make_shared<EmbedFlags>();
  CLI::App* command = app.add_subcommand("embed", "Embed one text per stdin line");
  AddEmbedderFlags(command, &flags->model);
  command->add_flag("--jsonl", flags->jsonl, "each line is a JSON string or an object with a \"text\" string");
  command->add_option("--output", flags->output, "jsonl: {\"embedding\":[...]} per line; f32: raw float32 LE")
      ->check(CLI::IsMember({"jsonl", "f32"}));
  command->callback([flags] { RunEmbed(*flags); });
}

}  // namespace textembed::cli
