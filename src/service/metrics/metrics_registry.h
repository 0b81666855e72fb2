// MetricsRegistry: the metrics of one Service, rendered in the Prometheus
// text exposition format (checked by `promtool check metrics`).
//
// Usage — declare each metric once, where its owner is built, and keep the
// reference; recording is then one relaxed atomic, no lock, no lookup:
//
//   MetricsRegistry& m = ...;  // owned by the Service, outlives every user
//   Counter& requests = m.AddCounter("textembed_requests_total", "Embed calls received.");
//   Histogram& infer = m.AddHistogram("textembed_inference_duration_seconds",
//                                     "One forward pass.", DefaultLatencyBuckets());
//   CounterFamily& errors = m.AddCounterFamily("textembed_errors_total",
//                                              "Failed calls by kind.", {"kind"});
//   Counter& overloaded = errors.WithLabels({"unavailable"});  // keep this too
//
//   requests.Increment();
//   { ScopedTimer t(infer); RunForwardPass(); }  // or infer.Observe(seconds)
//   overloaded.Increment();
//   errors.WithLabels({CodeName(status.code())}).Increment();  // dynamic: a shared lock + lookup
//
//   std::string body = m.Render();  // GET /metrics
//
// Conventions (promtool lints them): names start with `textembed_`, counters
// end in `_total`, units are base units in the name (`_seconds`, `_bytes`),
// every metric has a HELP text. Labels take a small, bounded set of values
// (error kinds, model names, cache levels) — never a text or a request id.
//
// Add*() with a name already registered returns the existing metric when kind,
// label names (and buckets) match, so two owners may declare the same metric.
// Registration mistakes are programming errors, found by the first test that
// builds the owner: a bad name, label name or bucket list, or a second
// registration that does not match, throws std::invalid_argument; so does
// WithLabels() with the wrong number of values. Nothing is thrown while
// recording or rendering.
//
// Render() also reports the process (resident and virtual memory, CPU seconds,
// open fds, threads, start time) read from /proc at that moment, under the
// standard `process_*` names.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "service/metrics/metric_types.h"

namespace textembed::service {

// One metric name with a fixed list of label names; a child per distinct list
// of label values, created on first use. Children never move or disappear, so
// the references WithLabels returns stay valid as long as the registry.
template <typename Metric>
class Family {
 public:
  Metric& WithLabels(std::initializer_list<std::string_view> values) {
    return WithLabels(std::vector<std::string>(values.begin(), values.end()));
  }
  Metric& WithLabels(std::vector<std::string> values);

  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls visit(label values, metric) for every child, in label-value order.
  void ForEach(const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const;

  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<Metric>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

 private:
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  struct Options {
    bool process_metrics = true;  // process_* figures from /proc in Render()
  };
  MetricsRegistry() : MetricsRegistry(Options{}) {}
  explicit MetricsRegistry(Options options) : options_(options) {}
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& AddCounter(std::string_view name, std::string_view help);
  Gauge& AddGauge(std::string_view name, std::string_view help);
  Histogram& AddHistogram(std::string_view name, std::string_view help,
                          std::vector<double> buckets = DefaultLatencyBuckets());

  CounterFamily& AddCounterFamily(std::string_view name, std::string_view help,
                                  std::vector<std::string> label_names);
  GaugeFamily& AddGaugeFamily(std::string_view name, std::string_view help,
                              std::vector<std::string> label_names);
  HistogramFamily& AddHistogramFamily(std::string_view name, std::string_view help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> buckets = DefaultLatencyBuckets());

  // Every metric in the text exposition format, sorted by name; children
  // sorted by label values. Safe while other threads record and register.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Entry {
    Kind kind;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> buckets;  // histograms only
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<GaugeFamily> gauges;
    std::unique_ptr<HistogramFamily> histograms;
  };

  // Finds or creates the entry for `name`, checking kind, labels and buckets.
  Entry& Register(std::string_view name, std::string_view help, Kind kind,
                  std::vector<std::string> label_names, std::vector<double> buckets);

  const Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// ---------------------------------------------------------------------------

template <typename Metric>
Metric& Family<Metric>::WithLabels(std::vector<std::string> values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric family has " + std::to_string(label_names_.size()) +
                                " labels, got " + std::to_string(values.size()) + " values");
  }
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(values); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& child = children_[std::move(values)];
  if (!child) child = make_();
  return *child;
}

template <typename Metric>
void Family<Metric>::ForEach(
    const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const {
  std::shared_lock lock(mutex_);
  for (const auto& [values, metric] : children_) visit(values, *metric);
}

}  // namespace textembed::service
