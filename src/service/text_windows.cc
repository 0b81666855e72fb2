#include "service/text_windows.h"

#include <algorithm>
#include <string>

namespace textembed::service {
namespace {

// Cuts content tokens [begin, end) out and wraps them in prompt and specials.
TextWindow Wrap(const SpecialTokenLayout& layout, const std::vector<int32_t>& prompt_ids,
                std::span<const int32_t> content, size_t begin, size_t end, Offset bytes) {
  TextWindow window;
  window.bytes = bytes;
  const size_t size = layout.size() + prompt_ids.size() + (end - begin);
  window.ids.reserve(size);
  window.type_ids.reserve(size);
  window.ids.insert(window.ids.end(), layout.prefix_ids.begin(), layout.prefix_ids.end());
  window.type_ids.insert(window.type_ids.end(), layout.prefix_type_ids.begin(), layout.prefix_type_ids.end());
  window.ids.insert(window.ids.end(), prompt_ids.begin(), prompt_ids.end());
  window.ids.insert(window.ids.end(), content.begin() + static_cast<ptrdiff_t>(begin),
                    content.begin() + static_cast<ptrdiff_t>(end));
  window.type_ids.resize(window.ids.size(), layout.content_type_id);
  window.ids.insert(window.ids.end(), layout.suffix_ids.begin(), layout.suffix_ids.end());
  window.type_ids.insert(window.type_ids.end(), layout.suffix_type_ids.begin(), layout.suffix_type_ids.end());
  return window;
}

// `offsets` is empty for ids given directly (byte ranges {0, 0}).
Result<std::vector<TextWindow>> Cut(const SpecialTokenLayout& layout, const std::vector<int32_t>& prompt_ids,
                                    std::span<const int32_t> content, std::span<const Offset> offsets,
                                    const WindowOptions& options) {
  TEXTEMBED_RETURN_IF_ERROR(CheckWindowOptions(layout, options));
  const size_t fixed = layout.size() + prompt_ids.size();
  if (fixed >= options.max_length)
    return Status::InvalidArgument("the prompt takes " + std::to_string(prompt_ids.size()) + " tokens; max_length " +
                                   std::to_string(options.max_length) + " leaves no room for the text");
  const size_t room = options.max_length - fixed;
  const size_t n = content.size();
  auto bytes = [&](size_t begin, size_t end) {
    if (offsets.empty() || begin >= end) return Offset{};
    return Offset{offsets[begin].begin, offsets[end - 1].end};
  };
  std::vector<TextWindow> windows;
  if (n <= room) {
    windows.push_back(Wrap(layout, prompt_ids, content, 0, n, bytes(0, n)));
    return windows;
  }
  switch (options.mode) {
    case LongTextMode::kError:
      return Status::OutOfRange("the text has " + std::to_string(n + fixed) +
                                " tokens (prompt and special tokens included); the model takes at most " +
                                std::to_string(options.max_length));
    case LongTextMode::kTruncate: {
      const size_t begin = options.direction == TruncationDirection::kLeft ? n - room : 0;
      windows.push_back(Wrap(layout, prompt_ids, content, begin, begin + room, bytes(begin, begin + room)));
      return windows;
    }
    case LongTextMode::kChunkEach:
    case LongTextMode::kChunkMean: {
      if (options.overlap >= room)
        return Status::InvalidArgument("chunk overlap " + std::to_string(options.overlap) +
                                       " must be below the tokens left for text in a window (" +
                                       std::to_string(room) + ")");
      const size_t stride = room - options.overlap;
      for (size_t begin = 0;; begin += stride) {
        const size_t end = std::min(begin + room, n);
        windows.push_back(Wrap(layout, prompt_ids, content, begin, end, bytes(begin, end)));
        if (end == n) break;
      }
      return windows;
    }
  }
  return Status::Internal("unknown long-text mode");
}

Result<Encoding> EncodeContent(const Tokenizer& tokenizer, std::string_view text) {
  EncodeOptions options;
  options.add_special_tokens = false;
  options.max_length = 0;
  return tokenizer.Encode(text, options);
}

}  // namespace

Result<SpecialTokenLayout> SpecialTokenLayout::Detect(const Tokenizer& tokenizer) {
  EncodeOptions options;
  options.max_length = 0;
  TEXTEMBED_ASSIGN_OR_RETURN(Encoding probe, tokenizer.Encode("a", options));
  SpecialTokenLayout layout;
  size_t i = 0;
  for (; i < probe.size() && probe.special_tokens_mask[i]; ++i) {
    layout.prefix_ids.push_back(probe.ids[i]);
    layout.prefix_type_ids.push_back(probe.type_ids[i]);
  }
  if (i == probe.size()) return Status::Internal("the tokenizer turned the probe text \"a\" into special tokens only");
  layout.content_type_id = probe.type_ids[i];
  for (; i < probe.size() && !probe.special_tokens_mask[i]; ++i) {
  }
  for (; i < probe.size(); ++i) {
    if (!probe.special_tokens_mask[i])
      return Status::Unimplemented("the tokenizer's post-processor puts special tokens inside the text");
    layout.suffix_ids.push_back(probe.ids[i]);
    layout.suffix_type_ids.push_back(probe.type_ids[i]);
  }
  return layout;
}

Status CheckWindowOptions(const SpecialTokenLayout& layout, const WindowOptions& options) {
  if (options.max_length <= layout.size())
    return Status::InvalidArgument("max_length " + std::to_string(options.max_length) +
                                   " leaves no room for text after the special tokens");
  return Status::Ok();
}

Result<std::vector<TextWindow>> MakeTextWindows(const Tokenizer& tokenizer, const SpecialTokenLayout& layout,
                                                std::string_view prompt, std::string_view text,
                                                const WindowOptions& options) {
  TEXTEMBED_RETURN_IF_ERROR(CheckWindowOptions(layout, options));
  const bool joined = options.mode == LongTextMode::kError ||
                      (options.mode == LongTextMode::kTruncate && options.direction == TruncationDirection::kRight);
  if (joined) {
    // One string, the tokenizer's own truncation: what sentence-transformers computes.
    std::string full;
    full.reserve(prompt.size() + text.size());
    full.append(prompt).append(text);
    EncodeOptions encode;
    encode.max_length = options.mode == LongTextMode::kError ? 0 : options.max_length;
    TEXTEMBED_ASSIGN_OR_RETURN(Encoding encoding, tokenizer.Encode(full, encode));
    if (encoding.size() > options.max_length)
      return Status::OutOfRange("the text has " + std::to_string(encoding.size()) +
                                " tokens (prompt and special tokens included); the model takes at most " +
                                std::to_string(options.max_length));
    TextWindow window;
    uint32_t end = 0;
    for (size_t i = 0; i < encoding.size(); ++i)
      if (!encoding.special_tokens_mask[i]) end = std::max(end, encoding.offsets[i].end);
    const auto prompt_bytes = static_cast<uint32_t>(prompt.size());
    window.bytes = encoding.truncated ? Offset{0, end > prompt_bytes ? end - prompt_bytes : 0}
                                      : Offset{0, static_cast<uint32_t>(text.size())};
    window.ids = std::move(encoding.ids);
    window.type_ids = std::move(encoding.type_ids);
    std::vector<TextWindow> windows;
    windows.push_back(std::move(window));
    return windows;
  }
  std::vector<int32_t> prompt_ids;
  if (!prompt.empty()) {
    TEXTEMBED_ASSIGN_OR_RETURN(Encoding encoded_prompt, EncodeContent(tokenizer, prompt));
    prompt_ids = std::move(encoded_prompt.ids);
  }
  TEXTEMBED_ASSIGN_OR_RETURN(Encoding content, EncodeContent(tokenizer, text));
  return Cut(layout, prompt_ids, content.ids, content.offsets, options);
}

Result<std::vector<TextWindow>> MakeIdWindows(const SpecialTokenLayout& layout, const std::vector<int32_t>& prompt_ids,
                                              const std::vector<int32_t>& ids, const WindowOptions& options) {
  return Cut(layout, prompt_ids, ids, {}, options);
}

}  // namespace textembed::service
