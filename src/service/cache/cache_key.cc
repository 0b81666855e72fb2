// CacheKey and ModelFingerprint: the 128-bit XXH3 hashes the cache is keyed by.
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "pipeline/model_folder.h"
#include "service/cache/embedding_cache.h"

namespace textembed::service {
namespace fs = std::filesystem;

std::string Hash128::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(32, '0');
  for (int i = 0; i < 16; ++i) {
    hex[15 - i] = kDigits[(high >> (4 * i)) & 0xf];
    hex[31 - i] = kDigits[(low >> (4 * i)) & 0xf];
  }
  return hex;
}

namespace {

// Owns an XXH3 streaming state; every piece is length-prefixed so that two
// different sequences of pieces never hash the same bytes.
class Hasher {
 public:
  Hasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
  ~Hasher() { XXH3_freeState(state_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void AddNumber(uint64_t value) { XXH3_128bits_update(state_, &value, sizeof(value)); }
  void AddBytes(std::string_view bytes) {
    AddNumber(bytes.size());
    XXH3_128bits_update(state_, bytes.data(), bytes.size());
  }
  Hash128 Digest() const {
    const XXH128_hash_t h = XXH3_128bits_digest(state_);
    return {h.high64, h.low64};
  }

 private:
  XXH3_state_t* state_;
};

// Hashes `name` and the file's content, or a marker when it is absent (an
// optional file appearing or vanishing changes the fingerprint too).
Status AddFile(Hasher& hasher, const fs::path& path, std::string_view name, bool required) {
  hasher.AddBytes(name);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    if (required) return Status::NotFound(path.string() + ": missing (needed for the model fingerprint)");
    hasher.AddNumber(~uint64_t{0});
    return Status::Ok();
  }
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  hasher.AddBytes(file.view());
  return Status::Ok();
}

}  // namespace

CacheKey CacheKey::Make(const Hash128& model, std::string_view options_signature, std::string_view text) {
  const uint64_t header[4] = {model.high, model.low, options_signature.size(), text.size()};
  const size_t total = sizeof(header) + options_signature.size() + text.size();
  XXH128_hash_t h;
  if (total <= 2048) {
    // Short inputs (the common case): one-shot hash over a stack copy, several
    // times cheaper than setting up a streaming state.
    char buffer[2048];
    std::memcpy(buffer, header, sizeof(header));
    std::memcpy(buffer + sizeof(header), options_signature.data(), options_signature.size());
    std::memcpy(buffer + sizeof(header) + options_signature.size(), text.data(), text.size());
    h = XXH3_128bits(buffer, total);
  } else {
    XXH3_state_t* state = XXH3_createState();
    XXH3_128bits_reset(state);
    XXH3_128bits_update(state, header, sizeof(header));
    XXH3_128bits_update(state, options_signature.data(), options_signature.size());
    XXH3_128bits_update(state, text.data(), text.size());
    h = XXH3_128bits_digest(state);
    XXH3_freeState(state);
  }
  return {model, {h.high64, h.low64}};
}

Result<Hash128> ModelFingerprint(const fs::path& folder, const fs::path& weights_file) {
  TEXTEMBED_ASSIGN_OR_RETURN(pipeline::ModelFolder model, pipeline::ModelFolder::Read(folder));
  const fs::path& t = model.transformer_dir;
  Hasher hasher;
  hasher.AddBytes("textembed-model-fingerprint-v1");
  TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, folder / "modules.json", "modules.json", false));
  TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, folder / "sentence_bert_config.json", "sentence_bert_config.json", false));
  TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, t / "config.json", "config.json", true));
  TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, t / "tokenizer.json", "tokenizer.json", true));
  if (t != folder) {
    TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, t / "sentence_bert_config.json", "t/sentence_bert_config.json", false));
  }
  fs::path weights = weights_file;
  if (weights.empty()) {
    std::error_code ec;
    weights = fs::exists(t / "model.safetensors", ec) ? t / "model.safetensors" : t / "onnx" / "model.onnx";
  }
  TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, weights, "weights", true));

  // Every module after the transformer (Pooling, Dense, Normalize, ...): all
  // regular files of its folder, by name.
  std::error_code ec;
  if (fs::is_regular_file(folder / "modules.json", ec)) {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string text, ReadFileToString(folder / "modules.json"));
    const nlohmann::json modules = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!modules.is_array()) return Status::Corruption((folder / "modules.json").string() + ": expected a JSON array");
    for (const auto& module : modules) {
      if (!module.is_object()) continue;
      const std::string path = module.value("path", std::string());
      const std::string type = module.value("type", std::string());
      if (path.empty() || type.ends_with("Transformer")) continue;
      const fs::path dir = folder / path;
      std::vector<fs::path> files;
      if (fs::is_directory(dir, ec)) {
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
          if (entry.is_regular_file(ec)) files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      hasher.AddBytes(path);
      hasher.AddNumber(files.size());
      for (const auto& file : files) {
        TEXTEMBED_RETURN_IF_ERROR(AddFile(hasher, file, file.filename().string(), true));
      }
    }
  }
  return hasher.Digest();
}

}  // namespace textembed::service
