// Turning one text (or a list of token ids) into the model sequences the
// batcher runs: special tokens, prompt, truncation on either side, and
// chunking into overlapping windows with their byte ranges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "textembed/service.h"
#include "textembed/status.h"
#include "textembed/tokenizer.h"

namespace textembed::service {

// The special tokens the post-processor puts around a single sequence
// ([CLS] … [SEP], <s> … </s>), found by encoding a probe text, so that
// windows cut from a longer text get exactly what the tokenizer would add.
struct SpecialTokenLayout {
  std::vector<int32_t> prefix_ids, prefix_type_ids;
  std::vector<int32_t> suffix_ids, suffix_type_ids;
  int32_t content_type_id = 0;

  size_t size() const { return prefix_ids.size() + suffix_ids.size(); }
  static Result<SpecialTokenLayout> Detect(const Tokenizer& tokenizer);
};

// One sequence for the model and where it came from.
struct TextWindow {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  Offset bytes;  // range of the original text (prompt excluded) the window covers
};

struct WindowOptions {
  size_t max_length = 0;  // tokens per sequence, special tokens included
  LongTextMode mode = LongTextMode::kTruncate;
  TruncationDirection direction = TruncationDirection::kRight;
  size_t overlap = 0;  // chunk modes: tokens shared by neighbouring windows
};

// Validates `options` against the layout (room for text, overlap < window).
Status CheckWindowOptions(const SpecialTokenLayout& layout, const WindowOptions& options);

// The windows of `prompt` + `text`. Truncation to the right tokenizes the
// joined string exactly as sentence-transformers does; the other modes
// tokenize prompt and text separately so that each window repeats the prompt
// and byte ranges point into `text`.
Result<std::vector<TextWindow>> MakeTextWindows(const Tokenizer& tokenizer, const SpecialTokenLayout& layout,
                                                std::string_view prompt, std::string_view text,
                                                const WindowOptions& options);

// The same for token ids given directly (no special tokens in them): wrapped
// in the layout's special tokens; byte ranges are {0, 0}.
Result<std::vector<TextWindow>> MakeIdWindows(const SpecialTokenLayout& layout, const std::vector<int32_t>& prompt_ids,
                                              const std::vector<int32_t>& ids, const WindowOptions& options);

}  // namespace textembed::service
