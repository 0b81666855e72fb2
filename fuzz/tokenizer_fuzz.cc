// libFuzzer target: arbitrary bytes (invalid UTF-8 included) into
// Tokenizer::Encode, Decode and EncodePair for every distinct tokenizer.json in the shared folder.
//
// The first input byte picks the tokenizer and the options, the rest is the
// text:   bits 0-2  tokenizer index (mod count)
//         bit  3    add special tokens
//         bits 4-7  max_length choice (see kMaxLengths)
// Invariants checked on every encoding (a violation aborts, which libFuzzer
// reports as a crash with the input saved):
//   - Encode succeeds (inputs are far below kMaxInputBytes);
//   - ids, tokens, offsets, type_ids and special_tokens_mask have one entry per token;
//   - 0 <= id < vocab_size and tokens[i] == IdToToken(ids[i]);
//   - tokens are valid UTF-8;
//   - offsets lie within the input, begin <= end, and the begins of non-special
//     tokens never decrease;
//   - truncation: at most max(max_length, number of special tokens) tokens.
// The shared folder is $TEXTEMBED_TEST_DATA, else ../shared beside the checkout.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.h"
#include "core/utf8.h"
#include "textembed/tokenizer.h"

namespace {

namespace fs = std::filesystem;

constexpr std::optional<size_t> kMaxLengths[16] = {
    std::nullopt, 0, 1, 2, 3, 4, 5, 8, 16, 32, 128, 512, std::nullopt, 0, 7, 64};

[[noreturn]] void Violation(const char* what, size_t tokenizer_index, size_t token) {
  std::fprintf(stderr, "tokenizer_fuzz: invariant violated: %s (tokenizer %zu, token %zu)\n", what,
               tokenizer_index, token);
  std::abort();
}

fs::path SharedDir() {
  if (const char* env = std::getenv("TEXTEMBED_TEST_DATA"); env && *env) return env;
  return fs::path(__FILE__).parent_path() / ".." / ".." / "shared";
}

struct NamedTokenizer {
  std::string name;
  textembed::Tokenizer tokenizer;
  // Unigram (like HF) names an unknown piece by its text, not by "<unk>".
  std::optional<int32_t> unk_id;
};

// Loads each distinct tokenizer.json once (the model folders share one file).
std::vector<NamedTokenizer> LoadAll() {
  std::vector<fs::path> files;
  for (const char* group : {"models", "tokenizers"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(SharedDir() / group, ec)) {
      fs::path file = entry.path() / "tokenizer.json";
      if (fs::is_regular_file(file)) files.push_back(file);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<NamedTokenizer> loaded;
  std::set<std::string> seen_contents;
  for (const fs::path& file : files) {
    auto content = textembed::ReadFileToString(file);
    if (!content.ok() || !seen_contents.insert(*content).second) continue;
    auto tokenizer = textembed::Tokenizer::FromJson(*content);
    if (!tokenizer.ok()) {
      std::fprintf(stderr, "tokenizer_fuzz: cannot load %s: %s\n", file.c_str(),
                   tokenizer.status().ToString().c_str());
      std::abort();
    }
    std::optional<int32_t> unk_id = tokenizer->TokenToId("<unk>");
    if (!unk_id) unk_id = tokenizer->TokenToId("[UNK]");
    loaded.push_back({file.parent_path().filename().string(), std::move(tokenizer).value(), unk_id});
  }
  if (loaded.empty()) {
    std::fprintf(stderr, "tokenizer_fuzz: no tokenizer.json under %s (set TEXTEMBED_TEST_DATA)\n",
                 SharedDir().c_str());
    std::abort();
  }
  return loaded;
}

const std::vector<NamedTokenizer>& Tokenizers() {
  static const std::vector<NamedTokenizer> tokenizers = LoadAll();
  return tokenizers;
}

void CheckEncoding(const NamedTokenizer& named, size_t index, std::string_view text,
                   const textembed::EncodeOptions& options, const textembed::Encoding& enc) {
  const textembed::Tokenizer& tokenizer = named.tokenizer;
  const size_t n = enc.ids.size();
  if (enc.tokens.size() != n || enc.offsets.size() != n || enc.type_ids.size() != n ||
      enc.special_tokens_mask.size() != n) {
    Violation("per-token vectors differ in size", index, n);
  }
  uint32_t last_begin = 0;
  for (size_t i = 0; i < n; ++i) {
    if (enc.ids[i] < 0 || static_cast<size_t>(enc.ids[i]) >= tokenizer.vocab_size()) {
      Violation("id outside the vocabulary", index, i);
    }
    std::optional<std::string> vocab_token = tokenizer.IdToToken(enc.ids[i]);
    if (!vocab_token || (*vocab_token != enc.tokens[i] && enc.ids[i] != named.unk_id)) {
      Violation("token != IdToToken(id)", index, i);
    }
    if (!textembed::utf8::IsValid(enc.tokens[i])) Violation("token is not valid UTF-8", index, i);
    const textembed::Offset& offset = enc.offsets[i];
    if (offset.begin > offset.end || offset.end > text.size()) {
      Violation("offset outside the input", index, i);
    }
    if (!enc.special_tokens_mask[i]) {
      if (offset.begin < last_begin) Violation("offsets go backwards", index, i);
      last_begin = offset.begin;
    }
  }
  std::optional<size_t> max_length =
      options.max_length ? options.max_length : tokenizer.truncation_max_length();
  if (max_length && *max_length > 0) {
    if (n > *max_length) {
      Violation("more tokens than max_length allows", index, n);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::fprintf(stderr, "tokenizer_fuzz: %zu tokenizers:", Tokenizers().size());
  for (const auto& t : Tokenizers()) std::fprintf(stderr, " %s", t.name.c_str());
  std::fprintf(stderr, "\n");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& tokenizers = Tokenizers();
  const uint8_t selector = data[0];
  const size_t index = (selector & 0x7) % tokenizers.size();
  textembed::EncodeOptions options;
  options.add_special_tokens = (selector & 0x8) != 0;
  options.max_length = kMaxLengths[selector >> 4];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const textembed::Tokenizer& tokenizer = tokenizers[index].tokenizer;
  auto encoding = tokenizer.Encode(text, options);
  // A max_length that cannot hold the special tokens is rejected by design.
  const size_t specials = options.add_special_tokens ? tokenizer.num_special_tokens_single() : 0;
  const std::optional<size_t> limit = options.max_length ? options.max_length : tokenizer.truncation_max_length();
  if (limit && *limit > 0 && *limit < specials) {
    if (encoding.ok() || encoding.status().code() != textembed::Status::Code::kInvalidArgument) {
      std::fprintf(stderr, "tokenizer_fuzz: max_length %zu < %zu special tokens was not rejected\n", *limit, specials);
      std::abort();
    }
    return 0;
  }
  if (!encoding.ok()) {
    std::fprintf(stderr, "tokenizer_fuzz: Encode failed on %s: %s\n",
                 tokenizers[index].name.c_str(), encoding.status().ToString().c_str());
    std::abort();
  }
  CheckEncoding(tokenizers[index], index, text, options, *encoding);

  // Decoding any ids the tokenizer produced must succeed and give valid UTF-8.
  auto decoded = tokenizer.Decode(encoding->ids, (selector & 0x8) != 0);
  if (!decoded.ok() || !textembed::utf8::IsValid(*decoded)) {
    std::fprintf(stderr, "tokenizer_fuzz: Decode failed on %s: %s\n", tokenizers[index].name.c_str(),
                 decoded.ok() ? "invalid UTF-8" : decoded.status().ToString().c_str());
    std::abort();
  }
  // The input cut in two as a pair: never a crash; an error only for a
  // max_length the pair's special tokens do not fit, or an only_* strategy
  // whose text cannot absorb the excess.
  const size_t cut = text.size() / 2;
  auto pair = tokenizer.EncodePair(text.substr(0, cut), text.substr(cut), options);
  if (!pair.ok() && pair.status().code() != textembed::Status::Code::kInvalidArgument) {
    std::fprintf(stderr, "tokenizer_fuzz: EncodePair failed on %s: %s\n", tokenizers[index].name.c_str(),
                 pair.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
