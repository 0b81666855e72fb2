// The metrics a Service records itself (the cache records its own), declared
// once in one place so the names and help texts can be read together.
#pragma once

#include "service/dynamic_batcher.h"
#include "service/metrics/metrics_registry.h"
#include "service/model_registry.h"

namespace textembed::service {

struct ServiceMetrics {
  explicit ServiceMetrics(MetricsRegistry& registry);

  Counter& requests;
  Counter& texts;
  CounterFamily& errors;  // {kind}: a Status code name
  Counter& single_flight_joins;
  Counter& chunks;
  Histogram& request_seconds;
  Histogram& tokenization_seconds;
  Histogram& queue_seconds;
  Histogram& inference_seconds;
  Histogram& input_tokens;
  Histogram& batch_texts;
  Histogram& batch_tokens;
  GaugeFamily& token_budget;  // {model}
  Gauge& queued_tokens;
  Counter& model_loads;
  Counter& model_unloads;
  Counter& model_load_failures;
  Gauge& models_loaded;
  Gauge& models_loaded_bytes;

  BatcherMetrics ForBatcher(const std::string& model);
  RegistryMetrics ForRegistry();
};

}  // namespace textembed::service
