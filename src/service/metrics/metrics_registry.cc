#include "service/metrics/metrics_registry.h"

#include <cmath>
#include <string>

#include "service/metrics/process_metrics.h"
#include "service/metrics/prometheus_text.h"

namespace textembed::service {
namespace {

const char* KindName(int kind) {
  static const char* const kNames[] = {"counter", "gauge", "histogram"};
  return kNames[kind];
}

// `{a="x",b="y"}` (or nothing without labels); `extra` is appended last (le=).
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += prometheus::EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

void AppendSample(std::string& out, std::string_view name, const std::string& labels, double value) {
  out += name;
  out += labels;
  out += ' ';
  out += prometheus::FormatValue(value);
  out += '\n';
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help, const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += prometheus::EscapeHelp(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void AppendProcessMetrics(std::string& out) {
  const ProcessStats stats = ReadProcessStats();
  const auto add = [&out](const char* name, const char* type, const char* help, std::optional<double> value) {
    if (!value) return;
    AppendHeader(out, name, help, type);
    AppendSample(out, name, {}, *value);
  };
  add("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", stats.cpu_seconds);
  add("process_open_fds", "gauge", "Open file descriptors.", stats.open_fds);
  add("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.", stats.resident_memory_bytes);
  add("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.",
      stats.start_time_seconds);
  add("process_threads", "gauge", "Threads of the process.", stats.threads);
  add("process_virtual_memory_bytes", "gauge", "Virtual memory size, in bytes.", stats.virtual_memory_bytes);
}

void CheckBuckets(std::string_view name, const std::vector<double>& buckets) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i]))) {
      throw std::invalid_argument("histogram " + std::string(name) +
                                  ": buckets must be finite and strictly increasing (+Inf is implicit)");
    }
  }
}

}  // namespace

MetricsRegistry::Entry& MetricsRegistry::Register(std::string_view name, std::string_view help, Kind kind,
                                                  std::vector<std::string> label_names,
                                                  std::vector<double> buckets) {
  const std::string quoted = "metric '" + std::string(name) + "'";
  if (!prometheus::IsValidMetricName(name)) throw std::invalid_argument(quoted + ": invalid name");
  if (options_.process_metrics && name.starts_with("process_")) {
    throw std::invalid_argument(quoted + ": process_* names are reported by the registry itself");
  }
  if (help.empty()) throw std::invalid_argument(quoted + ": needs a HELP text");
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!prometheus::IsValidLabelName(label) || (kind == Kind::kHistogram && label == "le")) {
      throw std::invalid_argument(quoted + ": invalid label name '" + label + "'");
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) throw std::invalid_argument(quoted + ": label '" + label + "' twice");
    }
  }
  if (kind == Kind::kHistogram) CheckBuckets(name, buckets);

  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(name); it != entries_.end()) {
    const Entry& existing = it->second;
    if (existing.kind != kind || existing.label_names != label_names || existing.buckets != buckets) {
      throw std::invalid_argument(quoted + ": registered before as a different " +
                                  KindName(static_cast<int>(existing.kind)) + " (kind, labels or buckets)");
    }
    return it->second;
  }
  Entry entry{kind, std::string(help), label_names, buckets, nullptr, nullptr, nullptr};
  switch (kind) {
    case Kind::kCounter:
      entry.counters = std::make_unique<CounterFamily>(std::move(label_names),
                                                       [] { return std::make_unique<Counter>(); });
      break;
    case Kind::kGauge:
      entry.gauges = std::make_unique<GaugeFamily>(std::move(label_names),
                                                   [] { return std::make_unique<Gauge>(); });
      break;
    case Kind::kHistogram:
      entry.histograms = std::make_unique<HistogramFamily>(
          std::move(label_names), [b = std::move(buckets)] { return std::make_unique<Histogram>(b); });
      break;
  }
  return entries_.emplace(std::string(name), std::move(entry)).first->second;
}

Counter& MetricsRegistry::AddCounter(std::string_view name, std::string_view help) {
  return AddCounterFamily(name, help, {}).WithLabels({});
}

Gauge& MetricsRegistry::AddGauge(std::string_view name, std::string_view help) {
  return AddGaugeFamily(name, help, {}).WithLabels({});
}

Histogram& MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                         std::vector<double> buckets) {
  return AddHistogramFamily(name, help, {}, std::move(buckets)).WithLabels({});
}

CounterFamily& MetricsRegistry::AddCounterFamily(std::string_view name, std::string_view help,
                                                 std::vector<std::string> label_names) {
  return *Register(name, help, Kind::kCounter, std::move(label_names), {}).counters;
}

GaugeFamily& MetricsRegistry::AddGaugeFamily(std::string_view name, std::string_view help,
                                             std::vector<std::string> label_names) {
  return *Register(name, help, Kind::kGauge, std::move(label_names), {}).gauges;
}

HistogramFamily& MetricsRegistry::AddHistogramFamily(std::string_view name, std::string_view help,
                                                     std::vector<std::string> label_names,
                                                     std::vector<double> buckets) {
  return *Register(name, help, Kind::kHistogram, std::move(label_names), std::move(buckets)).histograms;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  {
    // Entries are never removed and their families never move, so holding the
    // registry lock while rendering only delays registrations, not recording.
    std::lock_guard lock(mutex_);
    // Named references, not a structured binding: clang 14 (the fuzz build)
    // cannot capture structured bindings in the lambdas below.
    for (const auto& named_entry : entries_) {
      const std::string& name = named_entry.first;
      const auto& entry = named_entry.second;
      // A labelled family nobody has used yet has no samples; Prometheus
      // clients leave such families out, and so do we.
      std::string body;
      const auto& labels = entry.label_names;
      switch (entry.kind) {
        case Kind::kCounter:
          entry.counters->ForEach([&](const std::vector<std::string>& values, const Counter& counter) {
            AppendSample(body, name, LabelSet(labels, values), counter.Value());
          });
          break;
        case Kind::kGauge:
          entry.gauges->ForEach([&](const std::vector<std::string>& values, const Gauge& gauge) {
            AppendSample(body, name, LabelSet(labels, values), gauge.Value());
          });
          break;
        case Kind::kHistogram:
          entry.histograms->ForEach([&](const std::vector<std::string>& values, const Histogram& histogram) {
            const Histogram::Snapshot snapshot = histogram.Read();
            const std::string bucket_name = name + "_bucket";
            for (size_t i = 0; i <= snapshot.upper_bounds.size(); ++i) {
              const double bound = i < snapshot.upper_bounds.size() ? snapshot.upper_bounds[i] : INFINITY;
              const std::string le = "le=\"" + prometheus::FormatValue(bound) + "\"";
              AppendSample(body, bucket_name, LabelSet(labels, values, le),
                           static_cast<double>(snapshot.cumulative_counts[i]));
            }
            AppendSample(body, name + "_sum", LabelSet(labels, values), snapshot.sum);
            AppendSample(body, name + "_count", LabelSet(labels, values), static_cast<double>(snapshot.count()));
          });
          break;
      }
      if (body.empty()) continue;
      AppendHeader(out, name, entry.help, KindName(static_cast<int>(entry.kind)));
      out += body;
    }
  }
  if (options_.process_metrics) AppendProcessMetrics(out);
  return out;
}

}  // namespace textembed::service
