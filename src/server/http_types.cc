#include "server/http_types.h"

#include <algorithm>
#include <cctype>

namespace textembed::server {

std::string_view HttpRequest::Header(std::string_view name) const {
  const auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const auto& [key, value] : headers)
    if (same(key, name)) return value;
  return {};
}

std::string_view HttpRequest::Path() const {
  const std::string_view full(target);
  return full.substr(0, full.find('?'));
}

}  // namespace textembed::server
