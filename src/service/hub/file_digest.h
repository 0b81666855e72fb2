// Digests the hub names files by: sha256 (LFS files, X-Linked-Etag) and the
// git blob sha1 (small files, ETag) = sha1("blob <size>\0" + content).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "textembed/status.h"

namespace textembed::service {

Result<std::string> Sha256OfFile(const std::filesystem::path& file);
Result<std::string> GitBlobSha1OfFile(const std::filesystem::path& file);
std::string Sha256Hex(std::string_view bytes);
std::string GitBlobSha1Hex(std::string_view bytes);

// Checks `file` against a hub etag: 64 hex digits = sha256, 40 = git blob
// sha1. kCorruption on a mismatch (naming both digests); OK for other etag
// forms, which carry no digest to check.
Status VerifyEtag(const std::filesystem::path& file, std::string_view etag);

}  // namespace textembed::service
