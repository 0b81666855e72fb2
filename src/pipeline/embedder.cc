#include "textembed/embedder.h"

#include <omp.h>

#include <algorithm>
#include <thread>

#include "engine/encoder.h"
#include "pipeline/batcher.h"
#include "pipeline/dense.h"
#include "pipeline/model_folder.h"
#include "pipeline/pooling.h"

namespace textembed {

using pipeline::ModelFolder;

struct Embedder::Impl {
  EmbedderOptions options;
  ModelFolder folder;
  ModelInfo info;
  Tokenizer tokenizer;
  std::unique_ptr<engine::Encoder> encoder;
  std::vector<pipeline::DenseLayer> dense;

  Impl(Tokenizer t) : tokenizer(std::move(t)) {}

  int threads() const {
    return options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }

  Result<std::vector<Encoding>> Tokenize(std::span<const std::string_view> texts) const;
  Result<Embeddings> Embed(std::span<const std::string_view> texts, EmbedStats* stats) const;
  // Pooling → Dense → Normalize for one sequence's token states; `a` and `b`
  // are scratch reused across sequences.
  void FinishSequence(const float* tokens, size_t num_tokens, std::vector<float>* a, std::vector<float>* b,
                      float* out) const;
  // Pooling → Dense, leaving the result in *a (no Normalize).
  void PoolAndDense(const float* tokens, size_t num_tokens, std::vector<float>* a, std::vector<float>* b) const;
  Status ForwardPacked(std::span<const TokenSequence> sequences, std::vector<std::vector<float>>* outputs) const;
};

namespace {

constexpr size_t kBatchTokensPerThread = 512;

// Positions a text may use: BERT uses 0..max_position_embeddings-1; RoBERTa-
// style models start counting after the padding index.
size_t PositionLimit(const engine::EncoderConfig& config) {
  return static_cast<size_t>(std::max(0, config.max_sequence_length()));
}

}  // namespace

Result<Embedder> Embedder::Open(const std::filesystem::path& model_dir, const EmbedderOptions& options) {
  TEXTEMBED_ASSIGN_OR_RETURN(ModelFolder folder, ModelFolder::Read(model_dir));
  TEXTEMBED_ASSIGN_OR_RETURN(Tokenizer tokenizer, Tokenizer::Load(folder.transformer_dir));
  auto impl = std::make_unique<Impl>(std::move(tokenizer));
  impl->options = options;
  impl->options.threads = impl->threads();
  if (impl->options.batch_tokens == 0) impl->options.batch_tokens = kBatchTokensPerThread * impl->options.threads;
  engine::EngineOptions engine_options;
  engine_options.threads = options.threads;
  engine_options.dtype = options.dtype;
  TEXTEMBED_ASSIGN_OR_RETURN(impl->encoder, engine::LoadEncoder(folder.transformer_dir, engine_options));
  const engine::EncoderConfig& config = impl->encoder->config();

  ModelInfo& info = impl->info;
  info.name = std::filesystem::absolute(model_dir).lexically_normal().filename().string();
  if (info.name.empty()) info.name = std::filesystem::absolute(model_dir).parent_path().filename().string();
  info.architecture = config.model_type;
  info.weights_file = impl->encoder->weights_file();
  info.hidden_size = static_cast<size_t>(config.hidden_size);
  size_t dimension = info.hidden_size * folder.pooling.size();
  for (const pipeline::DenseModule& module : folder.dense) {
    if (module.in_features != dimension)
      return Status::Corruption((module.dir / "config.json").string() + ": in_features " +
                                std::to_string(module.in_features) + " does not match the previous module's " +
                                std::to_string(dimension) + " outputs");
    TEXTEMBED_ASSIGN_OR_RETURN(pipeline::DenseLayer layer, pipeline::DenseLayer::Load(module));
    impl->dense.push_back(std::move(layer));
    dimension = module.out_features;
  }
  info.dimension = dimension;
  info.num_dense = folder.dense.size();
  info.normalize = folder.normalize;
  info.modules = folder.Describe();
  // Piece by piece: GCC 12 reports a false -Wrestrict (a memcpy of 2^63 bytes)
  // for `"literal" + std::string&&`, which prepends in place.
  for (size_t i = 0; i < folder.pooling.size(); ++i) {
    if (i > 0) info.pooling += '+';
    info.pooling += pipeline::PoolingModeName(folder.pooling[i]);
  }

  const size_t limit = PositionLimit(config);
  size_t max_length = options.max_length.value_or(
      folder.max_seq_length.value_or(impl->tokenizer.truncation_max_length().value_or(limit)));
  if (max_length == 0 || max_length > limit) max_length = limit;
  if (max_length <= impl->tokenizer.num_special_tokens_single())
    return Status::InvalidArgument("max_length " + std::to_string(max_length) +
                                   " leaves no room for text after the special tokens");
  info.max_length = max_length;
  impl->folder = std::move(folder);
  return Embedder(std::move(impl));
}

Embedder::Embedder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Embedder::Embedder(Embedder&&) noexcept = default;
Embedder& Embedder::operator=(Embedder&&) noexcept = default;
Embedder::~Embedder() = default;

const ModelInfo& Embedder::info() const { return impl_->info; }
const EmbedderOptions& Embedder::options() const { return impl_->options; }
const Tokenizer& Embedder::tokenizer() const { return impl_->tokenizer; }

Result<Embeddings> Embedder::Embed(std::span<const std::string_view> texts, EmbedStats* stats) const {
  return impl_->Embed(texts, stats);
}

Result<Embeddings> Embedder::Embed(std::span<const std::string> texts, EmbedStats* stats) const {
  std::vector<std::string_view> views(texts.begin(), texts.end());
  return impl_->Embed(views, stats);
}

Status Embedder::ForwardPacked(std::span<const TokenSequence> sequences,
                               std::vector<std::vector<float>>* outputs) const {
  return impl_->ForwardPacked(sequences, outputs);
}

Status Embedder::Impl::ForwardPacked(std::span<const TokenSequence> sequences,
                                     std::vector<std::vector<float>>* outputs) const {
  outputs->resize(sequences.size());
  if (sequences.empty()) return Status::Ok();
  const auto vocab = static_cast<int32_t>(encoder->config().vocab_size);
  std::vector<int32_t> ids, type_ids, seq_offsets{0};
  for (size_t s = 0; s < sequences.size(); ++s) {
    const TokenSequence& sequence = sequences[s];
    if (sequence.ids.empty()) return Status::InvalidArgument("sequence " + std::to_string(s) + " has no tokens");
    if (sequence.ids.size() > info.max_length)
      return Status::OutOfRange("sequence " + std::to_string(s) + " has " + std::to_string(sequence.ids.size()) +
                                " tokens; the model takes at most " + std::to_string(info.max_length));
    if (!sequence.type_ids.empty() && sequence.type_ids.size() != sequence.ids.size())
      return Status::InvalidArgument("sequence " + std::to_string(s) + ": type_ids and ids differ in length");
    for (int32_t id : sequence.ids)
      if (id < 0 || id >= vocab)
        return Status::OutOfRange("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                                  std::to_string(vocab) + ")");
    ids.insert(ids.end(), sequence.ids.begin(), sequence.ids.end());
    if (sequence.type_ids.empty()) {
      type_ids.insert(type_ids.end(), sequence.ids.size(), 0);
    } else {
      type_ids.insert(type_ids.end(), sequence.type_ids.begin(), sequence.type_ids.end());
    }
    seq_offsets.push_back(static_cast<int32_t>(ids.size()));
  }
  std::vector<float> hidden, scratch_a, scratch_b;
  TEXTEMBED_RETURN_IF_ERROR(encoder->Forward(engine::PackedBatch{ids, type_ids, seq_offsets}, &hidden));
  for (size_t s = 0; s < sequences.size(); ++s) {
    const size_t begin = static_cast<size_t>(seq_offsets[s]);
    const size_t count = static_cast<size_t>(seq_offsets[s + 1]) - begin;
    const float* states = hidden.data() + begin * info.hidden_size;
    std::vector<float>& out = (*outputs)[s];
    if (sequences[s].token_states) {
      out.assign(states, states + count * info.hidden_size);
    } else {
      PoolAndDense(states, count, &scratch_a, &scratch_b);
      out.assign(scratch_a.begin(), scratch_a.end());
    }
  }
  return Status::Ok();
}

Result<std::vector<Encoding>> Embedder::Impl::Tokenize(std::span<const std::string_view> texts) const {
  std::vector<Encoding> encodings(texts.size());
  std::vector<Status> errors(texts.size());
  EncodeOptions encode_options;
  encode_options.max_length = info.max_length;
  const long n = static_cast<long>(texts.size());
#pragma omp parallel for num_threads(threads()) schedule(dynamic, 16) if (n > 64)
  for (long i = 0; i < n; ++i) {
    Result<Encoding> encoding = tokenizer.Encode(texts[i], encode_options);
    if (encoding.ok()) {
      encodings[i] = std::move(encoding).value();
    } else {
      errors[i] = encoding.status();
    }
  }
  for (size_t i = 0; i < errors.size(); ++i)
    if (!errors[i].ok()) return errors[i].WithContext("text " + std::to_string(i));
  return encodings;
}

void Embedder::Impl::PoolAndDense(const float* tokens, size_t num_tokens, std::vector<float>* a,
                                  std::vector<float>* b) const {
  a->resize(info.hidden_size * folder.pooling.size());
  pipeline::Pool(tokens, num_tokens, info.hidden_size, folder.pooling, a->data());
  for (const pipeline::DenseLayer& layer : dense) {
    layer.Apply(*a, b);
    a->swap(*b);
  }
}

void Embedder::Impl::FinishSequence(const float* tokens, size_t num_tokens, std::vector<float>* a,
                                    std::vector<float>* b, float* out) const {
  PoolAndDense(tokens, num_tokens, a, b);
  if (folder.normalize) pipeline::L2Normalize(*a);
  std::copy(a->begin(), a->end(), out);
}

Result<Embeddings> Embedder::Impl::Embed(std::span<const std::string_view> texts, EmbedStats* stats) const {
  Embeddings result;
  result.rows = texts.size();
  result.dimension = info.dimension;
  result.values.assign(result.rows * result.dimension, 0.0f);
  if (texts.empty()) return result;

  TEXTEMBED_ASSIGN_OR_RETURN(std::vector<Encoding> encodings, Tokenize(texts));
  std::vector<size_t> lengths(encodings.size());
  size_t total_tokens = 0, truncated = 0;
  for (size_t i = 0; i < encodings.size(); ++i) {
    lengths[i] = encodings[i].size();
    total_tokens += lengths[i];
    truncated += encodings[i].truncated ? 1 : 0;
  }
  const auto batches = pipeline::PlanBatches(lengths, options.batch_tokens);

  std::vector<int32_t> ids, type_ids, seq_offsets;
  std::vector<float> hidden, scratch_a, scratch_b;
  for (const std::vector<uint32_t>& batch : batches) {
    ids.clear();
    type_ids.clear();
    seq_offsets.assign(1, 0);
    for (uint32_t index : batch) {
      const Encoding& e = encodings[index];
      ids.insert(ids.end(), e.ids.begin(), e.ids.end());
      type_ids.insert(type_ids.end(), e.type_ids.begin(), e.type_ids.end());
      seq_offsets.push_back(static_cast<int32_t>(ids.size()));
    }
    engine::PackedBatch packed{ids, type_ids, seq_offsets};
    TEXTEMBED_RETURN_IF_ERROR(encoder->Forward(packed, &hidden));
    for (size_t s = 0; s < batch.size(); ++s) {
      const size_t begin = static_cast<size_t>(seq_offsets[s]);
      const size_t count = static_cast<size_t>(seq_offsets[s + 1]) - begin;
      FinishSequence(hidden.data() + begin * info.hidden_size, count, &scratch_a, &scratch_b,
                     result.values.data() + static_cast<size_t>(batch[s]) * result.dimension);
    }
  }
  if (stats != nullptr) {
    stats->texts += texts.size();
    stats->tokens += total_tokens;
    stats->batches += batches.size();
    stats->truncated += truncated;
  }
  return result;
}

}  // namespace textembed
