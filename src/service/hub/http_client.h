// The two HTTP calls the hub resolver makes, on libcurl: HEAD (headers of one
// file, redirects not followed, as huggingface_hub does to read the LFS
// headers) and GET into a file from a byte offset (HTTP Range; redirects
// followed, the bearer token sent to the hub's host only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "service/hub/hub_resolver.h"
#include "textembed/status.h"

namespace textembed::service {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; the last response's after redirects
  std::string error_body;                      // first bytes of a >= 400 response body

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpTransfer {
  HttpResponse response;
  uint64_t bytes_written = 0;  // body bytes appended to the file by this call
  bool complete = false;       // the transfer ended cleanly (not dropped mid-body)
  std::string transport_error; // curl's reason when !complete
};

class HttpClient {
 public:
  explicit HttpClient(const HubConfig& config);

  // kUnavailable when the server cannot be reached at all.
  Result<HttpResponse> Head(const std::string& url) const;
  // Writes the body into `file` from byte `offset` (Range: bytes=offset-; a
  // server answering 200 instead of 206 restarts the file from 0). A dropped
  // connection is a result with complete=false, not an error; an unreachable
  // server is kUnavailable.
  Result<HttpTransfer> GetToFile(const std::string& url, const std::filesystem::path& file, uint64_t offset) const;

 private:
  const HubConfig& config_;
};

// Percent-encodes a path (keeping '/' when `keep_slash`).
std::string UrlEncodePath(const std::string& path, bool keep_slash);

}  // namespace textembed::service
