// `textembed embed`: one text per stdin line in, one embedding per text out,
// through the embedding Service (dynamic batching, cache, chunking).
//
//   textembed embed --model DIR|HUB_ID [--jsonl] [--output jsonl|f32] [--threads N]
//                   [--batch-tokens N] [--max-length N] [--chunk] [--overlap N]
//                   [--cache-dir DIR] [--on-error stop|skip]
//
// --output jsonl writes {"embedding":[...]} per line (shortest round-trip
// float text); f32 writes raw little-endian float32, texts × dimension.
// Lines go to the service in blocks, several blocks in flight, and results
// are written in input order as soon as each block is done, so a failure
// never loses the output of the lines before it. --on-error skip writes
// {"line":N,"error":"..."} for a failed line and goes on (jsonl only); the
// exit status is 1 whenever a line failed.
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/embedder_flags.h"
#include "cli/progress_bar.h"
#include "cli/text_input.h"
#include "textembed/service.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed embed";
constexpr size_t kBlockTexts = 128;    // lines per service call
constexpr size_t kBlocksInFlight = 8;  // enough queued work for full batches

struct EmbedFlags {
  EmbedderFlags model;
  bool jsonl = false;
  std::string output = "jsonl";
  bool chunk = false;
  size_t overlap = EmbedOptions{}.chunk_overlap;
  std::string cache_dir;
  std::string on_error = "stop";
};

void WriteOrFail(const void* data, size_t bytes) {
  if (bytes != 0 && std::fwrite(data, 1, bytes, stdout) != bytes)
    Fail(kCommand, std::string("writing stdout: ") + std::strerror(errno));
}

// Consecutive input lines sent as one call. Lines that could not be read as
// texts (bad --jsonl) carry their error instead.
struct Block {
  size_t first_line = 0;
  std::vector<std::optional<std::string>> errors;  // per line
  std::vector<std::string> texts;                  // lines without an error, in order
  std::future<Result<EmbedResult>> result;
  bool submitted = false;
};

class EmbedRun {
 public:
  EmbedRun(const EmbedFlags& flags, std::unique_ptr<Service> service)
      : flags_(flags), service_(std::move(service)), progress_(stdin) {
    options_.long_text = flags.chunk ? LongTextMode::kChunkMean : LongTextMode::kTruncate;
    options_.chunk_overlap = flags.overlap;
  }

  void Run();

 private:
  void Submit(Block& block) {
    block.result = service_->EmbedAsync(block.texts, options_);
    block.submitted = true;
  }
  void WriteFront();
  void WriteRow(std::span<const float> row);
  // A line that failed: an error record (skip) or the end of the run (stop).
  void LineFailed(size_t line, const std::string& message);
  void Drain() {
    while (!in_flight_.empty()) WriteFront();
  }

  const EmbedFlags& flags_;
  std::unique_ptr<Service> service_;
  EmbedOptions options_;
  ProgressBar progress_;
  std::deque<Block> in_flight_;
  std::string buffer_;
  size_t written_ = 0;
  size_t failed_ = 0;
};

void EmbedRun::WriteRow(std::span<const float> row) {
  if (flags_.output == "f32") {
    static_assert(std::endian::native == std::endian::little, "f32 output is little-endian");
    WriteOrFail(row.data(), row.size() * sizeof(float));
    return;
  }
  char number[32];
  buffer_ = "{\"embedding\":[";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) buffer_ += ',';
    const auto [end, ec] = std::to_chars(number, number + sizeof number, row[i]);
    buffer_.append(number, end);
  }
  buffer_ += "]}\n";
  WriteOrFail(buffer_.data(), buffer_.size());
}

void EmbedRun::LineFailed(size_t line, const std::string& message) {
  ++failed_;
  if (flags_.on_error == "stop") Fail(kCommand, "line " + std::to_string(line) + ": " + message);
  const nlohmann::json record = {{"line", line}, {"error", message}};
  buffer_ = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  WriteOrFail(buffer_.data(), buffer_.size());
}

void EmbedRun::WriteFront() {
  Block block = std::move(in_flight_.front());
  in_flight_.pop_front();
  std::optional<Result<EmbedResult>> result;
  if (block.submitted) result.emplace(block.result.get());
  // A failed call names no line: embed its texts one by one to find out
  // which failed, keeping the others.
  const bool one_by_one = result && !result->ok();
  size_t text = 0;
  for (size_t i = 0; i < block.errors.size(); ++i) {
    const size_t line = block.first_line + i;
    if (block.errors[i]) {
      LineFailed(line, *block.errors[i]);
      continue;
    }
    if (!one_by_one) {
      WriteRow((*result)->embeddings.row(text++));
      continue;
    }
    Result<EmbedResult> single = service_->Embed({block.texts[text++]}, options_);
    if (single.ok()) {
      WriteRow(single->embeddings.row(0));
    } else {
      LineFailed(line, single.status().ToString());
    }
  }
  written_ += block.errors.size();
  progress_.Update(written_);
}

void EmbedRun::Run() {
  TextReader reader(stdin, flags_.jsonl);
  Block block;
  block.first_line = 1;
  for (;;) {
    Result<std::optional<std::string_view>> text = reader.Next();
    bool end = false;
    if (!text.ok()) {
      if (text.status().code() == Status::Code::kIoError) {
        Submit(block);
        in_flight_.push_back(std::move(block));
        Drain();
        Fail(kCommand, text.status().message());
      }
      // A malformed line: its error takes its place in the output order
      // (with stop, the run ends there once the lines before it are written).
      std::string message = text.status().message();
      const std::string prefix = "line " + std::to_string(reader.line_number()) + ": ";
      if (message.starts_with(prefix)) message.erase(0, prefix.size());  // LineFailed names the line
      block.errors.emplace_back(std::move(message));
      end = flags_.on_error == "stop";
    } else if (*text) {
      block.errors.emplace_back();
      block.texts.emplace_back(**text);
    } else {
      end = true;
    }
    if (block.errors.size() == kBlockTexts || (end && !block.errors.empty())) {
      const size_t next_line = block.first_line + block.errors.size();
      if (!block.texts.empty()) Submit(block);
      in_flight_.push_back(std::move(block));
      block = Block{};
      block.first_line = next_line;
      while (in_flight_.size() > kBlocksInFlight ||
             (!in_flight_.empty() &&
              (!in_flight_.front().submitted ||
               in_flight_.front().result.wait_for(std::chrono::seconds(0)) == std::future_status::ready)))
        WriteFront();
    }
    if (end) break;
  }
  Drain();
  if (std::fflush(stdout) != 0) Fail(kCommand, std::string("writing stdout: ") + std::strerror(errno));
  if (failed_ > 0) Fail(kCommand, std::to_string(failed_) + " line(s) failed (see the error records)");
}

std::unique_ptr<Service> StartServiceOrFail(const EmbedFlags& flags) {
  ServiceOptions options;
  std::string name = std::filesystem::path(flags.model.model).lexically_normal().filename().string();
  if (name.empty()) name = "default";
  options.models.push_back(ModelSpec{name, flags.model.model, "main"});
  options.threads = flags.model.threads;
  options.max_length = flags.model.max_length;
  options.batching.max_batch_tokens = flags.model.batch_tokens;
  if (!flags.cache_dir.empty()) options.cache.disk_dir = flags.cache_dir;
  Result<std::unique_ptr<Service>> service = Service::Create(options);
  if (!service.ok()) Fail(kCommand, service.status().ToString());
  return std::move(service).value();
}

}  // namespace

void AddEmbedCommand(CLI::App& app) {
  auto flags = std::make_shared<EmbedFlags>();
  CLI::App* command = app.add_subcommand("embed", "Embed one text per stdin line");
  AddEmbedderFlags(command, &flags->model);
  command->add_flag("--jsonl", flags->jsonl, "each line is a JSON string or an object with a \"text\" string");
  command->add_option("--output", flags->output, "jsonl: {\"embedding\":[...]} per line; f32: raw float32 LE")
      ->check(CLI::IsMember({"jsonl", "f32"}));
  command->add_flag("--chunk", flags->chunk,
                    "embed texts longer than the model's max length as the token-weighted mean of overlapping "
                    "chunks (default: truncate)");
  command->add_option("--overlap", flags->overlap, "tokens shared by neighbouring chunks with --chunk")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--cache-dir", flags->cache_dir,
                      "disk cache (LMDB) of embeddings: repeated texts are read back instead of computed");
  command->add_option("--on-error", flags->on_error,
                      "stop: end at the first bad line; skip: write {\"line\":N,\"error\":...} and go on "
                      "(jsonl output only); either way the exit status is 1 if a line failed")
      ->check(CLI::IsMember({"stop", "skip"}));
  command->callback([flags] {
    if (flags->on_error == "skip" && flags->output == "f32") {
      std::fprintf(stderr, "%s: error: --on-error skip needs --output jsonl (f32 rows have no room for errors)\n",
                   kCommand.data());
      throw CLI::RuntimeError(kExitUsage);
    }
    EmbedRun run(*flags, StartServiceOrFail(*flags));
    run.Run();
  });
}

}  // namespace textembed::cli
