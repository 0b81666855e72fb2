// `textembed tokenize`: one text per stdin line in, one JSON object per line out.
//
//   textembed tokenize --model PATH [--max-length N] [--no-special-tokens] [--jsonl]
//
// Output per input line: {"ids":[...],"tokens":[...],"offsets":[[begin,end],...]}
// where offsets are byte ranges [begin, end) of the input line (of the decoded
// string with --jsonl) and special tokens get [0,0], as in HF `tokenizers`.
//
// --pairs: each line is a JSON array [first, second] of two strings, encoded
// as one pair (cross-encoder input); the output adds "type_ids", and offsets
// of the second text's tokens are byte ranges of the second string.
// --truncation-strategy longest_first|only_first|only_second picks how a pair
// is cut to --max-length (default: tokenizer.json's, else longest_first).
//
// Line handling: only the terminating "\n" is removed. A "\r" before it is part
// of the text (CRLF input keeps its "\r", which every shipped normalizer treats
// as whitespace); scripts that need exact control use --jsonl, where each line
// is a JSON string or an object with a "text" string and may carry any
// character. With --jsonl a blank or malformed line is an error naming its line
// number: skipping it would silently misalign output and input lines.
//
// Input is streamed line by line and output is written through a buffer, so
// memory stays proportional to the longest line, not to the input.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "cli/commands.h"
#include "cli/json_line_writer.h"
#include "cli/text_input.h"
#include "core/utf8.h"
#include "textembed/tokenizer.h"

namespace textembed::cli {
namespace {

constexpr std::string_view kCommand = "textembed tokenize";

[[noreturn]] void Fail(const std::string& message) { cli::Fail(kCommand, message); }

struct TokenizeFlags {
  std::string model;
  std::optional<size_t> max_length;
  bool no_special_tokens = false;
  bool jsonl = false;
  bool pairs = false;
  std::string truncation_strategy;
};

// One --pairs line: ["first", "second"].
Status ParsePair(simdjson::dom::parser& parser, std::string_view line, std::string* first,
                 std::string* second) {
  simdjson::dom::element root;
  if (auto error = parser.parse(line.data(), line.size()).get(root))
    return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
  simdjson::dom::array array;
  if (root.get_array().get(array) || array.size() != 2)
    return Status::InvalidArgument("expected a JSON array of two strings");
  std::string_view a, b;
  if (array.at(0).get_string().get(a) || array.at(1).get_string().get(b))
    return Status::InvalidArgument("expected a JSON array of two strings");
  first->assign(a);
  second->assign(b);
  return Status::Ok();
}

void RunTokenizePairs(const Tokenizer& tokenizer, const EncodeOptions& options) {
  TextReader lines(stdin, /*jsonl=*/false);
  JsonLineWriter writer(stdout, kCommand);
  simdjson::dom::parser parser;
  std::string first, second;
  AnswerEachText(kCommand, lines, writer, [&](std::string_view line) -> std::optional<std::string> {
    Status parsed = ParsePair(parser, line, &first, &second);
    Result<Encoding> encoding = parsed.ok() ? tokenizer.EncodePair(first, second, options)
                                            : Result<Encoding>(parsed);
    if (!encoding.ok()) return encoding.status().ToString();
    writer.Write(*encoding, /*with_type_ids=*/true);
    return std::nullopt;
  });
}

void RunTokenize(const TokenizeFlags& flags) {
  Result<Tokenizer> tokenizer = Tokenizer::Load(flags.model);
  if (!tokenizer.ok()) Fail(tokenizer.status().ToString());

  EncodeOptions options;
  options.add_special_tokens = !flags.no_special_tokens;
  options.max_length = flags.max_length;
  if (flags.truncation_strategy == "longest_first") {
    options.truncation_strategy = TruncationStrategy::kLongestFirst;
  } else if (flags.truncation_strategy == "only_first") {
    options.truncation_strategy = TruncationStrategy::kOnlyFirst;
  } else if (flags.truncation_strategy == "only_second") {
    options.truncation_strategy = TruncationStrategy::kOnlySecond;
  }
  if (flags.pairs) return RunTokenizePairs(*tokenizer, options);

  TextReader reader(stdin, flags.jsonl);
  JsonLineWriter writer(stdout, kCommand);
  AnswerEachText(kCommand, reader, writer, [&](std::string_view text) -> std::optional<std::string> {
    Result<Encoding> encoding = tokenizer->Encode(text, options);
    if (!encoding.ok()) return encoding.status().ToString();
    writer.Write(*encoding);
    return std::nullopt;
  });
}

}  // namespace

void AddTokenizeCommand(CLI::App& app) {
  auto flags = std::make_shared<TokenizeFlags>();
  CLI::App* command = app.add_subcommand(
      "tokenize",
      "Tokenize one text per stdin line; write {\"ids\",\"tokens\",\"offsets\"} JSON lines "
      "(offsets are UTF-8 byte ranges of the line)");
  command->add_option("--model", flags->model, "tokenizer.json, or a folder holding one")
      ->required();
  command->add_option("--max-length", flags->max_length,
                      "maximum tokens per text, special tokens included; 0 = no truncation "
                      "(default: tokenizer.json's truncation)")
      // Without the check CLI11 wraps "-3" around to a huge size_t.
      ->check(CLI::Validator(
          [](const std::string& value) {
            // At most 18 digits: CLI11 does not report size_t overflow.
            bool digits_only = !value.empty() && value.size() <= 18 &&
                               value.find_first_not_of("0123456789") == std::string::npos;
            return digits_only ? std::string() : "must be an integer >= 0, got " + value;
          },
          "INT>=0"));
  command->add_flag("--no-special-tokens", flags->no_special_tokens,
                    "do not add the post-processor's special tokens ([CLS], </s>, ...)");
  command->add_flag("--jsonl", flags->jsonl,
                    "each line is a JSON string or an object with a \"text\" string");
  command->add_flag("--pairs", flags->pairs,
                    "each line is a JSON array [first, second] encoded as one pair; adds \"type_ids\"");
  command->add_option("--truncation-strategy", flags->truncation_strategy,
                      "how --pairs are cut to --max-length (default: tokenizer.json's)")
      ->check(CLI::IsMember({"longest_first", "only_first", "only_second"}));
  command->callback([flags] { RunTokenize(*flags); });
}

}  // namespace textembed::cli
