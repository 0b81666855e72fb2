#include "service/service_metrics.h"

namespace textembed::service {

ServiceMetrics::ServiceMetrics(MetricsRegistry& m)
    : requests(m.AddCounter("textembed_requests_total", "Embed, EmbedIds and EmbedTokens calls received.")),
      texts(m.AddCounter("textembed_request_texts_total", "Texts received in those calls.")),
      errors(m.AddCounterFamily("textembed_errors_total", "Failed calls by kind (Status code).", {"kind"})),
      single_flight_joins(m.AddCounter("textembed_single_flight_joins_total",
                                       "Texts that joined identical work already in flight instead of running again.")),
      chunks(m.AddCounter("textembed_chunks_total", "Windows of long texts split for chunked embedding.")),
      request_seconds(m.AddHistogram("textembed_request_duration_seconds", "A call from arrival to its answer.")),
      tokenization_seconds(m.AddHistogram("textembed_tokenization_duration_seconds",
                                          "Tokenizing the texts of one call.")),
      queue_seconds(m.AddHistogram("textembed_queue_duration_seconds",
                                   "A sequence's wait in the batcher queue before its forward pass.")),
      inference_seconds(m.AddHistogram("textembed_inference_duration_seconds", "One packed forward pass.")),
      input_tokens(m.AddHistogram("textembed_input_length_tokens", "Tokens of each sequence sent to a model.",
                                  ExponentialBuckets(4, 2, 12))),
      batch_texts(m.AddHistogram("textembed_batch_size_texts", "Sequences in one forward pass.",
                                 ExponentialBuckets(1, 2, 11))),
      batch_tokens(m.AddHistogram("textembed_batch_size_tokens", "Tokens in one forward pass.",
                                  ExponentialBuckets(64, 2, 11))),
      token_budget(m.AddGaugeFamily("textembed_batch_token_budget",
                                    "Token budget the batcher gives the next forward pass (auto-tuned unless fixed).",
                                    {"model"})),
      queued_tokens(m.AddGauge("textembed_queued_tokens", "Tokens waiting in the batcher queues.")),
      model_loads(m.AddCounter("textembed_model_loads_total", "Models loaded.")),
      model_unloads(m.AddCounter("textembed_model_unloads_total", "Models unloaded (evicted or at shutdown).")),
      model_load_failures(m.AddCounter("textembed_model_load_failures_total",
                                       "Model loads that failed or did not fit the memory limit.")),
      models_loaded(m.AddGauge("textembed_models_loaded", "Models loaded now.")),
      models_loaded_bytes(m.AddGauge("textembed_models_loaded_bytes",
                                     "Estimated resident bytes (weights and working memory) of loaded models.")) {}

BatcherMetrics ServiceMetrics::ForBatcher(const std::string& model) {
  BatcherMetrics metrics;
  metrics.batch_texts = &batch_texts;
  metrics.batch_tokens = &batch_tokens;
  metrics.queue_seconds = &queue_seconds;
  metrics.inference_seconds = &inference_seconds;
  metrics.token_budget = &token_budget.WithLabels({model});
  metrics.queued_tokens = &queued_tokens;
  return metrics;
}

RegistryMetrics ServiceMetrics::ForRegistry() {
  RegistryMetrics metrics;
  metrics.loads = &model_loads;
  metrics.unloads = &model_unloads;
  metrics.load_failures = &model_load_failures;
  metrics.loaded_models = &models_loaded;
  metrics.loaded_bytes = &models_loaded_bytes;
  return metrics;
}

}  // namespace textembed::service
