// Service: the request path. A call resolves its model (ModelRegistry),
// answers what it can from the cache, joins identical work in flight, cuts
// the rest into windows (text_windows), queues them on the model's
// DynamicBatcher and answers when every text's TextJob has finished.
#include "textembed/service.h"

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <set>

#include "service/cache/embedding_cache.h"
#include "service/metrics/metrics_registry.h"
#include "service/model_registry.h"
#include "service/model_source.h"
#include "service/served_model.h"
#include "service/service_metrics.h"
#include "service/text_job.h"
#include "service/text_windows.h"

namespace textembed {

namespace fs = std::filesystem;
using service::Clock;
using service::ServedModel;
using service::TextOutput;

namespace {

using Outputs = std::vector<std::shared_ptr<const TextOutput>>;

// The input of one call: texts, or token ids given directly.
struct CallInput {
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> ids;
  bool by_ids = false;
  bool token_states = false;
  size_t size() const { return by_ids ? ids.size() : texts.size(); }
};

char ModeLetter(LongTextMode mode, TruncationDirection direction) {
  switch (mode) {
    case LongTextMode::kTruncate:
      return direction == TruncationDirection::kLeft ? 'L' : 'R';
    case LongTextMode::kError:
      return 'E';
    case LongTextMode::kChunkEach:
      return 'C';
    case LongTextMode::kChunkMean:
      return 'M';
  }
  return '?';
}

EmbedResult ToEmbedResult(const std::string& model, const Outputs& outputs, bool chunk_refs) {
  EmbedResult result;
  result.model = model;
  size_t rows = 0;
  for (const auto& output : outputs) {
    rows += output->rows;
    result.embeddings.dimension = output->dimension;
    result.prompt_tokens += output->tokens;
    if (output->tokens == 0) ++result.cache_hits;
  }
  result.embeddings.rows = rows;
  result.embeddings.values.reserve(rows * result.embeddings.dimension);
  for (size_t t = 0; t < outputs.size(); ++t) {
    const TextOutput& output = *outputs[t];
    result.embeddings.values.insert(result.embeddings.values.end(), output.values.begin(), output.values.end());
    if (!chunk_refs) continue;
    for (const TextOutput::Chunk& chunk : output.chunks)
      result.chunks.push_back(ChunkRef{static_cast<uint32_t>(t), chunk.bytes, chunk.tokens});
  }
  return result;
}

}  // namespace

struct Service::Impl {
  ServiceOptions options;
  service::MetricsRegistry metrics_registry;
  service::ServiceMetrics metrics{metrics_registry};
  std::shared_ptr<std::mutex> compute = std::make_shared<std::mutex>();
  std::shared_ptr<service::QueueBudget> queue;
  std::unique_ptr<service::EmbeddingCache> cache;
  std::unique_ptr<service::ModelRegistry> registry;

  std::atomic<bool> accepting{true};
  std::mutex shutdown_mutex;
  bool shut_down = false;  // guarded by shutdown_mutex
  // Calls between arrival and answer; Shutdown waits for them.
  std::mutex active_mutex;
  std::condition_variable active_changed;
  size_t active = 0;

  using Done = std::function<void(Result<Outputs>, const std::string& model)>;

  Result<std::shared_ptr<service::RegisteredModel>> LoadModel(const ModelSpec& spec);
  // Runs one call; `done` gets the outputs per text (or the error), once, on
  // this thread or a batcher thread.
  void Start(CallInput input, const EmbedOptions& options, Done done);
  Status StartOrError(CallInput& input, const EmbedOptions& options, const Done& done);
  void CountError(const Status& status);
  Status Warm();
  Result<Outputs> RunSync(CallInput input, const EmbedOptions& options, std::string* model);
};

Result<std::shared_ptr<service::RegisteredModel>> Service::Impl::LoadModel(const ModelSpec& spec) {
  TEXTEMBED_ASSIGN_OR_RETURN(fs::path folder, service::ResolveModelSource(spec, options.hub));
  service::ServedModelOptions served;
  served.embedder.threads = options.threads;
  served.embedder.max_length = options.max_length;
  served.batcher.max_batch_tokens = options.batching.max_batch_tokens;
  served.batcher.max_wait = options.batching.max_wait;
  served.batcher.adaptive_wait = options.batching.adaptive_wait;
  served.batcher.tuner.target_latency = options.batching.target_latency;
  served.fingerprint = cache != nullptr;
  TEXTEMBED_ASSIGN_OR_RETURN(std::shared_ptr<ServedModel> model,
                             ServedModel::Load(spec.name, folder, served, compute, queue,
                                               metrics.ForBatcher(spec.name)));
  return std::shared_ptr<service::RegisteredModel>(std::move(model));
}

void Service::Impl::CountError(const Status& status) {
  metrics.errors.WithLabels({CodeName(status.code())}).Increment();
}

void Service::Impl::Start(CallInput input, const EmbedOptions& options, Done done) {
  metrics.requests.Increment();
  metrics.texts.Increment(static_cast<double>(input.size()));
  {
    std::lock_guard lock(active_mutex);
    ++active;
  }
  // Every answer passes here: metrics, then the caller, then the count
  // Shutdown waits on.
  const Clock::time_point arrived = Clock::now();
  auto answer = std::make_shared<Done>([this, arrived, done = std::move(done)](Result<Outputs> outputs,
                                                                               const std::string& model) {
    metrics.request_seconds.ObserveDuration(Clock::now() - arrived);
    if (!outputs.ok()) CountError(outputs.status());
    done(std::move(outputs), model);
    std::lock_guard lock(active_mutex);
    --active;
    active_changed.notify_all();
  });
  Status status = StartOrError(input, options, [answer](Result<Outputs> outputs, const std::string& model) {
    (*answer)(std::move(outputs), model);
  });
  if (!status.ok()) (*answer)(status, options.model);
}

// Returns an error only when nothing was queued and `done` was not called.
Status Service::Impl::StartOrError(CallInput& input, const EmbedOptions& options, const Done& done) {
  if (!accepting.load()) return Status::Unavailable("the service is shutting down");
  if (options.deadline && Clock::now() >= *options.deadline)
    return Status::DeadlineExceeded("the deadline passed before the call started");
  TEXTEMBED_ASSIGN_OR_RETURN(service::ModelLease lease, registry->Acquire(options.model));
  auto model = std::static_pointer_cast<ServedModel>(lease.shared());
  const std::string model_name = lease.name();
  const ModelInfo& info = model->info();

  // Per-call options, checked before any work.
  const bool chunked = options.long_text == LongTextMode::kChunkEach || options.long_text == LongTextMode::kChunkMean;
  if (input.token_states && chunked)
    return Status::InvalidArgument("token-level outputs take truncation, not chunking");
  if (options.dimensions && (*options.dimensions == 0 || *options.dimensions > info.dimension))
    return Status::InvalidArgument("dimensions must be between 1 and the model's " + std::to_string(info.dimension));
  if (input.token_states && options.dimensions)
    return Status::InvalidArgument("dimensions do not apply to token-level outputs");
  std::string prompt = options.prompt;
  if (options.prompt_name) {
    if (!prompt.empty()) return Status::InvalidArgument("give a prompt or a prompt_name, not both");
    auto it = model->prompts().by_name.find(*options.prompt_name);
    if (it == model->prompts().by_name.end()) {
      std::string known;
      for (const auto& [name, text] : model->prompts().by_name) known += (known.empty() ? "" : ", ") + name;
      return Status::InvalidArgument("model \"" + model_name + "\" has no prompt named \"" + *options.prompt_name +
                                     "\" (it has: " + (known.empty() ? "none" : known) + ")");
    }
    prompt = it->second;
  } else if (prompt.empty() && model->prompts().default_name) {
    prompt = model->prompts().by_name.at(*model->prompts().default_name);
  }
  service::WindowOptions windows;
  windows.max_length = info.max_length;
  windows.mode = options.long_text;
  windows.direction = options.truncation_direction;
  windows.overlap = chunked ? options.chunk_overlap : 0;
  TEXTEMBED_RETURN_IF_ERROR(service::CheckWindowOptions(model->layout(), windows));

  service::JobSpec spec;
  spec.mode = options.long_text;
  spec.token_states = input.token_states;
  spec.vector.normalize = options.normalize.value_or(info.normalize);
  spec.vector.dimensions = options.dimensions;
  spec.vector.renormalize_dimensions = options.normalize.value_or(true);
  // Everything besides the text that changes the vector.
  const std::string signature = "n=" + std::to_string(spec.vector.normalize) +
                                ";d=" + std::to_string(options.dimensions.value_or(0)) +
                                ";r=" + std::to_string(spec.vector.renormalize_dimensions) +
                                ";L=" + std::to_string(info.max_length) + ";t=" +
                                ModeLetter(options.long_text, options.truncation_direction) +
                                ";o=" + std::to_string(windows.overlap) + ";p=" + std::to_string(prompt.size()) +
                                ":" + prompt;
  const bool keyed = !input.by_ids && !input.token_states;
  const bool cached = keyed && options.use_cache && cache != nullptr && options.long_text != LongTextMode::kChunkEach;
  const service::Hash128 fingerprint = model->fingerprint().value_or(service::Hash128{});

  const size_t n = input.size();
  auto request = std::make_shared<service::RequestState>(
      n, [done, model_name, lease = std::make_shared<service::ModelLease>(std::move(lease))](Result<Outputs> outputs) {
        lease->Reset();  // the model is free for eviction before the caller hears back
        done(std::move(outputs), model_name);
      });
  if (n == 0) {
    done(Outputs{}, model_name);
    return Status::Ok();
  }

  struct NewJob {
    size_t text;
    std::shared_ptr<service::TextJob> job;
  };
  std::vector<NewJob> new_jobs;
  std::vector<float> hit;
  for (size_t i = 0; i < n; ++i) {
    service::JobSpec job_spec = spec;
    if (keyed) {
      job_spec.key = service::CacheKey::Make(fingerprint, signature, input.texts[i]);
      if (cached) {
        job_spec.cache = cache.get();
        if (options.use_cache && cache->Get(*job_spec.key, &hit) != service::CacheLevel::kMiss) {
          auto output = std::make_shared<TextOutput>();
          output->rows = 1;
          output->dimension = hit.size();
          output->values = std::move(hit);
          request->Deliver(i, std::move(output));
          continue;
        }
      }
      std::lock_guard lock(model->inflight_mutex());
      auto& table = model->inflight();
      if (auto it = table.find(*job_spec.key); it != table.end()) {
        it->second->AddWaiter(request, i, options.deadline);
        metrics.single_flight_joins.Increment();
        continue;
      }
      auto job = std::make_shared<service::TextJob>(model, job_spec, options.deadline);
      job->AddWaiter(request, i, options.deadline);
      table.emplace(*job_spec.key, job);
      new_jobs.push_back({i, std::move(job)});
    } else {
      auto job = std::make_shared<service::TextJob>(model, job_spec, options.deadline);
      job->AddWaiter(request, i, options.deadline);
      new_jobs.push_back({i, std::move(job)});
    }
  }

  // Tokenize on the caller's thread; the batcher thread only runs passes.
  std::vector<service::BatchItem> items;
  std::vector<std::shared_ptr<service::TextJob>> queued_jobs;
  {
    service::ScopedTimer timer(metrics.tokenization_seconds);
    std::vector<int32_t> prompt_ids;
    if (input.by_ids && !prompt.empty()) {
      EncodeOptions encode;
      encode.add_special_tokens = false;
      encode.max_length = 0;
      Result<Encoding> encoded = model->embedder().tokenizer().Encode(prompt, encode);
      if (!encoded.ok()) {
        for (NewJob& job : new_jobs) job.job->Fail(encoded.status().WithContext("prompt"));
        return Status::Ok();
      }
      prompt_ids = std::move(encoded->ids);
    }
    for (NewJob& job : new_jobs) {
      Result<std::vector<service::TextWindow>> cut =
          input.by_ids ? service::MakeIdWindows(model->layout(), prompt_ids, input.ids[job.text], windows)
                       : service::MakeTextWindows(model->embedder().tokenizer(), model->layout(), prompt,
                                                  input.texts[job.text], windows);
      if (!cut.ok()) {
        job.job->Fail(cut.status().WithContext("text " + std::to_string(job.text)));
        continue;
      }
      if (cut->size() > 1) metrics.chunks.Increment(static_cast<double>(cut->size()));
      for (const service::TextWindow& window : *cut) metrics.input_tokens.Observe(static_cast<double>(window.ids.size()));
      std::vector<service::BatchItem> job_items = job.job->MakeItems(std::move(cut).value());
      items.insert(items.end(), std::make_move_iterator(job_items.begin()), std::make_move_iterator(job_items.end()));
      queued_jobs.push_back(job.job);
    }
  }
  if (items.empty()) return Status::Ok();
  if (request->finished()) {
    // A text failed: the call is answered, but identical texts other calls
    // joined still need their jobs, so they run anyway.
  }
  Status submitted = model->batcher().Submit(std::move(items));
  if (!submitted.ok())
    for (const auto& job : queued_jobs) job->Fail(submitted);
  return Status::Ok();
}

Result<Outputs> Service::Impl::RunSync(CallInput input, const EmbedOptions& options, std::string* model) {
  using Answer = std::pair<Result<Outputs>, std::string>;
  auto promise = std::make_shared<std::promise<Answer>>();
  std::future<Answer> future = promise->get_future();
  Start(std::move(input), options, [promise](Result<Outputs> outputs, const std::string& name) {
    promise->set_value(Answer(std::move(outputs), name));
  });
  if (options.deadline && future.wait_until(*options.deadline) == std::future_status::timeout) {
    const Status late = Status::DeadlineExceeded("the deadline passed before the embeddings were ready");
    CountError(late);
    return late;
  }
  Answer answer = future.get();
  if (model != nullptr) *model = answer.second;
  return std::move(answer.first);
}

Status Service::Impl::Warm() {
  if (options.cache.warm_file.empty() || cache == nullptr) return Status::Ok();
  std::ifstream in(options.cache.warm_file);
  if (!in) return Status::NotFound("cache warm file " + options.cache.warm_file.string() + " cannot be read");
  EmbedOptions warm;
  warm.model = options.cache.warm_model;
  CallInput block;
  auto flush = [&]() -> Status {
    if (block.texts.empty()) return Status::Ok();
    Result<Outputs> outputs = RunSync(std::move(block), warm, nullptr);
    block = CallInput{};
    return outputs.ok() ? Status::Ok() : outputs.status().WithContext("warming the cache");
  };
  for (std::string line; std::getline(in, line);) {
    block.texts.push_back(std::move(line));
    if (block.texts.size() == 256) TEXTEMBED_RETURN_IF_ERROR(flush());
  }
  TEXTEMBED_RETURN_IF_ERROR(flush());
  return cache->Flush();
}

Result<std::unique_ptr<Service>> Service::Create(const ServiceOptions& options) {
  if (options.threads < 0) return Status::InvalidArgument("threads must be 0 (all cores) or positive");
  if (options.max_length && *options.max_length == 0) return Status::InvalidArgument("max_length must be positive");
  TEXTEMBED_ASSIGN_OR_RETURN(std::vector<ModelSpec> specs,
                             service::CollectModelSpecs(options.models, options.models_dir));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->queue = std::make_shared<service::QueueBudget>(options.batching.max_queued_tokens);
  const CacheOptions& cache = options.cache;
  if ((cache.memory_max_entries > 0 && cache.memory_max_bytes > 0) || !cache.disk_dir.empty()) {
    service::EmbeddingCacheOptions cache_options;
    cache_options.memory_max_entries = cache.memory_max_bytes > 0 ? cache.memory_max_entries : 0;
    cache_options.memory_max_bytes = cache.memory_max_bytes;
    cache_options.disk_dir = cache.disk_dir;
    cache_options.disk_max_bytes = cache.disk_max_bytes;
    TEXTEMBED_ASSIGN_OR_RETURN(impl->cache, service::EmbeddingCache::Open(cache_options, &impl->metrics_registry));
  }
  Impl* raw = impl.get();
  impl->registry = std::make_unique<service::ModelRegistry>(
      std::move(specs), options.memory_limit_bytes,
      [raw](const ModelSpec& spec) { return raw->LoadModel(spec); }, impl->metrics.ForRegistry());
  {
    TEXTEMBED_ASSIGN_OR_RETURN(service::ModelLease lease, impl->registry->Acquire(""));
  }
  TEXTEMBED_RETURN_IF_ERROR(impl->Warm());
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() { (void)Shutdown(std::chrono::seconds(2)); }

Result<EmbedResult> Service::Embed(const std::vector<std::string>& texts, const EmbedOptions& options) {
  CallInput input;
  input.texts = texts;
  std::string model;
  TEXTEMBED_ASSIGN_OR_RETURN(Outputs outputs, impl_->RunSync(std::move(input), options, &model));
  return ToEmbedResult(model, outputs, options.long_text == LongTextMode::kChunkEach);
}

Result<EmbedResult> Service::EmbedIds(const std::vector<std::vector<int32_t>>& ids, const EmbedOptions& options) {
  CallInput input;
  input.ids = ids;
  input.by_ids = true;
  std::string model;
  TEXTEMBED_ASSIGN_OR_RETURN(Outputs outputs, impl_->RunSync(std::move(input), options, &model));
  return ToEmbedResult(model, outputs, options.long_text == LongTextMode::kChunkEach);
}

void Service::EmbedAsync(std::vector<std::string> texts, EmbedOptions options,
                         std::function<void(Result<EmbedResult>)> done) {
  CallInput input;
  input.texts = std::move(texts);
  const bool chunk_refs = options.long_text == LongTextMode::kChunkEach;
  impl_->Start(std::move(input), options,
               [done = std::move(done), chunk_refs](Result<Outputs> outputs, const std::string& model) {
                 if (!outputs.ok()) {
                   done(outputs.status());
                 } else {
                   done(ToEmbedResult(model, *outputs, chunk_refs));
                 }
               });
}

std::future<Result<EmbedResult>> Service::EmbedAsync(std::vector<std::string> texts, EmbedOptions options) {
  auto promise = std::make_shared<std::promise<Result<EmbedResult>>>();
  std::future<Result<EmbedResult>> future = promise->get_future();
  EmbedAsync(std::move(texts), std::move(options),
             [promise](Result<EmbedResult> result) { promise->set_value(std::move(result)); });
  return future;
}

Result<TokenEmbeddings> Service::EmbedTokens(const std::vector<std::string>& texts, const EmbedOptions& options) {
  CallInput input;
  input.texts = texts;
  input.token_states = true;
  std::string model;
  TEXTEMBED_ASSIGN_OR_RETURN(Outputs outputs, impl_->RunSync(std::move(input), options, &model));
  TokenEmbeddings result;
  result.model = model;
  for (const auto& output : outputs) {
    Embeddings states;
    states.rows = output->rows;
    states.dimension = output->dimension;
    states.values = output->values;
    result.prompt_tokens += output->tokens;
    result.per_text.push_back(std::move(states));
  }
  return result;
}

Result<Encoding> Service::Tokenize(const std::string& model, std::string_view text, bool add_special_tokens) {
  TEXTEMBED_ASSIGN_OR_RETURN(service::ModelLease lease, impl_->registry->Acquire(model));
  EncodeOptions encode;
  encode.add_special_tokens = add_special_tokens;
  encode.max_length = 0;
  return static_cast<ServedModel*>(lease.get())->embedder().tokenizer().Encode(text, encode);
}

Result<std::string> Service::Decode(const std::string& model, const std::vector<int32_t>& ids,
                                    bool skip_special_tokens) {
  TEXTEMBED_ASSIGN_OR_RETURN(service::ModelLease lease, impl_->registry->Acquire(model));
  return static_cast<ServedModel*>(lease.get())->embedder().tokenizer().Decode(ids, skip_special_tokens);
}

Result<ModelInfo> Service::Info(const std::string& model) {
  TEXTEMBED_ASSIGN_OR_RETURN(service::ModelLease lease, impl_->registry->Acquire(model));
  ModelInfo info = static_cast<ServedModel*>(lease.get())->info();
  info.name = lease.name();
  return info;
}

std::vector<LoadedModelInfo> Service::Models() const {
  std::vector<LoadedModelInfo> models;
  for (const service::ModelRegistry::Snapshot& entry : impl_->registry->List()) {
    LoadedModelInfo model;
    model.name = entry.spec.name;
    model.source = entry.spec.source;
    if (entry.model) {
      model.loaded = true;
      model.bytes = entry.model->bytes();
      model.info = static_cast<ServedModel*>(entry.model.get())->info();
      model.info.name = entry.spec.name;
    }
    models.push_back(std::move(model));
  }
  return models;
}

const std::string& Service::default_model() const { return impl_->registry->default_name(); }

Status Service::InvalidateCache(const std::string& model) {
  if (!impl_->registry->Knows(model)) return Status::NotFound("unknown model \"" + model + "\"");
  if (impl_->cache == nullptr) return Status::Ok();
  TEXTEMBED_ASSIGN_OR_RETURN(service::ModelLease lease, impl_->registry->Acquire(model));
  const auto& fingerprint = static_cast<ServedModel*>(lease.get())->fingerprint();
  return fingerprint ? impl_->cache->InvalidateModel(*fingerprint) : Status::Ok();
}

Status Service::ClearCache() { return impl_->cache == nullptr ? Status::Ok() : impl_->cache->Clear(); }

std::string Service::RenderMetrics() const { return impl_->metrics_registry.Render(); }

Status Service::Shutdown(std::chrono::milliseconds grace) {
  std::lock_guard shutdown_lock(impl_->shutdown_mutex);
  if (impl_->shut_down) return Status::Ok();
  impl_->shut_down = true;
  impl_->accepting = false;
  const Clock::time_point drain_until = Clock::now() + grace;
  // Each batcher finishes its queue (or fails what is left at drain_until).
  for (const service::ModelRegistry::Snapshot& entry : impl_->registry->List())
    if (entry.model) static_cast<ServedModel*>(entry.model.get())->batcher().Stop(drain_until);
  {
    // Calls that were between arrival and queueing answer promptly now.
    std::unique_lock lock(impl_->active_mutex);
    impl_->active_changed.wait_until(lock, std::max(drain_until, Clock::now()) + std::chrono::seconds(1),
                                     [&] { return impl_->active == 0; });
  }
  Status flushed = impl_->cache != nullptr ? impl_->cache->Flush() : Status::Ok();
  impl_->registry->UnloadIdle();
  return flushed;
}

}  // namespace textembed
