/* textembed C API: text embeddings from C, Go (cgo), Python (ctypes/cffi),
 * Rust (bindgen) and anything else that calls C.
 *
 * A textembed_service owns models, a batching queue, caches and metrics (the
 * C++ textembed::Service). Every function is thread-safe. No C++ exception or
 * type crosses this interface: functions return a textembed_status and, on
 * failure, textembed_last_error() describes it (per thread, like errno).
 *
 *   textembed_config config;
 *   textembed_config_init(&config);
 *   config.model = "models/all-MiniLM-L6-v2";       // folder or hub id
 *   textembed_service* service;
 *   if (textembed_create(&config, &service) != TEXTEMBED_OK) puts(textembed_last_error());
 *   const char* texts[] = {"hello", "world"};
 *   size_t dimension;
 *   textembed_dimension(service, NULL, &dimension);
 *   float* out = malloc(2 * dimension * sizeof(float));
 *   textembed_embed(service, texts, NULL, 2, NULL, out, 2 * dimension, &dimension);
 *   textembed_destroy(service);
 *
 * Link with -ltextembed (libtextembed.so).
 */
#ifndef TEXTEMBED_TEXTEMBED_H_
#define TEXTEMBED_TEXTEMBED_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TEXTEMBED_EXPORT __attribute__((visibility("default")))
#else
#define TEXTEMBED_EXPORT
#endif

/* Bumped when a struct gains fields or a function changes. */
#define TEXTEMBED_C_API_VERSION 1

/* The status codes of textembed::Status, same numbers. */
typedef enum textembed_status {
  TEXTEMBED_OK = 0,
  TEXTEMBED_INVALID_ARGUMENT = 1,
  TEXTEMBED_NOT_FOUND = 2,
  TEXTEMBED_IO_ERROR = 3,
  TEXTEMBED_CORRUPTION = 4,
  TEXTEMBED_UNIMPLEMENTED = 5,
  TEXTEMBED_OUT_OF_RANGE = 6,
  TEXTEMBED_RESOURCE_EXHAUSTED = 7,
  TEXTEMBED_INTERNAL = 8,
  TEXTEMBED_UNAVAILABLE = 9, /* overloaded or shutting down: retry later */
  TEXTEMBED_DEADLINE_EXCEEDED = 10
} textembed_status;

/* What happens to a text longer than the model's max length. */
typedef enum textembed_long_text {
  TEXTEMBED_TRUNCATE = 0,      /* keep the first max_length tokens */
  TEXTEMBED_TRUNCATE_LEFT = 1, /* keep the last ones */
  TEXTEMBED_ERROR = 2,         /* TEXTEMBED_OUT_OF_RANGE */
  TEXTEMBED_CHUNK_MEAN = 3     /* token-weighted mean of overlapping chunks */
} textembed_long_text;

typedef struct textembed_service textembed_service;

/* Service settings. Always call textembed_config_init first: it sets the
 * defaults and struct_size, so a program built against an older header keeps
 * working with a newer library. */
typedef struct textembed_config {
  uint32_t struct_size;
  const char* model;       /* the default model: a folder or a hub id ("org/name"); may be NULL with models_dir */
  const char* model_name;  /* the name requests use for it; NULL: the folder's / id's last part */
  const char* models_dir;  /* every sub-folder with a config.json, by folder name; NULL: none */
  int threads;             /* inference threads; 0: all cores */
  size_t max_batch_tokens; /* 0: auto-tuned toward target_latency_ms */
  uint32_t max_wait_us;    /* how long a batch waits to fill (default 2000) */
  uint32_t target_latency_ms;  /* auto-tuning goal per forward pass (default 50) */
  size_t max_queued_tokens;    /* back-pressure bound (default 1 Mi tokens) */
  size_t memory_limit_bytes;   /* loaded models; 0: no limit */
  size_t cache_entries;        /* in-memory cache entries; 0: no memory cache (default 100000) */
  const char* cache_dir;       /* LMDB disk cache folder; NULL: none */
  int fixed_batch_wait;        /* 1: every batch waits up to max_wait_us; 0 (default): only while
                                  other calls arrive within it, so a lone caller never waits */
} textembed_config;

/* Per-call options; NULL where a function takes them means all defaults. */
typedef struct textembed_embed_options {
  uint32_t struct_size;
  const char* model;      /* NULL: the default model */
  int normalize;          /* -1: the model's own setting (default), 0: no, 1: L2-normalize */
  uint32_t dimensions;    /* 0: all; N: the first N, renormalized (Matryoshka) */
  const char* prompt;     /* prepended to every text (e.g. "query: "); NULL: the model's default prompt */
  textembed_long_text long_text;
  uint32_t chunk_overlap; /* tokens shared by neighbouring chunks (default 32) */
  int64_t timeout_ms;     /* 0: none; else TEXTEMBED_DEADLINE_EXCEEDED after it */
} textembed_embed_options;

TEXTEMBED_EXPORT const char* textembed_version(void); /* "0.1.0" */
TEXTEMBED_EXPORT const char* textembed_status_name(int status); /* "invalid argument", ... */

/* The message of the last failed call on this thread ("" if none). Valid
 * until the next textembed call on this thread. */
TEXTEMBED_EXPORT const char* textembed_last_error(void);

TEXTEMBED_EXPORT void textembed_config_init(textembed_config* config);
TEXTEMBED_EXPORT void textembed_embed_options_init(textembed_embed_options* options);

/* Loads the default model and starts the batcher. *service is NULL on failure. */
TEXTEMBED_EXPORT textembed_status textembed_create(const textembed_config* config, textembed_service** service);

/* Finishes queued work (up to 10 s), then frees everything. NULL is ignored.
 * Must not be called from an async callback. */
TEXTEMBED_EXPORT void textembed_destroy(textembed_service* service);

/* Loads `model` (NULL: the default) if it is not loaded and gives its output
 * dimension (dimension may be NULL). */
TEXTEMBED_EXPORT textembed_status textembed_load_model(textembed_service* service, const char* model,
                                                       size_t* dimension);
/* Same as textembed_load_model; reads better where only the size is wanted. */
TEXTEMBED_EXPORT textembed_status textembed_dimension(textembed_service* service, const char* model,
                                                      size_t* dimension);

/* Embeds `count` texts into `out`, row-major, count × dimension floats.
 * `lengths` gives each text's byte length (texts may hold NUL bytes); NULL:
 * every text is NUL-terminated. `capacity` is the number of floats `out`
 * holds: TEXTEMBED_OUT_OF_RANGE (nothing written) when it is too small.
 * *dimension (may be NULL) gets the row length. */
TEXTEMBED_EXPORT textembed_status textembed_embed(textembed_service* service, const char* const* texts,
                                                  const size_t* lengths, size_t count,
                                                  const textembed_embed_options* options, float* out,
                                                  size_t capacity, size_t* dimension);

/* Called once per textembed_embed_async call, on a service thread. On
 * success `embeddings` holds count × dimension floats, valid only during the
 * call; on failure it is NULL and `error` says why. Must not block, and must
 * not call textembed_destroy. */
typedef void (*textembed_callback)(void* user_data, textembed_status status, const char* error,
                                   const float* embeddings, size_t count, size_t dimension);

/* Queues the texts (copied before it returns) and returns at once; `done`
 * gets the result. When it returns an error, `done` is not called. */
TEXTEMBED_EXPORT textembed_status textembed_embed_async(textembed_service* service, const char* const* texts,
                                                        const size_t* lengths, size_t count,
                                                        const textembed_embed_options* options,
                                                        textembed_callback done, void* user_data);

/* The Prometheus text exposition of the service's metrics, copied into
 * `buffer` (NUL-terminated) when it holds `*size` bytes or more; *size gets
 * the bytes needed including the NUL. TEXTEMBED_OUT_OF_RANGE when too small. */
TEXTEMBED_EXPORT textembed_status textembed_metrics(textembed_service* service, char* buffer, size_t* size);

#ifdef __cplusplus
}
#endif

#endif /* TEXTEMBED_TEXTEMBED_H_ */
