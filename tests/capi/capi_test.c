/* The C API from C: create, load, embed into a caller buffer (matching the
 * C++ results printed by `textembed embed`), async callback, errors with
 * last-error text, versioned option structs. Run by tests/integration/capi_test.sh. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textembed/textembed.h"

static int failures = 0;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n", __FILE__, \
              __LINE__, #cond, textembed_last_error());               \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

struct waiter {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int calls;
  textembed_status status;
  size_t count, dimension;
  float values[2 * 512];
  char error[256];
};

static void on_done(void* user_data, textembed_status status, const char* error, const float* embeddings,
                    size_t count, size_t dimension) {
  struct waiter* w = user_data;
  pthread_mutex_lock(&w->mutex);
  w->status = status;
  w->count = count;
  w->dimension = dimension;
  if (embeddings != NULL && count * dimension <= sizeof w->values / sizeof w->values[0])
    memcpy(w->values, embeddings, count * dimension * sizeof(float));
  snprintf(w->error, sizeof w->error, "%s", error);
  ++w->calls;
  pthread_cond_signal(&w->cond);
  pthread_mutex_unlock(&w->mutex);
}

static void wait_for(struct waiter* w, int calls) {
  pthread_mutex_lock(&w->mutex);
  while (w->calls < calls) pthread_cond_wait(&w->cond, &w->mutex);
  pthread_mutex_unlock(&w->mutex);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: capi_test MODEL_DIR OUT_F32\n");
    return 2;
  }
  CHECK(strcmp(textembed_version(), "0.1.0") == 0);
  CHECK(strcmp(textembed_status_name(TEXTEMBED_UNAVAILABLE), "unavailable") == 0);

  /* Errors: a missing model, NULL arguments. */
  textembed_config config;
  textembed_config_init(&config);
  CHECK(config.struct_size == sizeof config);
  config.model = "/nonexistent/model";
  textembed_service* service = (textembed_service*)1;
  CHECK(textembed_create(&config, &service) == TEXTEMBED_NOT_FOUND);
  CHECK(service == NULL);
  CHECK(strstr(textembed_last_error(), "/nonexistent/model") != NULL);
  CHECK(textembed_create(NULL, &service) == TEXTEMBED_INVALID_ARGUMENT);

  config.model = argv[1];
  config.threads = 1;
  config.max_wait_us = 100;
  CHECK(textembed_create(&config, &service) == TEXTEMBED_OK);
  if (service == NULL) return 1;
  size_t dimension = 0;
  CHECK(textembed_load_model(service, NULL, &dimension) == TEXTEMBED_OK);
  CHECK(dimension > 0 && dimension <= 512);
  CHECK(textembed_load_model(service, "nope", &dimension) == TEXTEMBED_NOT_FOUND);

  /* Two texts, the second with an embedded NUL byte given by length. */
  const char* texts[] = {"the C API works", "nul\0byte"};
  const size_t lengths[] = {15, 8};
  float out[2 * 512];
  size_t got_dimension = 0;
  CHECK(textembed_embed(service, texts, lengths, 2, NULL, out, 2 * dimension, &got_dimension) == TEXTEMBED_OK);
  CHECK(got_dimension == dimension);
  double norm = 0;
  for (size_t i = 0; i < dimension; ++i) norm += (double)out[i] * out[i];
  CHECK(fabs(norm - 1.0) < 1e-4); /* the model folder normalizes */
  FILE* file = fopen(argv[2], "wb"); /* the script compares it with `textembed embed --output f32` */
  CHECK(file != NULL);
  if (file != NULL) {
    fwrite(out, sizeof(float), dimension, file);
    fclose(file);
  }
  /* Too small a buffer: an error, nothing written. */
  out[0] = 42.0f;
  CHECK(textembed_embed(service, texts, lengths, 2, NULL, out, dimension, NULL) == TEXTEMBED_OUT_OF_RANGE);
  CHECK(out[0] == 42.0f);

  /* Options: Matryoshka dimensions, no normalization, a struct from an
   * "older header" (only the first fields). */
  textembed_embed_options options;
  textembed_embed_options_init(&options);
  options.dimensions = 16;
  CHECK(textembed_embed(service, texts, NULL, 1, &options, out, 16, &got_dimension) == TEXTEMBED_OK);
  CHECK(got_dimension == 16);
  options.dimensions = 100000;
  CHECK(textembed_embed(service, texts, NULL, 1, &options, out, 2 * 512, NULL) == TEXTEMBED_INVALID_ARGUMENT);
  textembed_embed_options old_struct;
  textembed_embed_options_init(&old_struct);
  old_struct.struct_size = (uint32_t)(offsetof(textembed_embed_options, normalize) + sizeof(int));
  old_struct.normalize = 0;
  old_struct.dimensions = 7; /* beyond the "old" size: ignored */
  CHECK(textembed_embed(service, texts, NULL, 1, &old_struct, out, 2 * 512, &got_dimension) == TEXTEMBED_OK);
  CHECK(got_dimension == dimension);

  /* Async: a result, then an error through the callback. */
  struct waiter w;
  memset(&w, 0, sizeof w);
  pthread_mutex_init(&w.mutex, NULL);
  pthread_cond_init(&w.cond, NULL);
  CHECK(textembed_embed_async(service, texts, lengths, 2, NULL, on_done, &w) == TEXTEMBED_OK);
  wait_for(&w, 1);
  CHECK(w.status == TEXTEMBED_OK && w.count == 2 && w.dimension == dimension);
  float sync_out[2 * 512];
  CHECK(textembed_embed(service, texts, lengths, 2, NULL, sync_out, 2 * 512, NULL) == TEXTEMBED_OK);
  CHECK(memcmp(w.values, sync_out, 2 * dimension * sizeof(float)) == 0);
  textembed_embed_options bad;
  textembed_embed_options_init(&bad);
  bad.model = "missing-model";
  CHECK(textembed_embed_async(service, texts, NULL, 1, &bad, on_done, &w) == TEXTEMBED_OK);
  wait_for(&w, 2);
  CHECK(w.status == TEXTEMBED_NOT_FOUND && strstr(w.error, "missing-model") != NULL);
  CHECK(textembed_embed_async(service, texts, NULL, 1, NULL, NULL, NULL) == TEXTEMBED_INVALID_ARGUMENT);

  /* Metrics: size query, then the text. */
  size_t size = 0;
  CHECK(textembed_metrics(service, NULL, &size) == TEXTEMBED_OUT_OF_RANGE && size > 1);
  char* metrics = malloc(size);
  CHECK(metrics != NULL && textembed_metrics(service, metrics, &size) == TEXTEMBED_OK);
  CHECK(metrics != NULL && strstr(metrics, "textembed_requests_total") != NULL);
  free(metrics);

  textembed_destroy(service);
  textembed_destroy(NULL);
  if (failures == 0) printf("capi_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
