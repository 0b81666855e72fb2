// The C API over textembed::Service. Every entry point catches everything:
// no C++ exception or type reaches a C caller. Errors are kept per thread
// (textembed_last_error), as errno is.
#include "textembed/textembed.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "textembed/service.h"

struct textembed_service {
  std::unique_ptr<textembed::Service> service;
};

namespace {

using textembed::Status;

thread_local std::string last_error;

textembed_status Report(const Status& status) {
  last_error = status.ok() ? std::string() : status.ToString();
  return static_cast<textembed_status>(status.code());
}

textembed_status ReportException() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Report(Status::ResourceExhausted("out of memory"));
  } catch (const std::exception& e) {
    return Report(Status::Internal(std::string("unexpected C++ exception: ") + e.what()));
  } catch (...) {
    return Report(Status::Internal("unexpected C++ exception"));
  }
}

// Runs `body` (returning a Status), turning exceptions into codes.
template <typename Body>
textembed_status Guard(Body&& body) {
  try {
    return Report(body());
  } catch (...) {
    return ReportException();
  }
}

// A struct from a caller built against an older header is shorter: only the
// fields it has are read, the rest keep their defaults.
template <typename T>
T ReadVersioned(const T* given, void (*init)(T*)) {
  T value;
  init(&value);
  if (given != nullptr) {
    const size_t size = std::min<size_t>(given->struct_size, sizeof(T));
    std::memcpy(static_cast<void*>(&value), given, size);
    value.struct_size = sizeof(T);
  }
  return value;
}

Status CheckService(const textembed_service* service) {
  return service == nullptr || service->service == nullptr ? Status::InvalidArgument("service is NULL") : Status::Ok();
}

Status ReadTexts(const char* const* texts, const size_t* lengths, size_t count, std::vector<std::string>* out) {
  if (count > 0 && texts == nullptr) return Status::InvalidArgument("texts is NULL");
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (texts[i] == nullptr) return Status::InvalidArgument("text " + std::to_string(i) + " is NULL");
    out->emplace_back(texts[i], lengths != nullptr ? lengths[i] : std::strlen(texts[i]));
  }
  return Status::Ok();
}

Status ToEmbedOptions(const textembed_embed_options* given, textembed::EmbedOptions* options) {
  const textembed_embed_options c = ReadVersioned(given, textembed_embed_options_init);
  if (c.model != nullptr) options->model = c.model;
  if (c.normalize == 0 || c.normalize == 1) {
    options->normalize = c.normalize == 1;
  } else if (c.normalize != -1) {
    return Status::InvalidArgument("normalize must be -1, 0 or 1");
  }
  if (c.dimensions != 0) options->dimensions = c.dimensions;
  if (c.prompt != nullptr) options->prompt = c.prompt;
  switch (c.long_text) {
    case TEXTEMBED_TRUNCATE:
      break;
    case TEXTEMBED_TRUNCATE_LEFT:
      options->truncation_direction = textembed::TruncationDirection::kLeft;
      break;
    case TEXTEMBED_ERROR:
      options->long_text = textembed::LongTextMode::kError;
      break;
    case TEXTEMBED_CHUNK_MEAN:
      options->long_text = textembed::LongTextMode::kChunkMean;
      break;
    default:
      return Status::InvalidArgument("unknown long_text mode " + std::to_string(static_cast<int>(c.long_text)));
  }
  options->chunk_overlap = c.chunk_overlap;
  if (c.timeout_ms < 0) return Status::InvalidArgument("timeout_ms must not be negative");
  if (c.timeout_ms > 0) options->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(c.timeout_ms);
  return Status::Ok();
}

}  // namespace

extern "C" {

const char* textembed_version(void) { return "0.1.0"; }

const char* textembed_status_name(int status) {
  if (status < 0 || status > TEXTEMBED_DEADLINE_EXCEEDED) return "unknown status";
  return textembed::CodeName(static_cast<Status::Code>(status));
}

const char* textembed_last_error(void) { return last_error.c_str(); }

void textembed_config_init(textembed_config* config) {
  if (config == nullptr) return;
  std::memset(static_cast<void*>(config), 0, sizeof *config);
  config->struct_size = sizeof *config;
  const textembed::ServiceOptions defaults;
  config->max_wait_us = static_cast<uint32_t>(defaults.batching.max_wait.count());
  config->target_latency_ms = static_cast<uint32_t>(defaults.batching.target_latency.count());
  config->max_queued_tokens = defaults.batching.max_queued_tokens;
  config->cache_entries = defaults.cache.memory_max_entries;
}

void textembed_embed_options_init(textembed_embed_options* options) {
  if (options == nullptr) return;
  std::memset(static_cast<void*>(options), 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->normalize = -1;
  options->long_text = TEXTEMBED_TRUNCATE;
  options->chunk_overlap = static_cast<uint32_t>(textembed::EmbedOptions{}.chunk_overlap);
}

textembed_status textembed_create(const textembed_config* given, textembed_service** out) {
  if (out != nullptr) *out = nullptr;
  return Guard([&]() -> Status {
    if (out == nullptr) return Status::InvalidArgument("service (the output pointer) is NULL");
    if (given == nullptr) return Status::InvalidArgument("config is NULL");
    const textembed_config c = ReadVersioned(given, textembed_config_init);
    textembed::ServiceOptions options;
    if (c.model != nullptr && *c.model != '\0') {
      std::string name = c.model_name != nullptr && *c.model_name != '\0'
                             ? c.model_name
                             : std::filesystem::path(c.model).lexically_normal().filename().string();
      if (name.empty()) name = std::filesystem::path(c.model).lexically_normal().parent_path().filename().string();
      options.models.push_back(textembed::ModelSpec{name, c.model, "main"});
    }
    if (c.models_dir != nullptr) options.models_dir = c.models_dir;
    if (c.threads < 0) return Status::InvalidArgument("threads must be 0 (all cores) or positive");
    options.threads = c.threads;
    options.batching.max_batch_tokens = c.max_batch_tokens;
    options.batching.max_wait = std::chrono::microseconds(c.max_wait_us);
    options.batching.adaptive_wait = c.fixed_batch_wait == 0;
    if (c.target_latency_ms > 0) options.batching.target_latency = std::chrono::milliseconds(c.target_latency_ms);
    if (c.max_queued_tokens > 0) options.batching.max_queued_tokens = c.max_queued_tokens;
    options.memory_limit_bytes = c.memory_limit_bytes;
    options.cache.memory_max_entries = c.cache_entries;
    if (c.cache_dir != nullptr) options.cache.disk_dir = c.cache_dir;
    TEXTEMBED_ASSIGN_OR_RETURN(std::unique_ptr<textembed::Service> service, textembed::Service::Create(options));
    *out = new textembed_service{std::move(service)};
    return Status::Ok();
  });
}

void textembed_destroy(textembed_service* service) {
  try {
    if (service == nullptr) return;
    if (service->service) (void)service->service->Shutdown(std::chrono::seconds(10));
    delete service;
  } catch (...) {
    (void)ReportException();
  }
}

textembed_status textembed_load_model(textembed_service* service, const char* model, size_t* dimension) {
  return Guard([&]() -> Status {
    TEXTEMBED_RETURN_IF_ERROR(CheckService(service));
    TEXTEMBED_ASSIGN_OR_RETURN(textembed::ModelInfo info, service->service->Info(model != nullptr ? model : ""));
    if (dimension != nullptr) *dimension = info.dimension;
    return Status::Ok();
  });
}

textembed_status textembed_dimension(textembed_service* service, const char* model, size_t* dimension) {
  return textembed_load_model(service, model, dimension);
}

textembed_status textembed_embed(textembed_service* service, const char* const* texts, const size_t* lengths,
                                 size_t count, const textembed_embed_options* given, float* out, size_t capacity,
                                 size_t* dimension) {
  return Guard([&]() -> Status {
    TEXTEMBED_RETURN_IF_ERROR(CheckService(service));
    std::vector<std::string> inputs;
    TEXTEMBED_RETURN_IF_ERROR(ReadTexts(texts, lengths, count, &inputs));
    textembed::EmbedOptions options;
    TEXTEMBED_RETURN_IF_ERROR(ToEmbedOptions(given, &options));
    if (count > 0 && out == nullptr) return Status::InvalidArgument("out is NULL");
    TEXTEMBED_ASSIGN_OR_RETURN(textembed::EmbedResult result, service->service->Embed(inputs, options));
    const std::vector<float>& values = result.embeddings.values;
    if (values.size() > capacity)
      return Status::OutOfRange("out holds " + std::to_string(capacity) + " floats; " + std::to_string(count) +
                                " embeddings of " + std::to_string(result.embeddings.dimension) + " need " +
                                std::to_string(values.size()));
    std::copy(values.begin(), values.end(), out);
    if (dimension != nullptr) *dimension = result.embeddings.dimension;
    return Status::Ok();
  });
}

textembed_status textembed_embed_async(textembed_service* service, const char* const* texts, const size_t* lengths,
                                       size_t count, const textembed_embed_options* given, textembed_callback done,
                                       void* user_data) {
  return Guard([&]() -> Status {
    TEXTEMBED_RETURN_IF_ERROR(CheckService(service));
    if (done == nullptr) return Status::InvalidArgument("callback is NULL");
    std::vector<std::string> inputs;
    TEXTEMBED_RETURN_IF_ERROR(ReadTexts(texts, lengths, count, &inputs));
    textembed::EmbedOptions options;
    TEXTEMBED_RETURN_IF_ERROR(ToEmbedOptions(given, &options));
    service->service->EmbedAsync(std::move(inputs), std::move(options),
                                 [done, user_data](textembed::Result<textembed::EmbedResult> result) {
                                   // A C callback cannot take an exception; none may leave here.
                                   try {
                                     if (result.ok()) {
                                       done(user_data, TEXTEMBED_OK, "", result->embeddings.values.data(),
                                            result->embeddings.rows, result->embeddings.dimension);
                                     } else {
                                       const std::string message = result.status().ToString();
                                       done(user_data, static_cast<textembed_status>(result.status().code()),
                                            message.c_str(), nullptr, 0, 0);
                                     }
                                   } catch (...) {
                                   }
                                 });
    return Status::Ok();
  });
}

textembed_status textembed_metrics(textembed_service* service, char* buffer, size_t* size) {
  return Guard([&]() -> Status {
    TEXTEMBED_RETURN_IF_ERROR(CheckService(service));
    if (size == nullptr) return Status::InvalidArgument("size is NULL");
    const std::string text = service->service->RenderMetrics();
    const size_t capacity = *size;
    *size = text.size() + 1;
    if (buffer == nullptr || capacity < text.size() + 1)
      return Status::OutOfRange("the metrics need " + std::to_string(text.size() + 1) + " bytes");
    std::memcpy(buffer, text.c_str(), text.size() + 1);
    return Status::Ok();
  });
}

}  // extern "C"
