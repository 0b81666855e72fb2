#include "service/hub/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace textembed::service {

namespace {

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

constexpr size_t kMaxErrorBody = 4096;

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Collects headers of the current response; a new status line (a redirect's
// next hop) starts over.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();
    const size_t space = line.find(' ');
    if (space != std::string::npos) response->status = std::strtol(line.c_str() + space + 1, nullptr, 10);
  } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    response->headers[name] = Trim(line.substr(colon + 1));
  }
  return size * count;
}

struct FileSink {
  int fd = -1;
  uint64_t offset = 0;     // where the next byte goes
  uint64_t written = 0;
  bool started = false;
  HttpResponse* response = nullptr;
  bool write_failed = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<FileSink*>(user);
  const size_t bytes = size * count;
  if (sink->response->status >= 400) {  // an error page: keep a little of it, write nothing
    std::string& body = sink->response->error_body;
    body.append(data, std::min(bytes, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
    return bytes;
  }
  if (!sink->started) {
    sink->started = true;
    if (sink->offset > 0 && sink->response->status != 206) {  // the server ignored the Range
      sink->offset = 0;
      if (::ftruncate(sink->fd, 0) != 0) return 0;
    }
  }
  size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::pwrite(sink->fd, data + done, bytes - done, static_cast<off_t>(sink->offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      sink->write_failed = true;
      return 0;  // aborts the transfer
    }
    done += static_cast<size_t>(n);
    sink->offset += static_cast<uint64_t>(n);
    sink->written += static_cast<uint64_t>(n);
  }
  return bytes;
}

void CommonOptions(CURL* curl, const HubConfig& config, const std::string& url, HttpResponse* response) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "textembed/0.1");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, config.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, config.low_speed_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, response);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Checksums must see the bytes as stored: no transparent decompression.
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);
  if (!config.token.empty()) {
    // libcurl sends bearer auth to the original host only, not to the CDN a
    // redirect points to.
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
    curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, config.token.c_str());
  }
}

bool Unreachable(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY ||
         code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SSL_CONNECT_ERROR || code == CURLE_URL_MALFORMAT ||
         code == CURLE_UNSUPPORTED_PROTOCOL;
}

}  // namespace

HttpClient::HttpClient(const HubConfig& config) : config_(config) {}

Result<HttpResponse> HttpClient::Head(const std::string& url) const {
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::Internal("curl_easy_init failed");
  HttpResponse response;
  CommonOptions(curl.get(), config_, url, &response);
  curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, config_.connect_timeout_seconds + config_.low_speed_timeout_seconds);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return Status::Unavailable("cannot reach the hub (" + url + "): " + curl_easy_strerror(code));
  }
  return response;
}

Result<HttpTransfer> HttpClient::GetToFile(const std::string& url, const std::filesystem::path& file,
                                           uint64_t offset) const {
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::Internal("curl_easy_init failed");
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(file.string() + ": cannot open for writing: " + std::strerror(errno));
  HttpTransfer transfer;
  FileSink sink{fd, offset, 0, false, &transfer.response, false};
  CommonOptions(curl.get(), config_, url, &transfer.response);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
  const std::string range = std::to_string(offset) + "-";
  if (offset > 0) curl_easy_setopt(curl.get(), CURLOPT_RANGE, range.c_str());
  const CURLcode code = curl_easy_perform(curl.get());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  transfer.bytes_written = sink.written;
  if (sink.write_failed) return Status::IoError(file.string() + ": write failed (disk full?)");
  if (!synced) return Status::IoError(file.string() + ": fsync failed");
  if (code != CURLE_OK) {
    if (Unreachable(code) && sink.written == 0) {
      return Status::Unavailable("cannot reach the hub (" + url + "): " + curl_easy_strerror(code));
    }
    transfer.transport_error = curl_easy_strerror(code);
    return transfer;
  }
  transfer.complete = true;
  return transfer;
}

std::string UrlEncodePath(const std::string& path, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

}  // namespace textembed::service
