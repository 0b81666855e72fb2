// `textembed decode`: one JSON array of token ids per stdin line in, one JSON
// string per line out: the text HF tokenizers' `decode` gives for those ids.
//
//   textembed decode --model PATH [--skip-special-tokens]
//
// Ids the vocabulary does not hold are skipped, as HF does. A line that is not
// an array of integers in [0, 2^31) is an error naming its line number (the
// lines before it are written). The server's /decode calls the same
// Tokenizer::Decode.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "cli/commands.h"
#include "cli/json_line_writer.h"
#include "cli/text_input.h"
#include "textembed/tokenizer.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed decode";

[[noreturn]] void Fail(const std::string& message) { cli::Fail(kCommand, message); }

struct DecodeFlags {
  std::string model;
  bool skip_special_tokens = false;
};

// Parses "[1, 2, 3]" into `ids`.
Status ParseIds(simdjson::dom::parser& parser, std::string_view line, std::vector<int32_t>* ids) {
  ids->clear();
  simdjson::dom::element root;
  if (auto error = parser.parse(line.data(), line.size()).get(root))
    return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
  simdjson::dom::array array;
  if (root.get_array().get(array))
    return Status::InvalidArgument("expected a JSON array of token ids");
  for (simdjson::dom::element value : array) {
    int64_t id = 0;
    if (value.get_int64().get(id))
      return Status::InvalidArgument("token ids must be integers, got " + simdjson::to_string(value));
    if (id < 0 || id > INT32_MAX)
      return Status::InvalidArgument("token id " + std::to_string(id) + " is out of range [0, 2^31)");
    ids->push_back(static_cast<int32_t>(id));
  }
  return Status::Ok();
}

void RunDecode(const DecodeFlags& flags) {
  Result<Tokenizer> tokenizer = Tokenizer::Load(flags.model);
  if (!tokenizer.ok()) Fail(tokenizer.status().ToString());

  TextReader lines(stdin, /*jsonl=*/false);
  JsonLineWriter writer(stdout, kCommand);
  simdjson::dom::parser parser;
  std::vector<int32_t> ids;
  AnswerEachText(kCommand, lines, writer, [&](std::string_view line) -> std::optional<std::string> {
    Status parsed = ParseIds(parser, line, &ids);
    Result<std::string> text = parsed.ok() ? tokenizer->Decode(ids, flags.skip_special_tokens)
                                           : Result<std::string>(parsed);
    if (!text.ok()) return text.status().message();
    writer.WriteString(*text);
    return std::nullopt;
  });
}

}  // namespace

void AddDecodeCommand(CLI::App& app) {
  auto flags = std::make_shared<DecodeFlags>();
  CLI::App* command = app.add_subcommand(
      "decode", "Decode one JSON array of token ids per stdin line; write one JSON string per line");
  command->add_option("--model", flags->model, "tokenizer.json, or a folder holding one")->required();
  command->add_flag("--skip-special-tokens", flags->skip_special_tokens,
                    "leave out special tokens ([CLS], </s>, ...)");
  command->callback([flags] { RunDecode(*flags); });
}

}  // namespace textembed::cli
