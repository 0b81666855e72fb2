// Figures about this process, read from /proc at render time (Linux), under
// the names every Prometheus client library uses (process_*), so existing
// dashboards and alerts work unchanged.
#pragma once

#include <optional>

namespace textembed::service {

struct ProcessStats {
  std::optional<double> resident_memory_bytes;  // /proc/self/statm, field 2 × page size
  std::optional<double> virtual_memory_bytes;   // /proc/self/statm, field 1 × page size
  std::optional<double> cpu_seconds;            // /proc/self/stat utime + stime
  std::optional<double> start_time_seconds;     // since the Unix epoch
  std::optional<double> open_fds;               // entries of /proc/self/fd
  std::optional<double> threads;                // /proc/self/stat num_threads
};

// A field that cannot be read (no /proc, odd format) stays empty and is left
// out of the output rather than reported as 0.
ProcessStats ReadProcessStats();

}  // namespace textembed::service
