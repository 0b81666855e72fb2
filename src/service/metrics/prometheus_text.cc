#include "service/metrics/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace textembed::service::prometheus {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Backslash and newline always; double quotes inside label values only.
std::string Escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\' || (quotes && c == '"')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!(IsAsciiLetter(c) || c == '_' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

std::string EscapeHelp(std::string_view help) { return Escape(help, /*quotes=*/false); }

std::string EscapeLabelValue(std::string_view value) { return Escape(value, /*quotes=*/true); }

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Counts and byte sizes are whole numbers: print them as such, where the
  // shortest form would say "1e+06". Beyond 2^53 a double is not exact anyway.
  constexpr double kExactIntegers = 9007199254740992.0;
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(value));
    return std::string(buffer, end);
  }
  // Shortest digits that read back exactly; plain decimals in the range where
  // they stay short (bucket bounds like 0.0005 read better than 5e-04), as
  // Go's FormatFloat(v, 'g', -1, 64) in the Prometheus client prints them.
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-4 && magnitude < 1e21) {
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    if (error == std::errc()) return std::string(buffer, end);
  }
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (error != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buffer, end);
}

}  // namespace textembed::service::prometheus
