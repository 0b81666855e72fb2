// Helpers shared by the embedding-cache tests: a temporary folder and
// deterministic keys and vectors (entry i is recognisable by its values).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "service/cache/embedding_cache.h"

namespace textembed::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("textembed-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline service::Hash128 TestModel(uint64_t n) { return {0x1234'5678'9abc'def0ULL ^ n, n * 0x9e37'79b9'7f4a'7c15ULL}; }

inline service::CacheKey TestKey(uint64_t i, uint64_t model = 1) {
  return service::CacheKey::Make(TestModel(model), "n=1", "text number " + std::to_string(i));
}

inline std::vector<float> TestVector(uint64_t i, size_t dimension = 384) {
  std::vector<float> v(dimension);
  for (size_t d = 0; d < dimension; ++d) v[d] = static_cast<float>(i) + static_cast<float>(d) / 1024.0f;
  return v;
}

}  // namespace textembed::testing
