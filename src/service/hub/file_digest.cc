#include "service/hub/file_digest.h"

#include <openssl/evp.h>

#include <cctype>
#include <memory>

#include "core/mapped_file.h"

namespace textembed::service {

namespace {

std::string Hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned i = 0; i < size; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

std::string Digest(const EVP_MD* md, std::string_view prefix, std::string_view bytes) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), prefix.data(), prefix.size());
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  EVP_DigestFinal_ex(ctx.get(), out, &size);
  return Hex(out, size);
}

std::string GitPrefix(size_t size) {
  std::string prefix = "blob " + std::to_string(size);
  prefix.push_back('\0');
  return prefix;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) { return Digest(EVP_sha256(), {}, bytes); }
std::string GitBlobSha1Hex(std::string_view bytes) { return Digest(EVP_sha1(), GitPrefix(bytes.size()), bytes); }

Result<std::string> Sha256OfFile(const std::filesystem::path& file) {
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(file));
  return Sha256Hex(mapped.view());
}

Result<std::string> GitBlobSha1OfFile(const std::filesystem::path& file) {
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(file));
  return GitBlobSha1Hex(mapped.view());
}

Status VerifyEtag(const std::filesystem::path& file, std::string_view etag) {
  if (!IsHex(etag) || (etag.size() != 64 && etag.size() != 40)) return Status::Ok();
  const bool sha256 = etag.size() == 64;
  Result<std::string> actual = sha256 ? Sha256OfFile(file) : GitBlobSha1OfFile(file);
  if (!actual.ok()) return actual.status();
  std::string expected(etag);
  for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (*actual == expected) return Status::Ok();
  return Status::Corruption(file.filename().string() + ": checksum mismatch: the hub says " +
                            (sha256 ? "sha256 " : "git sha1 ") + expected + ", the download has " + *actual);
}

}  // namespace textembed::service
