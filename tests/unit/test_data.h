// Where tests find ../shared (models, corpora, goldens): $TEXTEMBED_TEST_DATA,
// else the folder configured at build time (the shared/ beside the checkout);
// and readers for the formats the reference data comes in.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace textembed::testing {

std::filesystem::path SharedDir();
std::filesystem::path SourceDir();  // the repository root

// Sanitizer builds run ~20x slower: the corpus-wide checks take a sample there.
// GCC says so with __SANITIZE_*__, clang (the sanitizer + fuzz build) only
// through __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEXTEMBED_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEXTEMBED_SANITIZED_BUILD 1
#endif
#endif
#if defined(TEXTEMBED_SANITIZED_BUILD)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif

// A raw little-endian float32 array (reference embeddings, row after row).
std::vector<float> ReadF32(const std::filesystem::path& path);

// The "text" field of each line of a JSON-lines file (the golden corpora).
std::vector<std::string> ReadJsonlTexts(const std::filesystem::path& path);

// One line of shared/data/stsb/stsb-dev.tsv: the gold similarity score of two sentences.
struct StsbPair {
  double score;
  std::string a, b;
};
std::vector<StsbPair> ReadStsbDevPairs();

}  // namespace textembed::testing
