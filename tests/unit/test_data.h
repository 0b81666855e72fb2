// Where tests find ../shared (models, corpora, goldens): $TEXTEMBED_TEST_DATA,
// else the folder configured at build time (the shared/ beside the checkout).
#pragma once

#include <filesystem>

namespace textembed::testing {

std::filesystem::path SharedDir();
std::filesystem::path SourceDir();  // the repository root

}  // namespace textembed::testing
