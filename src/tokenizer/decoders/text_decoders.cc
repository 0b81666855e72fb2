// Decoders that rewrite token text: WordPiece, Metaspace, BPEDecoder, Strip,
// Replace, CTC and Fuse (HF decoders/*.rs and pre_tokenizers/metaspace.rs).
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/decoder.h"
#include "tokenizer/json_util.h"
#include "tokenizer/pattern.h"

namespace textembed::tokenizer {
namespace {

std::u32string Chars(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    const utf8::Decoded d = utf8::DecodeAt(text, i);
    out.push_back(d.code_point);
    i += d.length;
  }
  return out;
}

std::string Utf8(std::u32string_view chars) {
  std::string out;
  for (char32_t c : chars) utf8::Append(&out, c);
  return out;
}

// Joins word pieces: "##" continuations glue to the previous token, others get
// a space; the first token is kept as is (even with a prefix), as HF does.
class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    for (size_t i = 0; i < tokens->size(); ++i) {
      std::string& t = (*tokens)[i];
      if (i != 0) {
        if (!prefix_.empty() && t.starts_with(prefix_)) {
          t.erase(0, prefix_.size());
        } else {
          t.insert(t.begin(), ' ');
        }
      }
      if (cleanup_) t = CleanupWordPieceArtifacts(std::move(t));
    }
    return Status::Ok();
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

// '▁' back to ' '. Unless the scheme is "never", every '▁' of the FIRST token
// is dropped (HF drops all of them there, not just a leading one).
class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool strip_first)
      : replacement_(replacement), strip_first_(strip_first) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    for (size_t i = 0; i < tokens->size(); ++i) {
      std::string& t = (*tokens)[i];
      std::string out;
      out.reserve(t.size());
      for (size_t k = 0; k < t.size();) {
        const utf8::Decoded d = utf8::DecodeAt(t, k);
        if (d.code_point == replacement_) {
          if (!(i == 0 && strip_first_)) out += ' ';
        } else {
          out.append(t, k, d.length);
        }
        k += d.length;
      }
      t = std::move(out);
    }
    return Status::Ok();
  }

 private:
  char32_t replacement_;
  bool strip_first_;
};

// The end-of-word suffix becomes a space ("" in the last token).
class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    for (size_t i = 0; i < tokens->size(); ++i)
      (*tokens)[i] = ReplaceAll((*tokens)[i], suffix_, i + 1 == tokens->size() ? "" : " ");
    return Status::Ok();
  }

 private:
  std::string suffix_;
};

// Removes up to `start` leading and `stop` trailing `content` chars per token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    for (std::string& t : *tokens) {
      const std::u32string chars = Chars(t);
      size_t begin = 0;
      while (begin < start_ && begin < chars.size() && chars[begin] == content_) ++begin;
      size_t end = chars.size();
      // HF's loop walks from the end for `stop` chars without a bound (it
      // panics when the token is shorter); stopping at `begin` keeps the
      // same result wherever HF has one.
      while (chars.size() - end < stop_ && end > begin && chars[end - 1] == content_) --end;
      t = Utf8(std::u32string_view(chars).substr(begin, end - begin));
    }
    return Status::Ok();
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

// Every match of the pattern in each token becomes `content`.
class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(std::unique_ptr<Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    std::vector<Span> spans;
    for (std::string& t : *tokens) {
      TEXTEMBED_RETURN_IF_ERROR(pattern_->FindMatches(t, &spans));
      std::string out;
      out.reserve(t.size());
      for (const Span& s : spans) {
        if (s.is_match) {
          out += content_;
        } else {
          out.append(t, s.begin, s.end - s.begin);
        }
      }
      t = std::move(out);
    }
    return Status::Ok();
  }

 private:
  std::unique_ptr<Regex> pattern_;
  std::string content_;
};

// Connectionist temporal classification output: repeated tokens collapse,
// pads vanish, the word delimiter becomes a space (with cleanup).
class CtcDecoder final : public Decoder {
 public:
  CtcDecoder(std::string pad, std::string delimiter, bool cleanup)
      : pad_(std::move(pad)), delimiter_(std::move(delimiter)), cleanup_(cleanup) {}
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < tokens->size(); ++i) {
      if (i > 0 && (*tokens)[i] == (*tokens)[i - 1]) continue;
      std::string t = ReplaceAll((*tokens)[i], pad_, "");
      if (cleanup_) t = ReplaceAll(CleanupWordPieceArtifacts(std::move(t)), delimiter_, " ");
      if (!t.empty()) out.push_back(std::move(t));
    }
    *tokens = std::move(out);
    return Status::Ok();
  }

 private:
  std::string pad_, delimiter_;
  bool cleanup_;
};

class FuseDecoder final : public Decoder {
 public:
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    std::string all;
    for (const std::string& t : *tokens) all += t;
    tokens->assign(1, std::move(all));
    return Status::Ok();
  }
};

Result<char32_t> OneChar(const nlohmann::json& node, const char* key, const char* fallback) {
  TEXTEMBED_ASSIGN_OR_RETURN(std::string s, Field<std::string>(node, key, fallback));
  const std::u32string chars = Chars(s);
  if (chars.size() != 1)
    return Status::Corruption(std::string("decoder field \"") + key + "\" must be one character");
  return chars[0];
}

}  // namespace

Result<std::unique_ptr<Decoder>> MakeTextDecoder(const nlohmann::json& node) {
  const std::string type = TypeOf(node);
  if (type == "WordPiece") {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string prefix, Field<std::string>(node, "prefix", "##"));
    TEXTEMBED_ASSIGN_OR_RETURN(bool cleanup, Field<bool>(node, "cleanup", true));
    return std::unique_ptr<Decoder>(std::make_unique<WordPieceDecoder>(std::move(prefix), cleanup));
  }
  if (type == "Metaspace") {
    TEXTEMBED_ASSIGN_OR_RETURN(char32_t replacement, OneChar(node, "replacement", "\xE2\x96\x81"));
    TEXTEMBED_ASSIGN_OR_RETURN(bool add_prefix_space, Field<bool>(node, "add_prefix_space", true));
    TEXTEMBED_ASSIGN_OR_RETURN(std::string scheme, Field<std::string>(node, "prepend_scheme", ""));
    if (!scheme.empty() && scheme != "always" && scheme != "first" && scheme != "never")
      return Status::Corruption("Metaspace prepend_scheme \"" + scheme + "\" unknown");
    const bool strip_first = scheme.empty() ? add_prefix_space : scheme != "never";
    return std::unique_ptr<Decoder>(std::make_unique<MetaspaceDecoder>(replacement, strip_first));
  }
  if (type == "BPEDecoder") {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string suffix, Field<std::string>(node, "suffix", "</w>"));
    return std::unique_ptr<Decoder>(std::make_unique<BpeDecoder>(std::move(suffix)));
  }
  if (type == "Strip") {
    TEXTEMBED_ASSIGN_OR_RETURN(char32_t content, OneChar(node, "content", " "));
    TEXTEMBED_ASSIGN_OR_RETURN(size_t start, Field<size_t>(node, "start", 0));
    TEXTEMBED_ASSIGN_OR_RETURN(size_t stop, Field<size_t>(node, "stop", 0));
    return std::unique_ptr<Decoder>(std::make_unique<StripDecoder>(content, start, stop));
  }
  if (type == "Replace") {
    if (!node.contains("pattern")) return Status::Corruption("Replace decoder without pattern");
    TEXTEMBED_ASSIGN_OR_RETURN(auto pattern, RegexFromPatternNode(node["pattern"]));
    TEXTEMBED_ASSIGN_OR_RETURN(std::string content, Field<std::string>(node, "content", ""));
    return std::unique_ptr<Decoder>(std::make_unique<ReplaceDecoder>(std::move(pattern), std::move(content)));
  }
  if (type == "CTC") {
    TEXTEMBED_ASSIGN_OR_RETURN(std::string pad, Field<std::string>(node, "pad_token", "<pad>"));
    TEXTEMBED_ASSIGN_OR_RETURN(std::string delim, Field<std::string>(node, "word_delimiter_token", "|"));
    TEXTEMBED_ASSIGN_OR_RETURN(bool cleanup, Field<bool>(node, "cleanup", true));
    return std::unique_ptr<Decoder>(std::make_unique<CtcDecoder>(std::move(pad), std::move(delim), cleanup));
  }
  if (type == "Fuse") return std::unique_ptr<Decoder>(std::make_unique<FuseDecoder>());
  return std::unique_ptr<Decoder>();
}

}  // namespace textembed::tokenizer
