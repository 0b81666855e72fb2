/* Embeds the texts given on the command line with the textembed C API, once
 * synchronously and once through the async call, and prints the cosine
 * similarity of each text to the first.
 *
 *   cc -std=c11 embed.c -I include -L build/release -ltextembed -lm -o embed
 *   LD_LIBRARY_PATH=build/release ./embed ../shared/models/minilm-l6-random "a cat" "a dog" "stocks fell"
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "textembed/textembed.h"

/* What the async callback hands back to main(). */
struct async_result {
  pthread_mutex_t mutex;
  pthread_cond_t done;
  int finished;
  textembed_status status;
  float first_value;
};

static void on_embedded(void* user_data, textembed_status status, const char* error, const float* embeddings,
                        size_t count, size_t dimension) {
  struct async_result* result = user_data;
  pthread_mutex_lock(&result->mutex);
  result->status = status;
  if (status == TEXTEMBED_OK && count > 0 && dimension > 0) result->first_value = embeddings[0];
  if (status != TEXTEMBED_OK) fprintf(stderr, "async: %s\n", error);
  result->finished = 1;
  pthread_cond_signal(&result->done);
  pthread_mutex_unlock(&result->mutex);
}

static double cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    ab += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  return ab / sqrt(aa * bb);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL_DIR_OR_HUB_ID TEXT...\n", argv[0]);
    return 2;
  }
  printf("textembed %s\n", textembed_version());
  textembed_config config;
  textembed_config_init(&config);
  config.model = argv[1];
  textembed_service* service = NULL;
  if (textembed_create(&config, &service) != TEXTEMBED_OK) {
    fprintf(stderr, "create: %s\n", textembed_last_error());
    return 1;
  }
  size_t dimension = 0;
  textembed_dimension(service, NULL, &dimension);
  const size_t count = (size_t)(argc - 2);
  const char* const* texts = (const char* const*)(argv + 2);
  float* vectors = malloc(count * dimension * sizeof(float));
  if (vectors == NULL || textembed_embed(service, texts, NULL, count, NULL, vectors, count * dimension, NULL) !=
                             TEXTEMBED_OK) {
    fprintf(stderr, "embed: %s\n", textembed_last_error());
    textembed_destroy(service);
    return 1;
  }
  for (size_t i = 0; i < count; ++i)
    printf("%zu\t%.6f\t%s\n", i, cosine(vectors, vectors + i * dimension, dimension), texts[i]);

  struct async_result result = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, TEXTEMBED_OK, 0.0f};
  if (textembed_embed_async(service, texts, NULL, 1, NULL, on_embedded, &result) != TEXTEMBED_OK) {
    fprintf(stderr, "embed_async: %s\n", textembed_last_error());
  } else {
    pthread_mutex_lock(&result.mutex);
    while (!result.finished) pthread_cond_wait(&result.done, &result.mutex);
    pthread_mutex_unlock(&result.mutex);
    printf("async: %s, first value %s the sync call's\n", textembed_status_name(result.status),
           result.first_value == vectors[0] ? "equals" : "differs from");
  }
  free(vectors);
  textembed_destroy(service);
  return 0;
}
