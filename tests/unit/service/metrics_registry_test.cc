#include "service/metrics/metrics_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service/metrics/prometheus_text.h"

namespace textembed::service {
namespace {

MetricsRegistry::Options WithoutProcess() { return {.process_metrics = false}; }

// The value of the sample line that starts with `series` + ' ', or NaN.
double SampleValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nan("");
}

TEST(PrometheusText, FormatsValuesAsTheExpositionFormatReadsThem) {
  EXPECT_EQ(prometheus::FormatValue(0), "0");
  EXPECT_EQ(prometheus::FormatValue(-0.0), "0");
  EXPECT_EQ(prometheus::FormatValue(1e6), "1000000");  // not "1e+06"
  EXPECT_EQ(prometheus::FormatValue(123456789012.0), "123456789012");
  EXPECT_EQ(prometheus::FormatValue(0.25), "0.25");
  EXPECT_EQ(prometheus::FormatValue(0.0005), "0.0005");
  EXPECT_EQ(prometheus::FormatValue(-2.5), "-2.5");
  EXPECT_EQ(prometheus::FormatValue(1e300), "1e+300");
  EXPECT_EQ(prometheus::FormatValue(2.5e-7), "2.5e-07");
  EXPECT_EQ(prometheus::FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(prometheus::FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(prometheus::FormatValue(std::nan("")), "NaN");
  const double third = 1.0 / 3.0;
  EXPECT_EQ(std::stod(prometheus::FormatValue(third)), third);  // reads back exactly
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(prometheus::EscapeLabelValue(R"(a"b\c)" "\nd"), R"(a\"b\\c\nd)");
  EXPECT_EQ(prometheus::EscapeLabelValue("héllo 日本"), "héllo 日本");  // UTF-8 passes through
  EXPECT_EQ(prometheus::EscapeHelp("line one\nC:\\ \"quoted\""), R"(line one\nC:\\ "quoted")");
}

TEST(PrometheusText, ValidatesNames) {
  EXPECT_TRUE(prometheus::IsValidMetricName("textembed_requests_total"));
  EXPECT_TRUE(prometheus::IsValidMetricName("a:b_c9"));
  EXPECT_FALSE(prometheus::IsValidMetricName(""));
  EXPECT_FALSE(prometheus::IsValidMetricName("9lives"));
  EXPECT_FALSE(prometheus::IsValidMetricName("has-dash"));
  EXPECT_FALSE(prometheus::IsValidMetricName("has space"));
  EXPECT_TRUE(prometheus::IsValidLabelName("kind"));
  EXPECT_FALSE(prometheus::IsValidLabelName("__reserved"));
  EXPECT_FALSE(prometheus::IsValidLabelName("a:b"));
  EXPECT_FALSE(prometheus::IsValidLabelName("1st"));
}

TEST(MetricsRegistry, RendersCountersAndGaugesWithHelpAndType) {
  MetricsRegistry registry(WithoutProcess());
  Counter& requests = registry.AddCounter("textembed_requests_total", "Embed calls received.");
  Gauge& queued = registry.AddGauge("textembed_queue_tokens", "Tokens waiting in the queue.");
  requests.Increment();
  requests.Increment(2);
  queued.Set(10);
  queued.Decrement(4);
  queued.Increment(0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP textembed_queue_tokens Tokens waiting in the queue.\n"
            "# TYPE textembed_queue_tokens gauge\n"
            "textembed_queue_tokens 6.5\n"
            "# HELP textembed_requests_total Embed calls received.\n"
            "# TYPE textembed_requests_total counter\n"
            "textembed_requests_total 3\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeAndInclusive) {
  MetricsRegistry registry(WithoutProcess());
  Histogram& batch = registry.AddHistogram("textembed_batch_texts", "Texts per batch.", {1, 4, 16});
  for (double v : {1.0, 1.0, 2.0, 4.0, 5.0, 16.0, 100.0}) batch.Observe(v);
  EXPECT_EQ(registry.Render(),
            "# HELP textembed_batch_texts Texts per batch.\n"
            "# TYPE textembed_batch_texts histogram\n"
            "textembed_batch_texts_bucket{le=\"1\"} 2\n"
            "textembed_batch_texts_bucket{le=\"4\"} 4\n"
            "textembed_batch_texts_bucket{le=\"16\"} 6\n"
            "textembed_batch_texts_bucket{le=\"+Inf\"} 7\n"
            "textembed_batch_texts_sum 129\n"
            "textembed_batch_texts_count 7\n");
  const Histogram::Snapshot snapshot = batch.Read();
  EXPECT_EQ(snapshot.count(), 7u);
  EXPECT_EQ(snapshot.sum, 129.0);
}

TEST(MetricsRegistry, DefaultLatencyBucketsSpanSubMillisecondToSeconds) {
  MetricsRegistry registry(WithoutProcess());
  Histogram& latency = registry.AddHistogram("textembed_request_duration_seconds", "Request latency.");
  const std::vector<double>& bounds = latency.upper_bounds();
  ASSERT_FALSE(bounds.empty());
  EXPECT_LE(bounds.front(), 0.001);
  EXPECT_GE(bounds.back(), 5.0);
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  latency.ObserveDuration(std::chrono::milliseconds(3));  // 0.003 s: above 2.5 ms, within 5 ms
  const std::string text = registry.Render();
  EXPECT_EQ(SampleValue(text, "textembed_request_duration_seconds_bucket{le=\"0.0025\"}"), 0);
  EXPECT_EQ(SampleValue(text, "textembed_request_duration_seconds_bucket{le=\"0.005\"}"), 1);
  EXPECT_DOUBLE_EQ(SampleValue(text, "textembed_request_duration_seconds_sum"), 0.003);
  { ScopedTimer timer(latency); }
  EXPECT_EQ(latency.Read().count(), 2u);
}

TEST(MetricsRegistry, BucketHelpers) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 5), (std::vector<double>{1, 2, 4, 8, 16}));
  EXPECT_EQ(LinearBuckets(10, 5, 3), (std::vector<double>{10, 15, 20}));
}

TEST(MetricsRegistry, LabelledFamiliesRenderEachChildWithEscapedValues) {
  MetricsRegistry registry(WithoutProcess());
  CounterFamily& errors = registry.AddCounterFamily("textembed_errors_total", "Failed calls by kind.", {"kind"});
  HistogramFamily& infer = registry.AddHistogramFamily("textembed_inference_duration_seconds",
                                                       "Forward passes by model.", {"model", "level"}, {0.1});
  Counter& overloaded = errors.WithLabels({"unavailable"});
  overloaded.Increment();
  errors.WithLabels({"invalid_argument"}).Increment(2);
  EXPECT_EQ(&errors.WithLabels({"unavailable"}), &overloaded);  // the same child, kept by reference
  infer.WithLabels({"a\"b\\c\nd", "1"}).Observe(0.05);
  EXPECT_EQ(registry.Render(),
            "# HELP textembed_errors_total Failed calls by kind.\n"
            "# TYPE textembed_errors_total counter\n"
            "textembed_errors_total{kind=\"invalid_argument\"} 2\n"
            "textembed_errors_total{kind=\"unavailable\"} 1\n"
            "# HELP textembed_inference_duration_seconds Forward passes by model.\n"
            "# TYPE textembed_inference_duration_seconds histogram\n"
            "textembed_inference_duration_seconds_bucket{model=\"a\\\"b\\\\c\\nd\",level=\"1\",le=\"0.1\"} 1\n"
            "textembed_inference_duration_seconds_bucket{model=\"a\\\"b\\\\c\\nd\",level=\"1\",le=\"+Inf\"} 1\n"
            "textembed_inference_duration_seconds_sum{model=\"a\\\"b\\\\c\\nd\",level=\"1\"} 0.05\n"
            "textembed_inference_duration_seconds_count{model=\"a\\\"b\\\\c\\nd\",level=\"1\"} 1\n");
}

TEST(MetricsRegistry, UnusedFamiliesAreLeftOut) {
  MetricsRegistry registry(WithoutProcess());
  registry.AddCounterFamily("textembed_errors_total", "Failed calls by kind.", {"kind"});
  EXPECT_EQ(registry.Render(), "");
  registry.AddCounter("textembed_requests_total", "Calls.");  // unlabelled: rendered at 0
  EXPECT_EQ(SampleValue(registry.Render(), "textembed_requests_total"), 0);
}

TEST(MetricsRegistry, RegisteringTheSameMetricTwiceReturnsIt) {
  MetricsRegistry registry(WithoutProcess());
  Counter& a = registry.AddCounter("textembed_hits_total", "Hits.");
  Counter& b = registry.AddCounter("textembed_hits_total", "Hits, declared by another owner.");
  EXPECT_EQ(&a, &b);
  CounterFamily& f1 = registry.AddCounterFamily("textembed_cache_hits_total", "Hits.", {"level"});
  CounterFamily& f2 = registry.AddCounterFamily("textembed_cache_hits_total", "Hits.", {"level"});
  EXPECT_EQ(&f1, &f2);
  Histogram& h1 = registry.AddHistogram("textembed_x_seconds", "X.", {1, 2});
  EXPECT_EQ(&h1, &registry.AddHistogram("textembed_x_seconds", "X.", {1, 2}));
}

TEST(MetricsRegistry, RegistrationMistakesAreReported) {
  MetricsRegistry registry(WithoutProcess());
  registry.AddCounter("textembed_hits_total", "Hits.");
  registry.AddCounterFamily("textembed_errors_total", "Errors.", {"kind"});
  registry.AddHistogram("textembed_x_seconds", "X.", {1, 2});
  EXPECT_THROW(registry.AddGauge("textembed_hits_total", "Hits."), std::invalid_argument);  // other kind
  EXPECT_THROW(registry.AddCounter("textembed_errors_total", "Errors."), std::invalid_argument);  // labels
  EXPECT_THROW(registry.AddCounterFamily("textembed_errors_total", "Errors.", {"code"}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("textembed_x_seconds", "X.", {1, 3}), std::invalid_argument);  // buckets
  EXPECT_THROW(registry.AddCounter("textembed-bad", "Bad."), std::invalid_argument);
  EXPECT_THROW(registry.AddCounter("textembed_no_help_total", ""), std::invalid_argument);
  EXPECT_THROW(MetricsRegistry().AddGauge("process_resident_memory_bytes", "Taken."), std::invalid_argument);
  EXPECT_NO_THROW(MetricsRegistry(WithoutProcess()).AddGauge("process_resident_memory_bytes", "Free."));
  EXPECT_THROW(registry.AddCounterFamily("textembed_a_total", "A.", {"__x"}), std::invalid_argument);
  EXPECT_THROW(registry.AddCounterFamily("textembed_b_total", "B.", {"k", "k"}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogramFamily("textembed_c_seconds", "C.", {"le"}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("textembed_d_seconds", "D.", {2, 1}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("textembed_e_seconds", "E.", {1.0, INFINITY}), std::invalid_argument);
  CounterFamily& errors = registry.AddCounterFamily("textembed_errors_total", "Errors.", {"kind"});
  EXPECT_THROW(errors.WithLabels({}), std::invalid_argument);
  EXPECT_THROW(errors.WithLabels({"a", "b"}), std::invalid_argument);
}

TEST(MetricsRegistry, ConcurrentRecordingLosesNothing) {
  MetricsRegistry registry(WithoutProcess());
  Counter& requests = registry.AddCounter("textembed_requests_total", "Calls.");
  Histogram& latency = registry.AddHistogram("textembed_request_duration_seconds", "Latency.", {0.5});
  CounterFamily& per_model = registry.AddCounterFamily("textembed_model_requests_total", "Calls.", {"model"});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::atomic<bool> done{false};
  std::thread renderer([&] {
    while (!done.load()) {
      const std::string text = registry.Render();
      // Always self-consistent: _count equals the +Inf bucket.
      EXPECT_EQ(SampleValue(text, "textembed_request_duration_seconds_count"),
                SampleValue(text, "textembed_request_duration_seconds_bucket{le=\"+Inf\"}"));
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      Counter& mine = per_model.WithLabels({"model" + std::to_string(t % 3)});
      for (int i = 0; i < kPerThread; ++i) {
        requests.Increment();
        mine.Increment();
        latency.Observe(i % 2 == 0 ? 0.25 : 1.0);
        if (i % 1000 == 0) registry.AddGauge("textembed_g" + std::to_string(i / 1000), "Late registration.");
      }
    });
  }
  for (auto& worker : workers) worker.join();
  done = true;
  renderer.join();
  const std::string text = registry.Render();
  EXPECT_EQ(SampleValue(text, "textembed_requests_total"), kThreads * kPerThread);
  EXPECT_EQ(SampleValue(text, "textembed_request_duration_seconds_bucket{le=\"0.5\"}"), kThreads * kPerThread / 2);
  EXPECT_EQ(SampleValue(text, "textembed_request_duration_seconds_count"), kThreads * kPerThread);
  EXPECT_EQ(SampleValue(text, "textembed_request_duration_seconds_sum"),
            kThreads * kPerThread / 2 * (0.25 + 1.0));  // exact: every partial sum is a multiple of 0.25
  double per_model_total = 0;
  for (int m = 0; m < 3; ++m) {
    per_model_total += SampleValue(text, "textembed_model_requests_total{model=\"model" + std::to_string(m) + "\"}");
  }
  EXPECT_EQ(per_model_total, kThreads * kPerThread);
}

TEST(MetricsRegistry, ReportsResidentMemoryOfTheProcess) {
  MetricsRegistry registry;
  const double before = SampleValue(registry.Render(), "process_resident_memory_bytes");
  ASSERT_GT(before, 0);
  // Touch 64 MiB: resident memory must grow by about that much.
  constexpr size_t kBytes = size_t{64} << 20;
  std::vector<char> block(kBytes);
  for (size_t i = 0; i < kBytes; i += 4096) block[i] = static_cast<char>(i);
  const std::string text = registry.Render();
  const double after = SampleValue(text, "process_resident_memory_bytes");
  EXPECT_GT(after - before, 0.9 * kBytes) << text;
  EXPECT_GT(block[4096], -129);  // keep the block alive past the render
  EXPECT_GE(SampleValue(text, "process_virtual_memory_bytes"), after);
  EXPECT_GE(SampleValue(text, "process_threads"), 1);
  EXPECT_GE(SampleValue(text, "process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GT(SampleValue(text, "process_start_time_seconds"), 1.6e9);
  EXPECT_GE(SampleValue(text, "process_cpu_seconds_total"), 0);
  EXPECT_NE(text.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
}

// Runs `promtool check metrics` on the rendered text: it parses the exposition
// format strictly and lints names, suffixes and HELP.
TEST(MetricsRegistry, OutputPassesPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package 'prometheus'); cannot check the format";
  }
  MetricsRegistry registry;
  registry.AddCounter("textembed_requests_total", "Embed calls received.").Increment(5);
  registry.AddGauge("textembed_loaded_model_bytes", "Bytes of loaded models.\nSecond \\ line.").Set(1.5e9);
  CounterFamily& errors = registry.AddCounterFamily("textembed_errors_total", "Failed calls by kind.", {"kind"});
  errors.WithLabels({"invalid_argument"}).Increment();
  errors.WithLabels({"quote\" back\\slash\nnewline 日本"}).Increment();
  registry.AddCounterFamily("textembed_unused_total", "Never used.", {"kind"});
  HistogramFamily& stages = registry.AddHistogramFamily("textembed_stage_duration_seconds",
                                                        "Time per request stage.", {"stage"});
  stages.WithLabels({"tokenization"}).Observe(0.0007);
  stages.WithLabels({"inference"}).Observe(0.2);
  stages.WithLabels({"inference"}).Observe(30);
  registry.AddHistogram("textembed_batch_tokens", "Tokens per batch.", ExponentialBuckets(16, 2, 10)).Observe(300);

  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("textembed_metrics_" + std::to_string(getpid()) + ".txt");
  std::ofstream(file) << registry.Render();
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  std::ifstream rendered(file);
  const std::string text((std::istreambuf_iterator<char>(rendered)), std::istreambuf_iterator<char>());
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output << "\n--- rendered:\n" << text;
  EXPECT_EQ(output, "") << text;  // lint problems are printed even when the exit status is 0
}

}  // namespace
}  // namespace textembed::service
