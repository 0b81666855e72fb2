// Tokenization throughput of textembed::Tokenizer on real corpora.
//
//   build/release/tokenizer_bench [--tokenizers=minilm,roberta,t5] [--corpora=ag_news,...]
//                                 [google benchmark flags]
//
// Each iteration encodes every line of a corpus (one text per line), special
// tokens added, no truncation (max_length 0) — the same work as HF's
// encodeBatch with truncation and padding disabled (bench/tokenizer_bench.sh
// runs both). Reported per benchmark: bytes_per_second (input bytes),
// tokens_per_second, and for the /threads:N variant the same with N
// std::threads over contiguous chunks of lines (Encode is const and
// thread-safe). The shared folder is $TEXTEMBED_TEST_DATA, else the build-time
// default.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "textembed/tokenizer.h"

#include "allocation_counter.h"

namespace {

namespace fs = std::filesystem;

fs::path SharedDir() {
  if (const char* env = std::getenv("TEXTEMBED_TEST_DATA"); env && *env) return env;
  return TEXTEMBED_DEFAULT_TEST_DATA;
}

const std::map<std::string, std::string> kTokenizers = {
    {"minilm", "models/minilm-l6-random/tokenizer.json"},  // WordPiece
    {"roberta", "tokenizers/roberta-base/tokenizer.json"},  // byte-level BPE
    {"t5", "tokenizers/t5-small/tokenizer.json"},           // Unigram + Precompiled
    {"gpt2", "tokenizers/gpt2/tokenizer.json"},
    {"mpnet", "tokenizers/all-mpnet-base-v2/tokenizer.json"},
};
const std::map<std::string, std::string> kCorpora = {
    {"ag_news", "data/corpus/ag_news_test.txt"},
    {"bbc_paragraphs", "data/corpus/bbc_news_paragraphs.txt"},
    {"squad", "data/corpus/squad_v1.1_dev_questions.txt"},
    {"bbc_articles", "data/corpus/bbc_news_articles.txt"},
    {"multilingual", "data/multilingual/multilingual_sample.txt"},
};

struct Corpus {
  std::vector<std::string> lines;
  size_t bytes = 0;
};

Corpus ReadCorpus(const fs::path& path) {
  Corpus corpus;
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    corpus.bytes += line.size();
    corpus.lines.push_back(std::move(line));
  }
  return corpus;
}

// Encodes lines [begin, end); returns the number of tokens, or -1 on an error.
int64_t EncodeRange(const textembed::Tokenizer& tokenizer, const Corpus& corpus, size_t begin,
                    size_t end) {
  textembed::EncodeOptions options;
  options.max_length = 0;
  int64_t tokens = 0;
  for (size_t i = begin; i < end; ++i) {
    auto encoding = tokenizer.Encode(corpus.lines[i], options);
    if (!encoding.ok()) return -1;
    tokens += static_cast<int64_t>(encoding->size());
  }
  return tokens;
}

void RunEncode(benchmark::State& state, const textembed::Tokenizer* tokenizer,
               const Corpus* corpus) {
  const size_t threads = static_cast<size_t>(state.range(0));
  int64_t tokens = 0;
  textembed::bench::CountAllocations count_allocations(state);
  for (auto _ : state) {
    if (threads <= 1) {
      tokens = EncodeRange(*tokenizer, *corpus, 0, corpus->lines.size());
    } else {
      std::vector<int64_t> per_thread(threads, 0);
      std::vector<std::thread> workers;
      // Interleaved blocks of 64 lines balance long and short texts.
      constexpr size_t kBlock = 64;
      std::atomic<size_t> next{0};
      for (size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          for (size_t start; (start = next.fetch_add(kBlock)) < corpus->lines.size();) {
            int64_t n = EncodeRange(*tokenizer, *corpus, start,
                                    std::min(start + kBlock, corpus->lines.size()));
            if (n < 0) { per_thread[t] = -1; return; }
            per_thread[t] += n;
          }
        });
      }
      for (auto& w : workers) w.join();
      tokens = 0;
      for (int64_t n : per_thread) tokens = (n < 0 || tokens < 0) ? -1 : tokens + n;
    }
    if (tokens < 0) {
      state.SkipWithError("Encode failed");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus->bytes));
  state.counters["tokens_per_second"] = benchmark::Counter(
      static_cast<double>(tokens) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["texts"] = static_cast<double>(corpus->lines.size());
}

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream stream(value);
  for (std::string item; std::getline(stream, item, ',');) out.push_back(item);
  return out;
}

// Removes --name=value from argv (before Google Benchmark sees it).
std::string TakeFlag(int* argc, char** argv, const std::string& name, const std::string& fallback) {
  std::string prefix = "--" + name + "=";
  std::string value = fallback;
  int kept = 0;
  for (int i = 0; i < *argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && arg.rfind(prefix, 0) == 0) {
      value = arg.substr(prefix.size());
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> tokenizer_names =
      SplitList(TakeFlag(&argc, argv, "tokenizers", "minilm,roberta,t5"));
  std::vector<std::string> corpus_names =
      SplitList(TakeFlag(&argc, argv, "corpora", "ag_news,bbc_paragraphs,squad"));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Kept alive until the benchmarks have run.
  std::vector<std::unique_ptr<textembed::Tokenizer>> tokenizers;
  std::vector<std::unique_ptr<Corpus>> corpora;
  const int all_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const fs::path shared = SharedDir();
  for (const auto& corpus_name : corpus_names) {
    auto it = kCorpora.find(corpus_name);
    if (it == kCorpora.end()) {
      std::fprintf(stderr, "tokenizer_bench: unknown corpus %s\n", corpus_name.c_str());
      return 1;
    }
    corpora.push_back(std::make_unique<Corpus>(ReadCorpus(shared / it->second)));
    if (corpora.back()->lines.empty()) {
      std::fprintf(stderr, "tokenizer_bench: %s is empty or missing\n", (shared / it->second).c_str());
      return 1;
    }
  }
  for (const auto& tokenizer_name : tokenizer_names) {
    auto it = kTokenizers.find(tokenizer_name);
    if (it == kTokenizers.end()) {
      std::fprintf(stderr, "tokenizer_bench: unknown tokenizer %s\n", tokenizer_name.c_str());
      return 1;
    }
    auto loaded = textembed::Tokenizer::Load(shared / it->second);
    if (!loaded.ok()) {
      std::fprintf(stderr, "tokenizer_bench: %s\n", loaded.status().ToString().c_str());
      return 1;
    }
    tokenizers.push_back(std::make_unique<textembed::Tokenizer>(std::move(loaded).value()));
    for (size_t c = 0; c < corpus_names.size(); ++c) {
      auto* bench = benchmark::RegisterBenchmark(
          ("encode/" + tokenizer_name + "/" + corpus_names[c]).c_str(), RunEncode,
          tokenizers.back().get(), corpora[c].get());
      bench->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
      if (all_threads > 1) bench->Arg(all_threads);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
