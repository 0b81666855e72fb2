// Temporary model folders for pipeline tests: files written in place, and
// links to the real files of a shared model so variants cost no copies.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace textembed::testing {

class TempModelFolder {
 public:
  explicit TempModelFolder(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("textembed-test-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempModelFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempModelFolder(const TempModelFolder&) = delete;
  TempModelFolder& operator=(const TempModelFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  void Write(const std::string& relative, const std::string& content) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
  }

  void Link(const std::string& relative, const std::filesystem::path& target) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::filesystem::create_symlink(std::filesystem::absolute(target), file);
  }

  // A safetensors file of F32 tensors: (name, shape, values).
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;
  };
  void WriteSafetensors(const std::string& relative, const std::vector<Tensor>& tensors) const {
    std::string header = "{";
    size_t offset = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const size_t bytes = tensors[i].values.size() * sizeof(float);
      // Piece by piece: GCC 12 reports a false -Wrestrict (a memcpy of 2^63
      // bytes) for `"literal" + std::string&&`, which prepends in place.
      header += i ? ",\"" : "\"";
      header += tensors[i].name + "\":{\"dtype\":\"F32\",\"shape\":[";
      for (size_t d = 0; d < tensors[i].shape.size(); ++d) {
        if (d > 0) header += ',';
        header += std::to_string(tensors[i].shape[d]);
      }
      header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
      offset += bytes;
    }
    header += "}";
    while ((8 + header.size()) % 8 != 0) header += ' ';
    std::string content(8, '\0');
    const uint64_t n = header.size();
    for (int b = 0; b < 8; ++b) content[b] = static_cast<char>((n >> (8 * b)) & 0xFF);
    content += header;
    for (const Tensor& t : tensors)
      content.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
    Write(relative, content);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace textembed::testing
