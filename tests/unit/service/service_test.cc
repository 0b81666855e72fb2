// The Service end to end on the small test model: results equal the
// Embedder's, per-call options (normalize, dimensions, prompts, chunking,
// token outputs, ids), cache, single flight, back-pressure, deadlines,
// registry eviction while requests are in flight, shutdown.
#include "textembed/service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "service_test_util.h"

namespace textembed {
namespace {

using namespace std::chrono_literals;
using testing::MaxAbsDiff;
using testing::Norm;
using testing::TinyServiceOptions;

std::unique_ptr<Service> MakeService(const ServiceOptions& options = TinyServiceOptions()) {
  auto service = Service::Create(options);
  EXPECT_TRUE(service.ok()) << service.status().ToString();
  return service.ok() ? std::move(service).value() : nullptr;
}

std::string LongText() {
  std::string text;
  for (int i = 0; i < 12; ++i) text += "Sentence number " + std::to_string(i) + " talks about a different topic. ";
  return text;
}

TEST(ServiceTest, EmbedMatchesTheEmbedder) {
  auto service = MakeService();
  ASSERT_TRUE(service);
  const std::vector<std::string> texts = testing::SampleSentences(40);
  auto result = service->Embed(texts);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->model, "tiny");
  EXPECT_EQ(result->embeddings.rows, texts.size());
  EXPECT_EQ(result->embeddings.dimension, 128u);
  EXPECT_GT(result->prompt_tokens, texts.size() * 2);
  EmbedderOptions options;
  options.threads = testing::ServiceTestThreads();
  auto embedder = Embedder::Open(testing::TinyModel(), options);
  ASSERT_TRUE(embedder.ok());
  auto expected = embedder->Embed(texts);
  ASSERT_TRUE(expected.ok());
  for (size_t i = 0; i < texts.size(); ++i)
    EXPECT_LT(MaxAbsDiff(result->embeddings.row(i), expected->row(i)), 1e-5) << "text " << i;
}

TEST(ServiceTest, NormalizeDimensionsAndPrompt) {
  auto service = MakeService();
  ASSERT_TRUE(service);
  const std::vector<std::string> texts = {"a cat sat on the mat", "stocks fell sharply today"};
  auto normalized = service->Embed(texts);
  EmbedOptions raw_options;
  raw_options.normalize = false;
  auto raw = service->Embed(texts, raw_options);
  ASSERT_TRUE(normalized.ok() && raw.ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_NEAR(Norm(normalized->embeddings.row(i)), 1.0, 1e-5);
    const double norm = Norm(raw->embeddings.row(i));
    EXPECT_GT(std::fabs(norm - 1.0), 1e-3);  // the model folder normalizes; this call did not
    std::vector<float> scaled(raw->embeddings.row(i).begin(), raw->embeddings.row(i).end());
    for (float& x : scaled) x = static_cast<float>(x / norm);
    EXPECT_LT(MaxAbsDiff(scaled, normalized->embeddings.row(i)), 1e-5);
  }
  // Matryoshka: the first 32 values, renormalized.
  EmbedOptions short_options;
  short_options.dimensions = 32;
  auto cut = service->Embed(texts, short_options);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->embeddings.dimension, 32u);
  std::vector<float> expected(normalized->embeddings.row(0).begin(), normalized->embeddings.row(0).begin() + 32);
  const double n = Norm(expected);
  for (float& x : expected) x = static_cast<float>(x / n);
  EXPECT_LT(MaxAbsDiff(cut->embeddings.row(0), expected), 1e-5);
  short_options.dimensions = 129;
  EXPECT_EQ(service->Embed(texts, short_options).status().code(), Status::Code::kInvalidArgument);
  // A prompt is prepended to the text.
  EmbedOptions prompted;
  prompted.prompt = "query: ";
  auto with_prompt = service->Embed({texts[0]}, prompted);
  auto joined = service->Embed({"query: " + texts[0]});
  ASSERT_TRUE(with_prompt.ok() && joined.ok());
  EXPECT_LT(MaxAbsDiff(with_prompt->embeddings.row(0), joined->embeddings.row(0)), 1e-6);
  prompted.prompt.clear();
  prompted.prompt_name = "nope";
  auto unknown = service->Embed({texts[0]}, prompted);
  EXPECT_EQ(unknown.status().code(), Status::Code::kInvalidArgument);
}

TEST(ServiceTest, ChunkedVersusTruncated) {
  ServiceOptions options = TinyServiceOptions();
  options.max_length = 24;
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  const std::string text = LongText();
  auto truncated = service->Embed({text});
  EmbedOptions each;
  each.long_text = LongTextMode::kChunkEach;
  each.chunk_overlap = 4;
  auto chunks = service->Embed({"short one", text}, each);
  ASSERT_TRUE(truncated.ok() && chunks.ok()) << chunks.status().ToString();
  ASSERT_GT(chunks->embeddings.rows, 3u);
  ASSERT_EQ(chunks->chunks.size(), chunks->embeddings.rows);
  EXPECT_EQ(chunks->chunks[0].text_index, 0u);
  EXPECT_EQ(chunks->chunks[0].bytes, (Offset{0, 9}));
  // The long text's chunks: in order, overlapping, covering it to the end,
  // and the first is exactly the truncated text.
  std::vector<size_t> rows;
  for (size_t r = 0; r < chunks->chunks.size(); ++r)
    if (chunks->chunks[r].text_index == 1) rows.push_back(r);
  ASSERT_GT(rows.size(), 2u);
  EXPECT_EQ(chunks->chunks[rows[0]].bytes.begin, 0u);
  EXPECT_EQ(chunks->chunks[rows.back()].bytes.end, text.size() - 1);  // the final space is no token
  for (size_t k = 1; k < rows.size(); ++k) {
    EXPECT_LT(chunks->chunks[rows[k]].bytes.begin, chunks->chunks[rows[k - 1]].bytes.end);  // overlap
    EXPECT_GT(chunks->chunks[rows[k]].bytes.begin, chunks->chunks[rows[k - 1]].bytes.begin);
    EXPECT_LE(chunks->chunks[rows[k]].tokens, 24u);
  }
  EXPECT_LT(MaxAbsDiff(chunks->embeddings.row(rows[0]), truncated->embeddings.row(0)), 1e-5);

  // The document mean: token-weighted mean of the chunk vectors, renormalized.
  EmbedOptions mean;
  mean.long_text = LongTextMode::kChunkMean;
  mean.chunk_overlap = 4;
  auto document = service->Embed({text}, mean);
  ASSERT_TRUE(document.ok());
  ASSERT_EQ(document->embeddings.rows, 1u);
  std::vector<double> sum(128, 0.0);
  double weight = 0;
  for (size_t r : rows) {
    for (size_t d = 0; d < 128; ++d) sum[d] += chunks->chunks[r].tokens * double(chunks->embeddings.row(r)[d]);
    weight += chunks->chunks[r].tokens;
  }
  std::vector<float> expected(128);
  for (size_t d = 0; d < 128; ++d) expected[d] = static_cast<float>(sum[d] / weight);
  const double n = Norm(expected);
  for (float& x : expected) x = static_cast<float>(x / n);
  EXPECT_LT(MaxAbsDiff(document->embeddings.row(0), expected), 1e-5);
  EXPECT_GT(MaxAbsDiff(document->embeddings.row(0), truncated->embeddings.row(0)), 1e-3);

  EmbedOptions strict;
  strict.long_text = LongTextMode::kError;
  EXPECT_EQ(service->Embed({text}, strict).status().code(), Status::Code::kOutOfRange);
}

TEST(ServiceTest, TokenOutputsIdsTokenizeInfoModels) {
  auto service = MakeService();
  ASSERT_TRUE(service);
  const std::string text = "token level outputs";
  auto tokens = service->EmbedTokens({text});
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  auto encoding = service->Tokenize("", text);
  ASSERT_TRUE(encoding.ok());
  ASSERT_EQ(tokens->per_text.size(), 1u);
  EXPECT_EQ(tokens->per_text[0].rows, encoding->size());
  EXPECT_EQ(tokens->per_text[0].dimension, 128u);
  // Mean pooling of those states is the un-normalized sentence vector.
  EmbedOptions raw;
  raw.normalize = false;
  auto pooled = service->Embed({text}, raw);
  ASSERT_TRUE(pooled.ok());
  std::vector<float> mean(128, 0.0f);
  for (size_t t = 0; t < tokens->per_text[0].rows; ++t)
    for (size_t d = 0; d < 128; ++d) mean[d] += tokens->per_text[0].row(t)[d] / tokens->per_text[0].rows;
  EXPECT_LT(MaxAbsDiff(mean, pooled->embeddings.row(0)), 1e-5);

  // Ids given directly are wrapped in the special tokens like text.
  auto content = service->Tokenize("tiny", text, /*add_special_tokens=*/false);
  ASSERT_TRUE(content.ok());
  auto by_ids = service->EmbedIds({content->ids});
  auto by_text = service->Embed({text});
  ASSERT_TRUE(by_ids.ok() && by_text.ok()) << by_ids.status().ToString();
  EXPECT_LT(MaxAbsDiff(by_ids->embeddings.row(0), by_text->embeddings.row(0)), 1e-6);
  EXPECT_EQ(service->EmbedIds({{1, 2, 999999}}).status().code(), Status::Code::kOutOfRange);

  auto info = service->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->name, "tiny");
  EXPECT_EQ(info->dimension, 128u);
  EXPECT_EQ(service->Info("missing").status().code(), Status::Code::kNotFound);
  const auto models = service->Models();
  ASSERT_EQ(models.size(), 1u);
  EXPECT_TRUE(models[0].loaded);
  EXPECT_GT(models[0].bytes, 1u << 20);
  EXPECT_EQ(service->default_model(), "tiny");
  auto empty = service->Embed({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->embeddings.rows, 0u);
}

TEST(ServiceTest, ModelsDirectoryAndPromptsFromConfig) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("textembed_models_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "e5");
  for (const auto& entry : fs::recursive_directory_iterator(testing::TinyModel())) {
    const fs::path target = dir / "e5" / fs::relative(entry.path(), testing::TinyModel());
    if (entry.is_directory()) {
      fs::create_directories(target);
    } else {
      fs::create_symlink(entry.path(), target);
    }
  }
  fs::remove(dir / "e5/config_sentence_transformers.json");
  std::ofstream(dir / "e5/config_sentence_transformers.json")
      << R"({"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"})";
  ServiceOptions options;
  options.models_dir = dir;
  options.threads = testing::ServiceTestThreads();
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  EXPECT_EQ(service->default_model(), "e5");
  auto by_default = service->Embed({"hello"});
  EmbedOptions passage;
  passage.prompt_name = "passage";
  auto with_passage = service->Embed({"hello"}, passage);
  EmbedOptions explicit_prompt;
  explicit_prompt.prompt = "passage: ";
  auto with_explicit = service->Embed({"hello"}, explicit_prompt);
  EmbedOptions none;
  none.prompt = "query: ";
  auto with_query = service->Embed({"hello"}, none);
  ASSERT_TRUE(by_default.ok() && with_passage.ok() && with_explicit.ok() && with_query.ok());
  EXPECT_LT(MaxAbsDiff(by_default->embeddings.row(0), with_query->embeddings.row(0)), 1e-6);  // default prompt
  EXPECT_LT(MaxAbsDiff(with_passage->embeddings.row(0), with_explicit->embeddings.row(0)), 1e-6);
  EXPECT_GT(MaxAbsDiff(with_passage->embeddings.row(0), by_default->embeddings.row(0)), 1e-4);
  service.reset();
  fs::remove_all(dir);
}

TEST(ServiceTest, CacheServesRepeatsAndKeysOnOptions) {
  ServiceOptions options = TinyServiceOptions();
  options.cache.memory_max_entries = 1000;
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  const std::vector<std::string> texts = {"first text", "second text", "first text"};
  auto cold = service->Embed(texts);
  ASSERT_TRUE(cold.ok());
  EXPECT_EQ(cold->cache_hits, 0u);
  auto warm = service->Embed(texts);
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->cache_hits, 3u);
  EXPECT_EQ(warm->embeddings.values, cold->embeddings.values);
  EmbedOptions other;
  other.dimensions = 16;  // changes the vector: a different key
  auto cut = service->Embed(texts, other);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->cache_hits, 0u);
  ASSERT_TRUE(service->InvalidateCache("tiny").ok());
  auto after = service->Embed(texts);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->cache_hits, 0u);
  EmbedOptions bypass;
  bypass.use_cache = false;
  auto fresh = service->Embed(texts, bypass);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->cache_hits, 0u);
  EXPECT_EQ(service->InvalidateCache("nope").code(), Status::Code::kNotFound);
  ASSERT_TRUE(service->ClearCache().ok());
  const std::string metrics = service->RenderMetrics();
  EXPECT_NE(metrics.find("textembed_cache_hits_total"), std::string::npos);
  EXPECT_NE(metrics.find("textembed_batch_size_tokens_bucket"), std::string::npos);
  EXPECT_NE(metrics.find("textembed_batch_token_budget{model=\"tiny\"}"), std::string::npos);
}

TEST(ServiceTest, DiskCacheSurvivesARestartAndWarming) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("textembed_svc_cache_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "warm.txt") << "warm one\nwarm two\n";
  ServiceOptions options = TinyServiceOptions();
  options.cache.memory_max_entries = 100;
  options.cache.disk_dir = dir / "store";
  options.cache.warm_file = dir / "warm.txt";
  std::vector<float> first;
  {
    auto service = MakeService(options);
    ASSERT_TRUE(service);
    auto warmed = service->Embed({"warm one", "warm two"});
    ASSERT_TRUE(warmed.ok());
    EXPECT_EQ(warmed->cache_hits, 2u);  // computed at start-up
    auto result = service->Embed({"kept across restarts"});
    ASSERT_TRUE(result.ok());
    first = result->embeddings.values;
    ASSERT_TRUE(service->Shutdown().ok());
  }
  options.cache.warm_file.clear();
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  auto again = service->Embed({"kept across restarts"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cache_hits, 1u);
  EXPECT_EQ(again->embeddings.values, first);
  service.reset();
  fs::remove_all(dir);
}

TEST(ServiceTest, IdenticalConcurrentTextsRunOnce) {
  ServiceOptions options = TinyServiceOptions();
  options.batching.max_wait = 1s;  // keep the first request queued while the others arrive
  options.batching.adaptive_wait = false;
  options.batching.max_batch_tokens = 100000;
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  std::vector<std::future<Result<EmbedResult>>> futures;
  for (int i = 0; i < 6; ++i) futures.push_back(service->EmbedAsync({"the same text", "the same text"}));
  std::vector<float> reference;
  for (auto& future : futures) {
    auto result = future.get();
    ASSERT_TRUE(result.ok());
    if (reference.empty()) reference.assign(result->embeddings.row(0).begin(), result->embeddings.row(0).end());
    EXPECT_EQ(std::vector<float>(result->embeddings.row(1).begin(), result->embeddings.row(1).end()), reference);
  }
  const std::string metrics = service->RenderMetrics();
  EXPECT_NE(metrics.find("textembed_single_flight_joins_total 11"), std::string::npos);
}

TEST(ServiceTest, OverloadedQueueAndDeadlines) {
  ServiceOptions options = TinyServiceOptions();
  options.batching.max_wait = std::chrono::seconds(30);  // nothing runs until the budget fills
  options.batching.adaptive_wait = false;
  options.batching.max_batch_tokens = 100000;
  options.batching.max_queued_tokens = 30;
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  // 22 tokens queue and wait; 15 more would exceed 30, 3 more still fit.
  auto first = service->EmbedAsync({"one two three four five six seven eight nine ten eleven twelve thirteen "
                                    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"});
  std::this_thread::sleep_for(20ms);
  auto overloaded = service->Embed({"another text that does not fit in the queue any more at all"});
  ASSERT_FALSE(overloaded.ok());
  EXPECT_EQ(overloaded.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(overloaded.status().message().find("overloaded"), std::string::npos);
  // A deadline that passes while queued.
  EmbedOptions hurried;
  hurried.deadline = std::chrono::steady_clock::now() + 50ms;
  auto late = service->Embed({"tiny"}, hurried);
  EXPECT_EQ(late.status().code(), Status::Code::kDeadlineExceeded);
  hurried.deadline = std::chrono::steady_clock::now() - 1ms;
  EXPECT_EQ(service->Embed({"x"}, hurried).status().code(), Status::Code::kDeadlineExceeded);
  // Shutdown drains what is queued, then refuses new calls.
  ASSERT_TRUE(service->Shutdown(std::chrono::seconds(30)).ok());
  EXPECT_TRUE(first.get().ok());
  EXPECT_EQ(service->Embed({"after"}).status().code(), Status::Code::kUnavailable);
  const std::string metrics = service->RenderMetrics();
  EXPECT_NE(metrics.find("textembed_errors_total{kind=\"unavailable\"}"), std::string::npos);
}

// Bytes the registry counts for one model under `options` (no limit).
size_t ModelBytes(ServiceOptions options) {
  options.memory_limit_bytes = 0;
  auto service = MakeService(options);
  return service ? service->Models()[0].bytes : 0;
}

TEST(ServiceTest, RegistryEvictsUnderTheMemoryLimitButNotWhileInUse) {
  ServiceOptions options = TinyServiceOptions();
  options.models = {{"a", testing::TinyModel(), "main"}, {"b", testing::TinyModel(), "main"}};
  options.batching.max_wait = std::chrono::seconds(30);
  options.batching.adaptive_wait = false;
  options.batching.max_batch_tokens = 16;
  const size_t bytes = ModelBytes(options);
  ASSERT_GT(bytes, 0u);
  options.memory_limit_bytes = bytes + bytes / 2;  // one model fits, not two
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  // A request holds "a": 3 tokens wait for a 16-token batch (max_wait is 30 s).
  auto in_flight = service->EmbedAsync({"held"}, EmbedOptions{.model = "a"});
  std::this_thread::sleep_for(20ms);
  auto refused = service->Embed({"x"}, EmbedOptions{.model = "b"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kResourceExhausted);
  EXPECT_TRUE(service->Models()[0].loaded);
  EXPECT_FALSE(service->Models()[1].loaded);
  // A text over the budget releases the held one's batch; once both are
  // answered, "a" is idle and "b" may evict it.
  auto filler = service->EmbedAsync({LongText()}, EmbedOptions{.model = "a"});
  EXPECT_TRUE(in_flight.get().ok());
  EXPECT_TRUE(filler.get().ok());
  auto later = service->Embed({LongText()}, EmbedOptions{.model = "b"});  // over the budget: runs at once
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_FALSE(service->Models()[0].loaded);
  EXPECT_TRUE(service->Models()[1].loaded);
}

TEST(ServiceTest, IdleModelIsEvictedForAnother) {
  ServiceOptions options = TinyServiceOptions();
  options.models = {{"a", testing::TinyModel(), "main"}, {"b", testing::TinyModel(), "main"}};
  const size_t bytes = ModelBytes(options);
  options.memory_limit_bytes = bytes + bytes / 2;
  auto service = MakeService(options);
  ASSERT_TRUE(service);
  auto on_a = service->Embed({"x"}, EmbedOptions{.model = "a"});
  auto on_b = service->Embed({"x"}, EmbedOptions{.model = "b"});
  ASSERT_TRUE(on_a.ok() && on_b.ok()) << on_b.status().ToString();
  EXPECT_EQ(on_a->embeddings.values, on_b->embeddings.values);
  EXPECT_FALSE(service->Models()[0].loaded);
  EXPECT_TRUE(service->Models()[1].loaded);
  const std::string metrics = service->RenderMetrics();
  EXPECT_NE(metrics.find("textembed_model_loads_total 2"), std::string::npos);
  EXPECT_NE(metrics.find("textembed_model_unloads_total 1"), std::string::npos);
}

TEST(ServiceTest, BadOptionsAreClearErrors) {
  ServiceOptions none;
  EXPECT_EQ(Service::Create(none).status().code(), Status::Code::kInvalidArgument);
  ServiceOptions missing = TinyServiceOptions();
  missing.models[0].source = "/nonexistent/model";
  EXPECT_FALSE(Service::Create(missing).ok());
  ServiceOptions twice = TinyServiceOptions();
  twice.models.push_back(twice.models[0]);
  EXPECT_EQ(Service::Create(twice).status().code(), Status::Code::kInvalidArgument);
  auto service = MakeService();
  ASSERT_TRUE(service);
  EmbedOptions bad;
  bad.long_text = LongTextMode::kChunkEach;
  bad.chunk_overlap = 1000;
  const std::string text = LongText() + LongText() + LongText() + LongText() + LongText();
  EXPECT_EQ(service->Embed({text}, bad).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(service->EmbedTokens({"x"}, bad).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace textembed
