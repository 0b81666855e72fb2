#include "test_data.h"

#include <cstdlib>

namespace textembed::testing {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("TEXTEMBED_TEST_DATA"); env != nullptr && *env != '\0') return env;
  return TEXTEMBED_DEFAULT_TEST_DATA;
}

std::filesystem::path SourceDir() { return TEXTEMBED_SOURCE_DIR; }

}  // namespace textembed::testing
