// The request bodies of the OpenAI and TEI routes, parsed from JSON with
// simdjson (DOM: the whole body is validated, UTF-8 included, before any
// field is read). Errors are kInvalidArgument with a message naming the
// field, ready to send back to the client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/service.h"
#include "textembed/status.h"

namespace textembed::server {

struct RequestLimits {
  size_t max_inputs = 2048;    // texts (or token-id lists) per request
  size_t max_json_depth = 32;  // deeper nesting is refused before parsing
};

// Extension fields, on both embedding routes, for texts longer than the
// model's max length: "chunking": "each" | "mean" | "none", "chunk_overlap": N.
struct ChunkingRequest {
  std::optional<LongTextMode> mode;  // nullopt: truncate or refuse, per the route
  std::optional<size_t> overlap;
};

// POST /v1/embeddings
struct OpenAiEmbeddingsRequest {
  std::vector<std::string> texts;                // input as text(s)
  std::vector<std::vector<int32_t>> token_ids;   // input as token ids
  bool token_input = false;
  std::string model;
  bool base64 = false;
  std::optional<size_t> dimensions;
  ChunkingRequest chunking;
};

// POST /embed and POST /embed_all (TEI)
struct TeiEmbedRequest {
  std::vector<std::string> texts;
  std::string model;  // extension: TEI serves one model
  std::optional<bool> normalize;
  std::optional<bool> truncate;
  TruncationDirection truncation_direction = TruncationDirection::kRight;
  std::optional<std::string> prompt_name;
  std::optional<size_t> dimensions;
  ChunkingRequest chunking;
};

// POST /tokenize (TEI)
struct TeiTokenizeRequest {
  std::vector<std::string> texts;
  std::string model;
  bool add_special_tokens = true;
};

// POST /decode (TEI)
struct TeiDecodeRequest {
  std::vector<std::vector<int32_t>> ids;
  bool single = false;  // "ids" was one list, not a list of lists
  std::string model;
  bool skip_special_tokens = true;
};

Result<OpenAiEmbeddingsRequest> ParseOpenAiEmbeddings(std::string_view body, const RequestLimits& limits);
Result<TeiEmbedRequest> ParseTeiEmbed(std::string_view body, const RequestLimits& limits);
Result<TeiTokenizeRequest> ParseTeiTokenize(std::string_view body, const RequestLimits& limits);
Result<TeiDecodeRequest> ParseTeiDecode(std::string_view body, const RequestLimits& limits);

}  // namespace textembed::server
