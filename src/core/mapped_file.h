// A read-only memory mapping of a whole file (weights, tokenizer.json).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "textembed/status.h"

namespace textembed {

class MappedFile {
 public:
  static Result<MappedFile> Open(const std::filesystem::path& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void Reset();

  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  std::filesystem::path path_;
};

// Reads a whole (small) file into a string; errors name the file.
Result<std::string> ReadFileToString(const std::filesystem::path& path);

}  // namespace textembed
