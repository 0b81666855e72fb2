// Metaspace (HF pre_tokenizers/metaspace.rs): spaces become the replacement
// char (▁), which is prepended per prepend_scheme, then the text is split
// before each replacement char.
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizer.h"

namespace textembed::tokenizer {
namespace {

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {}

  Status PreTokenize(PreTokenized* pt) const override {
    std::vector<Span> spans;
    return pt->Refine([&](const Piece& input, std::vector<Piece>* out) {
      Piece p = input;
      if (pt->View(p).find(' ') != std::string_view::npos) {
        p = pt->Transform(p, [&](Transformer& tr) {
          const std::string_view s = pt->View(input);
          for (size_t i = 0; i < s.size();) {
            if (s[i] == ' ') {
              tr.Skip(1);
              tr.Emit(replacement_, 1);
              ++i;
              continue;
            }
            const uint32_t len = utf8::DecodeAt(s, i).length;
            tr.CopySource(len);
            i += len;
          }
        });
      }
      const std::string_view s = pt->View(p);
      const bool starts_with_replacement =
          !s.empty() && utf8::DecodeAt(s, 0).code_point == replacement_;
      const bool prepend = !s.empty() && !starts_with_replacement &&
                           (scheme_ == PrependScheme::kAlways ||
                            (scheme_ == PrependScheme::kFirst && p.shift == 0));
      if (prepend) {
        p = pt->Transform(p, [&](Transformer& tr) {
          tr.PrependToSource(std::u32string_view(&replacement_, 1));
        });
      }
      if (!split_) {
        out->push_back(p);
        return Status::Ok();
      }
      const char32_t r = replacement_;
      FindCharMatches(pt->View(p), [r](char32_t c) { return c == r; }, &spans);
      pt->SplitBySpans(p, spans, SplitBehavior::kMergedWithNext, out);
      return Status::Ok();
    });
  }

 private:
  char32_t replacement_;
  PrependScheme scheme_;
  bool split_;
};

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakeMetaspacePreTokenizer(const nlohmann::json& node) {
  if (TypeOf(node) != "Metaspace") return std::unique_ptr<PreTokenizer>();
  TEXTEMBED_ASSIGN_OR_RETURN(std::string rep, Field<std::string>(node, "replacement", "\xE2\x96\x81"));
  if (rep.empty()) return Status::Corruption("Metaspace replacement is empty");
  const char32_t replacement = utf8::DecodeAt(rep, 0).code_point;
  TEXTEMBED_ASSIGN_OR_RETURN(bool add_prefix_space, Field<bool>(node, "add_prefix_space", true));
  TEXTEMBED_ASSIGN_OR_RETURN(std::string scheme_name,
                             Field<std::string>(node, "prepend_scheme", ""));
  PrependScheme scheme = add_prefix_space ? PrependScheme::kAlways : PrependScheme::kNever;
  if (scheme_name == "always") scheme = PrependScheme::kAlways;
  else if (scheme_name == "first") scheme = PrependScheme::kFirst;
  else if (scheme_name == "never") scheme = PrependScheme::kNever;
  else if (!scheme_name.empty())
    return Status::Corruption("Metaspace prepend_scheme \"" + scheme_name + "\" unknown");
  TEXTEMBED_ASSIGN_OR_RETURN(bool split, Field<bool>(node, "split", true));
  return std::unique_ptr<PreTokenizer>(
      std::make_unique<MetaspacePreTokenizer>(replacement, scheme, split));
}

}  // namespace textembed::tokenizer
