// textembed::Tokenizer: added tokens → normalizer → pre-tokenizer → model →
// truncation → post-processor, as HF tokenizers' encode (padding excluded).
#include "textembed/tokenizer.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/decoder.h"
#include "tokenizer/json_util.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"

namespace textembed {

struct Tokenizer::Impl {
  std::unique_ptr<tokenizer::Normalizer> normalizer;
  std::unique_ptr<tokenizer::PreTokenizer> pre_tokenizer;
  std::unique_ptr<tokenizer::Model> model;
  std::unique_ptr<tokenizer::PostProcessor> post_processor;
  std::unique_ptr<tokenizer::Decoder> decoder;
  tokenizer::AddedVocabulary added;
  std::optional<size_t> truncation_max_length;
  bool truncate_left = false;
  TruncationStrategy truncation_strategy = TruncationStrategy::kLongestFirst;
};

namespace {

// Moves a built pipeline stage into `slot`; an error names the stage, i.e. the
// tokenizer.json key it came from.
template <typename T>
Status TakeStage(Result<T> built, const char* stage, T* slot) {
  if (!built.ok()) return built.status().WithContext(stage);
  *slot = std::move(built).value();
  return Status::Ok();
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Result<Tokenizer> Tokenizer::Load(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(path, ec)) file = path / "tokenizer.json";
  if (!std::filesystem::exists(file, ec)) return Status::NotFound(file.string() + " does not exist");
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + file.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) return Status::IoError("cannot read " + file.string());
  auto result = FromJson(buffer.str());
  if (!result.ok()) return result.status().WithContext(file.string());
  return result;
}

Result<Tokenizer> Tokenizer::FromJson(std::string_view json_text) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("tokenizer.json is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) return Status::Corruption("tokenizer.json: top level is not an object");
  auto impl = std::make_unique<Impl>();
  auto node = [&](const char* key) -> const nlohmann::json& {
    static const nlohmann::json kNull;
    auto it = root.find(key);
    return it == root.end() ? kNull : *it;
  };
  try {
    TEXTEMBED_RETURN_IF_ERROR(
        TakeStage(tokenizer::MakeNormalizer(node("normalizer")), "normalizer", &impl->normalizer));
    TEXTEMBED_RETURN_IF_ERROR(TakeStage(tokenizer::MakePreTokenizer(node("pre_tokenizer")),
                                        "pre_tokenizer", &impl->pre_tokenizer));
    if (node("model").is_null()) return Status::Corruption("tokenizer.json has no \"model\"");
    TEXTEMBED_RETURN_IF_ERROR(TakeStage(tokenizer::MakeModel(node("model")), "model", &impl->model));
    TEXTEMBED_RETURN_IF_ERROR(TakeStage(tokenizer::MakePostProcessor(node("post_processor")),
                                        "post_processor", &impl->post_processor));
    TEXTEMBED_RETURN_IF_ERROR(
        TakeStage(tokenizer::MakeDecoder(node("decoder")), "decoder", &impl->decoder));
    TEXTEMBED_RETURN_IF_ERROR(TakeStage(tokenizer::AddedVocabulary::Build(
                                            node("added_tokens"), *impl->model, impl->normalizer.get()),
                                        "added_tokens", &impl->added));
    const nlohmann::json& truncation = node("truncation");
    if (!truncation.is_null()) {
      TEXTEMBED_ASSIGN_OR_RETURN(size_t max_length,
                                 tokenizer::Field<size_t>(truncation, "max_length", 512));
      impl->truncation_max_length = max_length;
      TEXTEMBED_ASSIGN_OR_RETURN(std::string direction,
                                 tokenizer::Field<std::string>(truncation, "direction", "Right"));
      impl->truncate_left = direction == "Left";
      TEXTEMBED_ASSIGN_OR_RETURN(std::string strategy,
                                 tokenizer::Field<std::string>(truncation, "strategy", "LongestFirst"));
      if (strategy == "OnlyFirst") {
        impl->truncation_strategy = TruncationStrategy::kOnlyFirst;
      } else if (strategy == "OnlySecond") {
        impl->truncation_strategy = TruncationStrategy::kOnlySecond;
      } else if (strategy != "LongestFirst") {
        return Status::Corruption("tokenizer.json: truncation strategy \"" + strategy + "\" unknown");
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("tokenizer.json: ") + e.what());
  }
  return Tokenizer(std::move(impl));
}

namespace {

Status CheckInputSize(std::string_view text) {
  if (text.size() > Tokenizer::kMaxInputBytes) {
    return Status::InvalidArgument("text of " + std::to_string(text.size()) +
                                   " bytes exceeds the limit of " + std::to_string(Tokenizer::kMaxInputBytes));
  }
  return Status::Ok();
}

// Keeps `keep` tokens of `e`, dropping from the end (or the start).
void TruncateTo(Encoding* e, size_t keep, bool from_left) {
  if (e->size() <= keep) return;
  const size_t drop = e->size() - keep;
  auto cut = [&](auto& v) {
    if (from_left) {
      v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(drop));
    } else {
      v.resize(keep);
    }
  };
  cut(e->ids);
  cut(e->tokens);
  cut(e->offsets);
  cut(e->type_ids);
  cut(e->special_tokens_mask);
  e->truncated = true;
}

// Added tokens, normalizer, pre-tokenizer and model: the tokens of one text,
// before truncation and special tokens. `piece_ends` (optional) receives the
// token count at the end of each pre-tokenized piece (HF's "splits").
Status EncodeText(const tokenizer::AddedVocabulary& added, const tokenizer::Normalizer* normalizer,
                  const tokenizer::PreTokenizer* pre_tokenizer, const tokenizer::Model& model,
                  std::string_view text, int32_t type_id, Encoding* enc,
                  std::vector<uint32_t>* piece_ends) {
  TEXTEMBED_RETURN_IF_ERROR(CheckInputSize(text));
  tokenizer::PreTokenized pt;
  TEXTEMBED_RETURN_IF_ERROR(added.ExtractAndNormalize(text, normalizer, &pt));
  if (pre_tokenizer) TEXTEMBED_RETURN_IF_ERROR(pre_tokenizer->PreTokenize(&pt));

  enc->ids.reserve(text.size() / 3 + 4);
  if (piece_ends) {
    piece_ends->clear();
    piece_ends->reserve(pt.pieces().size());
  }
  std::vector<tokenizer::Token> tokens;
  for (const tokenizer::Piece& p : pt.pieces()) {
    const std::string_view piece = pt.View(p);
    const Offset* align = pt.Align(p);
    if (p.added_id >= 0) {
      enc->ids.push_back(p.added_id);
      enc->tokens.emplace_back(piece);
      enc->offsets.push_back(
          tokenizer::OriginalRange(align, p.shift, 0, static_cast<uint32_t>(piece.size())));
    } else {
      tokens.clear();
      TEXTEMBED_RETURN_IF_ERROR(model.Tokenize(piece, &tokens));
      for (tokenizer::Token& t : tokens) {
        const uint32_t end = std::min<uint32_t>(t.end, static_cast<uint32_t>(piece.size()));
        const uint32_t begin = std::min(t.begin, end);
        enc->ids.push_back(t.id);
        enc->tokens.push_back(std::move(t.value));
        enc->offsets.push_back(tokenizer::OriginalRange(align, p.shift, begin, end));
      }
    }
    if (piece_ends) piece_ends->push_back(static_cast<uint32_t>(enc->ids.size()));
  }
  enc->type_ids.assign(enc->ids.size(), type_id);
  enc->special_tokens_mask.assign(enc->ids.size(), 0);
  return Status::Ok();
}

// How many tokens of a text HF 0.23.2 hands to truncate_encodings when
// truncation is on: the text is tokenized piece by piece (pre-tokenizer
// splits) and stops after the piece that reaches max_length tokens, so the
// count is max_length rounded up to a piece boundary (from the end of the
// text for left truncation), or the whole text when shorter. Measured on
// every length combination (tools/node/pair_parity.js --synthetic); it decides
// which text of a pair gets the larger half under longest_first.
size_t PieceCappedLength(const std::vector<uint32_t>& piece_ends, size_t max_length, bool from_left) {
  const size_t total = piece_ends.empty() ? 0 : piece_ends.back();
  if (total <= max_length) return total;
  if (!from_left) {
    for (uint32_t end : piece_ends)
      if (end >= max_length) return end;
    return total;
  }
  // Pieces from the last one back: the tokens after each piece's start.
  for (size_t i = piece_ends.size(); i-- > 0;) {
    const size_t start = i == 0 ? 0 : piece_ends[i - 1];
    if (total - start >= max_length) return total - start;
  }
  return total;
}

}  // namespace

Status Tokenizer::EncodeSequence(std::string_view text, int32_t type_id, Encoding* enc) const {
  const Impl& m = *impl_;
  return EncodeText(m.added, m.normalizer.get(), m.pre_tokenizer.get(), *m.model, text, type_id, enc,
                    nullptr);
}

// The token budget left for the texts: max_length minus the specials, or
// nullopt when nothing is truncated.
Result<std::optional<size_t>> Tokenizer::TokenBudget(const EncodeOptions& options, size_t added) const {
  std::optional<size_t> max_length = options.max_length;
  if (!max_length) max_length = impl_->truncation_max_length;
  if (!max_length || *max_length == 0) return std::optional<size_t>();
  if (!options.add_special_tokens || !impl_->post_processor) added = 0;
  // HF's answer here is an artifact of an unsigned underflow (it keeps
  // roughly the first word); a limit that cannot hold the special tokens is
  // a caller error, so say so instead of imitating it.
  if (*max_length < added)
    return Status::InvalidArgument("max_length " + std::to_string(*max_length) + " is smaller than the " +
                                   std::to_string(added) + " special tokens the post-processor adds");
  return std::optional<size_t>(*max_length - added);
}

Result<Encoding> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  const Impl& m = *impl_;
  Encoding enc;
  TEXTEMBED_RETURN_IF_ERROR(EncodeSequence(text, 0, &enc));
  TEXTEMBED_ASSIGN_OR_RETURN(std::optional<size_t> budget,
                             TokenBudget(options, m.post_processor ? m.post_processor->AddedTokens() : 0));
  if (budget) TruncateTo(&enc, *budget, m.truncate_left);
  if (m.post_processor)
    TEXTEMBED_RETURN_IF_ERROR(m.post_processor->Process(&enc, options.add_special_tokens, text));
  return enc;
}

Result<Encoding> Tokenizer::EncodePair(std::string_view first, std::string_view second,
                                       const EncodeOptions& options) const {
  const Impl& m = *impl_;
  Encoding parts[2];
  std::vector<uint32_t> piece_ends[2];
  // As HF's encode: the second text's tokens carry type id 1 from the start.
  const std::string_view texts[2] = {first, second};
  for (int i = 0; i < 2; ++i)
    TEXTEMBED_RETURN_IF_ERROR(EncodeText(m.added, m.normalizer.get(), m.pre_tokenizer.get(), *m.model,
                                         texts[i], i, &parts[i], &piece_ends[i]));
  TEXTEMBED_ASSIGN_OR_RETURN(
      std::optional<size_t> budget,
      TokenBudget(options, m.post_processor ? m.post_processor->AddedTokensPair() : 0));
  if (budget) {
    const size_t max_length = options.max_length ? *options.max_length : *m.truncation_max_length;
    const TruncationStrategy strategy = options.truncation_strategy.value_or(m.truncation_strategy);
    // The lengths HF's truncate_encodings sees: each text cut after the piece
    // that reaches max_length (special tokens included); only_second leaves
    // the first text whole.
    const size_t n1 = strategy == TruncationStrategy::kOnlySecond
                          ? parts[0].size()
                          : PieceCappedLength(piece_ends[0], max_length, m.truncate_left);
    const size_t n2 = PieceCappedLength(piece_ends[1], max_length, m.truncate_left);
    const size_t limit = *budget;  // max_length less the pair's special tokens
    size_t keep1 = n1, keep2 = n2;
    if (limit == 0) {
      keep1 = keep2 = 0;  // HF: max_length 0 empties both, whatever the strategy
    } else if (n1 + n2 > limit) {
      const size_t excess = n1 + n2 - limit;
      switch (strategy) {
        case TruncationStrategy::kLongestFirst: {
          // HF utils/truncation.rs: with `shorter` <= `longer` (swapped when
          // the first text is the longer one), the shorter stays whole if the
          // longer can absorb the excess; otherwise the shorter gets limit / 2
          // and the longer the rest. A tie counts the first text as shorter.
          const bool first_longer = n1 > n2;
          size_t shorter = std::min(n1, n2);
          size_t longer = shorter > limit ? shorter : std::max(shorter, limit - shorter);
          if (shorter + longer > limit) {
            shorter = limit / 2;
            longer = limit - limit / 2;
          }
          keep1 = first_longer ? longer : shorter;
          keep2 = first_longer ? shorter : longer;
          break;
        }
        case TruncationStrategy::kOnlyFirst:
        case TruncationStrategy::kOnlySecond: {
          const bool cut_first = strategy == TruncationStrategy::kOnlyFirst;
          const size_t target = cut_first ? n1 : n2;
          if (target <= excess)
            return Status::InvalidArgument(std::string("the ") + (cut_first ? "first" : "second") +
                                           " text has " + std::to_string(target) +
                                           " tokens, too few to remove the " + std::to_string(excess) +
                                           " needed to respect max_length");
          (cut_first ? keep1 : keep2) = target - excess;
          break;
        }
      }
    }
    TruncateTo(&parts[0], keep1, m.truncate_left);
    TruncateTo(&parts[1], keep2, m.truncate_left);
  }
  if (m.post_processor)
    TEXTEMBED_RETURN_IF_ERROR(m.post_processor->ProcessPairParts(parts, options.add_special_tokens, texts));
  tokenizer::AppendEncoding(&parts[0], std::move(parts[1]));
  return std::move(parts[0]);
}

// HF Tokenizer::decode: ids → tokens (added vocabulary first, then the model;
// unknown ids are skipped), special tokens dropped on request, then the
// decoder chain, concatenated (tokens joined by spaces without a decoder).
Result<std::string> Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  const Impl& m = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0)
      return Status::InvalidArgument("id " + std::to_string(id) + " at position " + std::to_string(i) +
                                     " is negative");
    std::optional<std::string> token = m.added.IdToToken(id);
    if (!token) {
      auto t = m.model->IdToToken(id);
      if (!t) continue;
      token.emplace(*t);
    }
    if (skip_special_tokens && m.added.IsSpecial(*token)) continue;
    tokens.push_back(std::move(*token));
  }
  std::string text;
  if (m.decoder) {
    TEXTEMBED_RETURN_IF_ERROR(m.decoder->DecodeChain(&tokens));
    for (const std::string& t : tokens) text += t;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) text += ' ';
      text += tokens[i];
    }
  }
  return text;
}

std::optional<int32_t> Tokenizer::TokenToId(std::string_view token) const {
  if (auto id = impl_->added.TokenToId(token)) return id;
  return impl_->model->TokenToId(token);
}

std::optional<std::string> Tokenizer::IdToToken(int32_t id) const {
  if (auto t = impl_->added.IdToToken(id)) return t;
  if (auto t = impl_->model->IdToToken(id)) return std::string(*t);
  return std::nullopt;
}

size_t Tokenizer::vocab_size() const {
  return impl_->model->vocab_size() + impl_->added.new_token_count();
}

std::optional<size_t> Tokenizer::truncation_max_length() const {
  return impl_->truncation_max_length;
}

size_t Tokenizer::num_special_tokens_single() const {
  return impl_->post_processor ? impl_->post_processor->AddedTokens() : 0;
}

size_t Tokenizer::num_special_tokens_pair() const {
  return impl_->post_processor ? impl_->post_processor->AddedTokensPair() : 0;
}

}  // namespace textembed
