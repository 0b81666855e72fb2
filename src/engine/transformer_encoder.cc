#include "engine/transformer_encoder.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <utility>

#include "engine/aligned_buffer.h"
#include "engine/gemm.h"
#include "engine/kernels.h"
#include "engine/quant_policy.h"
#include "engine/relative_position.h"

namespace textembed::engine {
namespace {

// From M = 128 rows up, oneDNN's sgemm runs the FFN-in shape (N = 4h, K = h)
// faster on the [N × K] layout than on the transposed one (144 vs 134 GFLOP/s
// at M = 128, 161 vs 136 at 512; 103 vs 145 the other way at M = 32).
constexpr size_t kTorchLayoutFfnInMinRows = 128;

// Up to this many tokens per pass, threads split each product's columns
// rather than its rows. A short text's pass is bound by reading the weights
// (42 MB f32 for MiniLM-L6: ~1.7 ms at the ~25 GB/s both cores get together),
// so it pays to read them once per pass instead of once per thread.
// engine_forward_bench, 2 threads, batches of 15-token texts: 1 text 2.2–2.5
// vs 3.0 ms, 2 texts 3.3–4.2 vs 3.9–4.8, 4 texts 6.0–7.5 vs 6.6–8.0; 8 texts
// (120 tokens) 13.7–14.5 vs 10.7–13.5, so the row split takes over above 64.
constexpr size_t kColumnSplitMaxTokens = 64;

// Columns of an N-wide product each of `team` threads computes when they
// split columns: whole weight panels, the last thread's share maybe narrower.
size_t ColumnShare(size_t n, size_t team) {
  const size_t panels = (n + PackedWeight::kPanelColumns - 1) / PackedWeight::kPanelColumns;
  return (panels + team - 1) / team * PackedWeight::kPanelColumns;
}

struct LayerNormParams {
  const float* gamma = nullptr;
  const float* beta = nullptr;
};

struct Layer {
  PackedWeight qkv;           // [h × 3h]: query | key | value
  AlignedBuffer qkv_bias;     // [3h]
  PackedWeight attn_out;      // [h × h]
  const float* attn_out_bias = nullptr;
  LayerNormParams attn_norm;
  PackedWeight ffn_in;        // [h × I]
  const float* ffn_in_bias = nullptr;
  PackedWeight ffn_out;       // [I × h]
  const float* ffn_out_bias = nullptr;
  LayerNormParams ffn_norm;
};

// Per-call activations; pooled so steady-state calls allocate nothing.
struct Scratch {
  AlignedBuffer qkv, context, projected, ffn, attention;
  std::vector<int32_t> positions;
  // heads × (2·longest − 1) relative position biases (MPNet), built once per call.
  std::vector<float> relative_bias;
};

// Per-layer tensor names (after "encoder.layer.<i>.") of each attention layout.
struct AttentionTensorNames {
  const char* qkv[3];
  const char* out;
  const char* norm;
};

AttentionTensorNames NamesOf(AttentionNames names) {
  if (names == AttentionNames::kMpnet)
    return {{"attention.attn.q", "attention.attn.k", "attention.attn.v"}, "attention.attn.o", "attention.LayerNorm"};
  return {{"attention.self.query", "attention.self.key", "attention.self.value"}, "attention.output.dense",
          "attention.output.LayerNorm"};
}

class TransformerEncoder final : public Encoder {
 public:
  TransformerEncoder(const EncoderConfig& config, std::unique_ptr<WeightSource> weights, const KernelSet& kernels,
              int threads, const LinearTypes& linear_types, bool portable_kernels)
      : config_(config), weights_(std::move(weights)), kernels_(kernels), threads_(threads),
        linear_types_(linear_types), portable_kernels_(portable_kernels) {}

  Status Load();
  const EncoderConfig& config() const override { return config_; }
  const std::string& weights_file() const override { return weights_->origin(); }
  Status Forward(const PackedBatch& batch, std::vector<float>* hidden) const override;

 private:
  Status Validate(const PackedBatch& batch) const;
  void Run(const PackedBatch& batch, Scratch& s, float* x) const;
  std::unique_ptr<Scratch> AcquireScratch() const;
  void ReleaseScratch(std::unique_ptr<Scratch> scratch) const;

  EncoderConfig config_;
  std::unique_ptr<WeightSource> weights_;
  const KernelSet& kernels_;
  int threads_;
  LinearTypes linear_types_;  // weight type of each linear layer (engine/quant_policy.h)
  bool portable_kernels_;
  const float* word_embeddings_ = nullptr;
  const float* position_embeddings_ = nullptr;
  const float* type_embeddings_ = nullptr;  // null: no token types
  const float* relative_attention_bias_ = nullptr;  // [table rows × heads] or null
  LayerNormParams embedding_norm_;
  std::vector<Layer> layers_;

  mutable std::mutex scratch_mutex_;
  mutable std::vector<std::unique_ptr<Scratch>> scratch_pool_;
};

Status TransformerEncoder::Load() {
  const int64_t h = config_.hidden_size, inter = config_.intermediate_size;
  const WeightSource& w = *weights_;
  auto layer_norm = [&](const std::string& prefix, LayerNormParams* out) -> Status {
    TEXTEMBED_ASSIGN_OR_RETURN(out->gamma, w.Require(prefix + ".weight", {h}));
    TEXTEMBED_ASSIGN_OR_RETURN(out->beta, w.Require(prefix + ".bias", {h}));
    return Status::Ok();
  };
  TEXTEMBED_ASSIGN_OR_RETURN(word_embeddings_, w.Require("embeddings.word_embeddings.weight", {config_.vocab_size, h}));
  TEXTEMBED_ASSIGN_OR_RETURN(position_embeddings_, w.Require("embeddings.position_embeddings.weight",
                                                             {config_.max_position_embeddings, h}));
  if (config_.token_type_embeddings) {
    TEXTEMBED_ASSIGN_OR_RETURN(type_embeddings_, w.Require("embeddings.token_type_embeddings.weight",
                                                           {config_.type_vocab_size, h}));
  }
  TEXTEMBED_RETURN_IF_ERROR(layer_norm("embeddings.LayerNorm", &embedding_norm_));
  if (config_.relative_attention_buckets > 0) {
    TEXTEMBED_ASSIGN_OR_RETURN(relative_attention_bias_,
                               w.Require("encoder.relative_attention_bias.weight",
                                         {config_.relative_attention_table_rows, config_.num_attention_heads}));
  }
  const AttentionTensorNames names = NamesOf(config_.attention_names);
  // f32 weights in one block per thread's column share: few-row passes split
  // columns across threads (Run), each thread then streams its own block.
  const auto column_block = [&](size_t n) { return threads_ > 1 ? ColumnShare(n, threads_) : 0; };

  layers_.resize(config_.num_hidden_layers);
  for (int i = 0; i < config_.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    Layer& layer = layers_[i];
    const float* qkv_weights[3];
    const float* qkv_biases[3];
    for (int part = 0; part < 3; ++part) {
      const std::string name = p + names.qkv[part];
      TEXTEMBED_ASSIGN_OR_RETURN(qkv_weights[part], w.Require(name + ".weight", {h, h}));
      TEXTEMBED_ASSIGN_OR_RETURN(qkv_biases[part], w.Require(name + ".bias", {h}));
    }
    layer.qkv = PackedWeight::FromTorchLayout({qkv_weights[0], qkv_weights[1], qkv_weights[2]},
                                              {size_t(h), size_t(h), size_t(h)}, h, linear_types_.qkv,
                                              portable_kernels_, column_block(3 * h));
    for (const float* part : qkv_weights) w.Evict(part, size_t(h) * h);
    layer.qkv_bias.Reserve(3 * h);
    for (int part = 0; part < 3; ++part) std::copy_n(qkv_biases[part], h, layer.qkv_bias.data() + part * h);

    const float* weight;
    TEXTEMBED_ASSIGN_OR_RETURN(weight, w.Require(p + names.out + ".weight", {h, h}));
    layer.attn_out = PackedWeight::FromTorchLayout({weight}, {size_t(h)}, h, linear_types_.attention_out,
                                                   portable_kernels_, column_block(h));
    w.Evict(weight, size_t(h) * h);
    TEXTEMBED_ASSIGN_OR_RETURN(layer.attn_out_bias, w.Require(p + names.out + ".bias", {h}));
    TEXTEMBED_RETURN_IF_ERROR(layer_norm(p + names.norm, &layer.attn_norm));

    TEXTEMBED_ASSIGN_OR_RETURN(weight, w.Require(p + "intermediate.dense.weight", {inter, h}));
    layer.ffn_in = PackedWeight::FromTorchLayout({weight}, {size_t(inter)}, h, linear_types_.ffn_in, portable_kernels_,
                                                 column_block(inter));
    // f32: `weights_` keeps it alive for the [N × K] path; other types copied it.
    if (!layer.ffn_in.UseTorchLayoutFrom(weight, kTorchLayoutFfnInMinRows)) w.Evict(weight, size_t(inter) * h);
    TEXTEMBED_ASSIGN_OR_RETURN(layer.ffn_in_bias, w.Require(p + "intermediate.dense.bias", {inter}));
    TEXTEMBED_ASSIGN_OR_RETURN(weight, w.Require(p + "output.dense.weight", {h, inter}));
    layer.ffn_out = PackedWeight::FromTorchLayout({weight}, {size_t(h)}, inter, linear_types_.ffn_out,
                                                  portable_kernels_, column_block(h));
    w.Evict(weight, size_t(h) * inter);
    TEXTEMBED_ASSIGN_OR_RETURN(layer.ffn_out_bias, w.Require(p + "output.dense.bias", {h}));
    TEXTEMBED_RETURN_IF_ERROR(layer_norm(p + "output.LayerNorm", &layer.ffn_norm));
  }
  return Status::Ok();
}

Status TransformerEncoder::Validate(const PackedBatch& batch) const {
  const auto& offsets = batch.seq_offsets;
  if (offsets.empty()) {
    if (batch.ids.empty()) return Status::Ok();
    return Status::InvalidArgument("PackedBatch: seq_offsets is empty but there are ids");
  }
  if (offsets.front() != 0) return Status::InvalidArgument("PackedBatch: seq_offsets must start at 0");
  if (size_t(offsets.back()) != batch.ids.size()) {
    return Status::InvalidArgument("PackedBatch: seq_offsets ends at " + std::to_string(offsets.back()) +
                                   " but there are " + std::to_string(batch.ids.size()) + " ids");
  }
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    const int64_t len = int64_t(offsets[s + 1]) - offsets[s];
    if (len < 0) return Status::InvalidArgument("PackedBatch: seq_offsets must not decrease");
    if (len > config_.max_sequence_length()) {
      return Status::OutOfRange("sequence " + std::to_string(s) + " has " + std::to_string(len) +
                                " tokens; the model takes at most " + std::to_string(config_.max_sequence_length()));
    }
  }
  for (size_t i = 0; i < batch.ids.size(); ++i) {
    if (batch.ids[i] < 0 || batch.ids[i] >= config_.vocab_size) {
      return Status::InvalidArgument("token id " + std::to_string(batch.ids[i]) + " at position " +
                                     std::to_string(i) + " is outside the vocabulary of " +
                                     std::to_string(config_.vocab_size));
    }
  }
  if (!batch.type_ids.empty() && config_.token_type_embeddings) {
    if (batch.type_ids.size() != batch.ids.size()) {
      return Status::InvalidArgument("PackedBatch: type_ids must be empty or as many as ids");
    }
    for (int32_t t : batch.type_ids) {
      if (t < 0 || t >= config_.type_vocab_size) {
        return Status::InvalidArgument("token type id " + std::to_string(t) + " is outside [0, " +
                                       std::to_string(config_.type_vocab_size) + ")");
      }
    }
  }
  return Status::Ok();
}

std::unique_ptr<Scratch> TransformerEncoder::AcquireScratch() const {
  {
    std::lock_guard lock(scratch_mutex_);
    if (!scratch_pool_.empty()) {
      auto scratch = std::move(scratch_pool_.back());
      scratch_pool_.pop_back();
      return scratch;
    }
  }
  return std::make_unique<Scratch>();
}

void TransformerEncoder::ReleaseScratch(std::unique_ptr<Scratch> scratch) const {
  std::lock_guard lock(scratch_mutex_);
  scratch_pool_.push_back(std::move(scratch));
}

Status TransformerEncoder::Forward(const PackedBatch& batch, std::vector<float>* hidden) const {
  if (hidden == nullptr) return Status::InvalidArgument("Encoder::Forward: `hidden` must not be null");
  TEXTEMBED_RETURN_IF_ERROR(Validate(batch));
  const size_t tokens = batch.num_tokens();
  const size_t h = config_.hidden_size;
  try {
    hidden->resize(tokens * h);
    if (tokens == 0) return Status::Ok();
    std::unique_ptr<Scratch> scratch = AcquireScratch();
    size_t longest = 0;
    for (size_t s = 0; s < batch.num_sequences(); ++s)
      longest = std::max<size_t>(longest, batch.seq_offsets[s + 1] - batch.seq_offsets[s]);
    scratch->qkv.Reserve(tokens * 3 * h);
    scratch->context.Reserve(tokens * h);
    scratch->projected.Reserve(tokens * h);
    scratch->ffn.Reserve(tokens * config_.intermediate_size);
    const size_t per_thread = AttentionScratchFloats(longest, h / config_.num_attention_heads);
    scratch->attention.Reserve(size_t(threads_) * per_thread);
    scratch->positions.resize(tokens);
    const int32_t pad = config_.padding_idx;
    for (size_t s = 0; s < batch.num_sequences(); ++s) {
      int32_t next = config_.position_ids == PositionIds::kAfterPadding ? pad + 1 : 0;
      for (int32_t t = batch.seq_offsets[s]; t < batch.seq_offsets[s + 1]; ++t) {
        const bool is_pad = config_.position_ids == PositionIds::kAfterPadding && batch.ids[t] == pad;
        scratch->positions[t] = is_pad ? pad : next++;
      }
    }
    if (relative_attention_bias_ != nullptr) {
      // Shared by every layer and sequence: a sequence of length len reads the
      // middle 2·len − 1 entries of each head's row.
      scratch->relative_bias.resize(config_.num_attention_heads * (2 * longest - 1));
      RelativePositionBias(relative_attention_bias_, config_.num_attention_heads, longest,
                           config_.relative_attention_buckets, config_.relative_attention_max_distance,
                           scratch->relative_bias.data());
    }
    Run(batch, *scratch, hidden->data());
    ReleaseScratch(std::move(scratch));
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("out of memory running the encoder on " + std::to_string(tokens) + " tokens");
  }
  return Status::Ok();
}

// One parallel region per call. Each thread owns a fixed slice of the token
// rows for every per-token step (GEMMs with their fused epilogues, LayerNorms),
// so only attention, which reads all rows of a sequence, needs barriers around
// it; for passes of few tokens the GEMMs split columns instead (see
// kColumnSplitMaxTokens), with seven barriers per layer instead of two. A
// row's arithmetic never depends on which rows or columns share its GEMM call
// (checked by batching_invariance_test), so results do not depend on batching.
void TransformerEncoder::Run(const PackedBatch& batch, Scratch& s, float* x) const {
  const size_t tokens = batch.num_tokens(), h = config_.hidden_size, inter = config_.intermediate_size;
  const size_t heads = config_.num_attention_heads, head_dim = h / heads;
  const size_t sequences = batch.num_sequences();
  const float eps = config_.layer_norm_eps;
  const float scale = 1.0f / std::sqrt(float(head_dim));
  const KernelSet& k = kernels_;
  size_t longest = 0;
  for (size_t q = 0; q < sequences; ++q)
    longest = std::max<size_t>(longest, batch.seq_offsets[q + 1] - batch.seq_offsets[q]);
  const size_t per_thread_attention = AttentionScratchFloats(longest, head_dim);
  float* qkv = s.qkv.data();
  float* context = s.context.data();
  float* projected = s.projected.data();
  float* ffn = s.ffn.data();
  const size_t bias_width = 2 * longest - 1;
  const float* relative_bias = relative_attention_bias_ != nullptr ? s.relative_bias.data() : nullptr;

  // Few rows: split each product's columns instead of its rows, so every
  // weight is read from memory once per pass instead of once per thread.
  const bool split_columns = threads_ > 1 && tokens <= kColumnSplitMaxTokens;

  ScopedSingleThreadedLibraries single_threaded_gemm;
#pragma omp parallel num_threads(threads_)
  {
    const size_t tid = omp_get_thread_num(), team = omp_get_num_threads();
    const size_t r0 = tokens * tid / team, rows = tokens * (tid + 1) / team - r0;

    for (size_t t = r0; t < r0 + rows; ++t) {
      const int32_t type = batch.type_ids.empty() ? 0 : batch.type_ids[t];
      const float* type_row = type_embeddings_ != nullptr ? type_embeddings_ + size_t(type) * h : nullptr;
      k.add_layer_norm(word_embeddings_ + size_t(batch.ids[t]) * h, h,
                       position_embeddings_ + size_t(s.positions[t]) * h, type_row, h,
                       embedding_norm_.gamma, embedding_norm_.beta, eps, 1, h, x + t * h, h);
    }

    // Each product with its epilogue on columns [c0, c1): over this thread's
    // rows, or (split_columns) over every row and an equal share of the
    // columns in whole weight panels; the implicit barrier of `omp for` then
    // lets per-row steps see complete rows. (Shares handed out dynamically in
    // 64-256-column chunks measured 10-30 % slower: more oneDNN calls, each
    // with a fixed cost.)
    const auto product = [&](const float* a, size_t lda, const PackedWeight& w, float* c, size_t ldc,
                             auto&& epilogue) {
      if (!split_columns) {
        GemmColumns(a + r0 * lda, lda, rows, w, 0, w.n(), c + r0 * ldc, ldc);
        epilogue(r0, rows, 0, w.n());
        return;
      }
      const size_t share = ColumnShare(w.n(), team);  // one f32 column block (see Load)
#pragma omp for schedule(static, 1)
      for (size_t part = 0; part < team; ++part) {
        const size_t c0 = std::min(w.n(), part * share), c1 = std::min(w.n(), c0 + share);
        if (c0 == c1) continue;
        GemmColumns(a, lda, tokens, w, c0, c1, c, ldc);
        epilogue(0, tokens, c0, c1);
      }
    };
    const auto no_epilogue = [](size_t, size_t, size_t, size_t) {};
    if (split_columns) {
#pragma omp barrier
    }  // the first product reads every embedded row

    for (const Layer& layer : layers_) {
      product(x, h, layer.qkv, qkv, 3 * h, no_epilogue);
      if (!split_columns) {
#pragma omp barrier
      }
#pragma omp for schedule(dynamic, 1)
      for (size_t item = 0; item < sequences * heads; ++item) {
        const size_t seq = item / heads, head = item % heads;
        const size_t begin = batch.seq_offsets[seq], len = batch.seq_offsets[seq + 1] - begin;
        if (len == 0) continue;
        const float* base = qkv + begin * 3 * h + head * head_dim;
        const float* bias = layer.qkv_bias.data() + head * head_dim;
        AttentionHead args{base,     base + h, base + 2 * h, bias, bias + h, bias + 2 * h, 3 * h,
                           context + begin * h + head * head_dim, h, len, head_dim, scale};
        if (relative_bias != nullptr) args.position_bias = relative_bias + head * bias_width + (longest - 1);
        k.attention(args, s.attention.data() + tid * per_thread_attention);
      }  // implicit barrier: every context row is complete
      product(context, h, layer.attn_out, projected, h, no_epilogue);
      k.add_layer_norm(projected + r0 * h, h, layer.attn_out_bias, x + r0 * h, h, layer.attn_norm.gamma,
                       layer.attn_norm.beta, eps, rows, h, x + r0 * h, h);
      if (split_columns) {
#pragma omp barrier
      }
      product(x, h, layer.ffn_in, ffn, inter, [&](size_t row0, size_t n_rows, size_t c0, size_t c1) {
        k.bias_gelu(ffn + row0 * inter + c0, inter, layer.ffn_in_bias + c0, n_rows, c1 - c0);
      });
      product(ffn, inter, layer.ffn_out, projected, h, no_epilogue);
      k.add_layer_norm(projected + r0 * h, h, layer.ffn_out_bias, x + r0 * h, h, layer.ffn_norm.gamma,
                       layer.ffn_norm.beta, eps, rows, h, x + r0 * h, h);
      if (split_columns) {
#pragma omp barrier
      }
    }
  }
}

}  // namespace

Result<std::unique_ptr<Encoder>> CreateTransformerEncoder(const EncoderConfig& config,
                                                          std::unique_ptr<WeightSource> weights,
                                                          const EngineOptions& options) {
  if (options.threads < 0) return Status::InvalidArgument("EngineOptions::threads must be >= 0");
  const int threads = options.threads > 0 ? options.threads : std::max(1, omp_get_num_procs());
  const KernelSet& kernels = options.portable_kernels ? PortableKernels() : BestKernels();
  TEXTEMBED_ASSIGN_OR_RETURN(const LinearTypes linear_types, ParseLinearTypes(options.dtype));
  auto encoder = std::make_unique<TransformerEncoder>(config, std::move(weights), kernels, threads, linear_types,
                                                      options.portable_kernels);
  try {
    TEXTEMBED_RETURN_IF_ERROR(encoder->Load());
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("out of memory packing the encoder weights");
  }
  return std::unique_ptr<Encoder>(std::move(encoder));
}

}  // namespace textembed::engine
