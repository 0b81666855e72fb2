#include "service/metrics/process_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace textembed::service {
namespace {

std::string ReadWholeFile(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// /proc/stat "btime": the boot time in seconds since the epoch.
std::optional<double> BootTimeSeconds() {
  std::istringstream in(ReadWholeFile("/proc/stat"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

void ReadStatm(ProcessStats& stats) {
  std::istringstream in(ReadWholeFile("/proc/self/statm"));
  double size_pages = 0;
  double resident_pages = 0;
  if (!(in >> size_pages >> resident_pages)) return;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  stats.virtual_memory_bytes = size_pages * page;
  stats.resident_memory_bytes = resident_pages * page;
}

void ReadStat(ProcessStats& stats) {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the
  // fields are counted from the last ')'. Field 3 (state) is tokens[0].
  const std::string stat = ReadWholeFile("/proc/self/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream in(stat.substr(close + 1));
  std::vector<std::string> tokens{std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3, kThreads = 20 - 3, kStartTime = 22 - 3;
  if (tokens.size() <= kStartTime) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  try {
    stats.cpu_seconds = (std::stod(tokens[kUtime]) + std::stod(tokens[kStime])) / ticks;
    stats.threads = std::stod(tokens[kThreads]);
    if (const auto boot = BootTimeSeconds()) stats.start_time_seconds = *boot + std::stod(tokens[kStartTime]) / ticks;
  } catch (const std::exception&) {  // a malformed number: leave the rest out
  }
}

void CountOpenFds(ProcessStats& stats) {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) return;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return;
    ++count;
  }
  // The iterator's own descriptor on /proc/self/fd is counted too; it is
  // closed again at once, so leave it out.
  stats.open_fds = count > 0 ? count - 1 : 0;
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  ReadStatm(stats);
  ReadStat(stats);
  CountOpenFds(stats);
  return stats;
}

}  // namespace textembed::service
