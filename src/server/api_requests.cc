#include "server/api_requests.h"

#include <limits>

#include <simdjson.h>

namespace textembed::server {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

// Owns the parser so the element tree stays valid while fields are read.
class Document {
 public:
  Status Parse(std::string_view body, const RequestLimits& limits) {
    if (body.empty()) return Invalid("request body is empty; expected a JSON object");
    if (simdjson::error_code error = parser_.allocate(body.size(), limits.max_json_depth))
      return Invalid(std::string("cannot parse request body: ") + simdjson::error_message(error));
    element root;
    if (simdjson::error_code error = parser_.parse(body.data(), body.size(), true).get(root)) {
      if (error == simdjson::DEPTH_ERROR)
        return Invalid("request body nests deeper than " + std::to_string(limits.max_json_depth) + " levels");
      return Invalid(std::string("request body is not valid JSON: ") + simdjson::error_message(error));
    }
    if (root.get(object_)) return Invalid("request body must be a JSON object");
    return Status::Ok();
  }
  // The field, or nullopt when absent or null (null means "use the default").
  std::optional<element> Field(std::string_view key) const {
    element value;
    if (object_.at_key(key).get(value) || value.is_null()) return std::nullopt;
    return value;
  }
  Result<element> Required(std::string_view key) const {
    std::optional<element> value = Field(key);
    if (!value) return Invalid("`" + std::string(key) + "` is required");
    return *value;
  }

 private:
  simdjson::dom::parser parser_;
  object object_;
};

const char* TypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

Status WrongType(std::string_view field, std::string_view expected, const element& value) {
  return Invalid("`" + std::string(field) + "` must be " + std::string(expected) + ", got " +
                 TypeName(value.type()));
}

Status ReadString(const Document& doc, std::string_view field, std::string* out) {
  const std::optional<element> value = doc.Field(field);
  if (!value) return Status::Ok();
  std::string_view text;
  if (value->get(text)) return WrongType(field, "a string", *value);
  *out = std::string(text);
  return Status::Ok();
}

Status ReadBool(const Document& doc, std::string_view field, std::optional<bool>* out) {
  const std::optional<element> value = doc.Field(field);
  if (!value) return Status::Ok();
  bool flag;
  if (value->get(flag)) return WrongType(field, "a boolean", *value);
  *out = flag;
  return Status::Ok();
}

// A boolean whose absence (or null) means `fallback`.
Status ReadBool(const Document& doc, std::string_view field, bool fallback, bool* out) {
  std::optional<bool> value;
  TEXTEMBED_RETURN_IF_ERROR(ReadBool(doc, field, &value));
  *out = value.value_or(fallback);
  return Status::Ok();
}

// A non-negative integer no larger than `max`.
Status ReadSize(const Document& doc, std::string_view field, size_t min, size_t max, std::optional<size_t>* out) {
  const std::optional<element> value = doc.Field(field);
  if (!value) return Status::Ok();
  int64_t signed_number;
  uint64_t number;
  if (!value->get(signed_number)) {
    if (signed_number < 0) return Invalid("`" + std::string(field) + "` must not be negative");
    number = static_cast<uint64_t>(signed_number);
  } else if (value->get(number)) {
    return WrongType(field, "an integer", *value);
  }
  if (number < min || number > max)
    return Invalid("`" + std::string(field) + "` must be between " + std::to_string(min) + " and " +
                   std::to_string(max) + ", got " + std::to_string(number));
  *out = static_cast<size_t>(number);
  return Status::Ok();
}

Status CheckText(std::string_view field, size_t index, std::string_view text, bool single) {
  if (!text.empty()) return Status::Ok();
  return Invalid(single ? "`" + std::string(field) + "` must not be an empty string"
                        : "`" + std::string(field) + "[" + std::to_string(index) + "]` must not be an empty string");
}

Status CheckCount(std::string_view field, size_t count, const RequestLimits& limits) {
  if (count == 0) return Invalid("`" + std::string(field) + "` must not be empty");
  if (count > limits.max_inputs)
    return Invalid("`" + std::string(field) + "` has " + std::to_string(count) + " items; at most " +
                   std::to_string(limits.max_inputs) + " are allowed per request");
  return Status::Ok();
}

// A string or a non-empty list of strings.
Status ReadTexts(const element& value, std::string_view field, const RequestLimits& limits,
                 std::vector<std::string>* texts) {
  std::string_view text;
  if (!value.get(text)) {
    TEXTEMBED_RETURN_IF_ERROR(CheckText(field, 0, text, true));
    texts->emplace_back(text);
    return Status::Ok();
  }
  simdjson::dom::array items;
  if (value.get(items)) return WrongType(field, "a string or an array of strings", value);
  TEXTEMBED_RETURN_IF_ERROR(CheckCount(field, items.size(), limits));
  texts->reserve(items.size());
  size_t index = 0;
  for (element item : items) {
    if (item.get(text))
      return WrongType(std::string(field) + "[" + std::to_string(index) + "]", "a string", item);
    TEXTEMBED_RETURN_IF_ERROR(CheckText(field, index, text, false));
    texts->emplace_back(text);
    ++index;
  }
  return Status::Ok();
}

Status ReadTokenId(const element& value, std::string_view where, int32_t* id) {
  int64_t number;
  if (value.get(number)) return WrongType(where, "a token id (integer)", value);
  if (number < 0 || number > std::numeric_limits<int32_t>::max())
    return Invalid("`" + std::string(where) + "` is not a valid token id: " + std::to_string(number));
  *id = static_cast<int32_t>(number);
  return Status::Ok();
}

Status ReadIdList(const element& value, std::string_view where, std::vector<int32_t>* ids) {
  simdjson::dom::array items;
  if (value.get(items)) return WrongType(where, "an array of token ids", value);
  if (items.size() == 0) return Invalid("`" + std::string(where) + "` must not be empty");
  ids->reserve(items.size());
  size_t index = 0;
  for (element item : items) {
    int32_t id = 0;  // GCC 12 cannot see that ReadTokenId sets it when it succeeds
    TEXTEMBED_RETURN_IF_ERROR(ReadTokenId(item, std::string(where) + "[" + std::to_string(index++) + "]", &id));
    ids->push_back(id);
  }
  return Status::Ok();
}

// A list of token ids, or a list of such lists; `*single` tells which.
Status ReadIdLists(const element& value, std::string_view field, const RequestLimits& limits,
                   std::vector<std::vector<int32_t>>* lists, bool* single) {
  simdjson::dom::array items;
  if (value.get(items)) return WrongType(field, "an array of token ids or of token-id arrays", value);
  if (items.size() == 0) return Invalid("`" + std::string(field) + "` must not be empty");
  element first = *items.begin();
  *single = !first.is_array();
  if (*single) {
    lists->emplace_back();
    return ReadIdList(value, field, &lists->back());
  }
  TEXTEMBED_RETURN_IF_ERROR(CheckCount(field, items.size(), limits));
  size_t index = 0;
  for (element item : items) {
    lists->emplace_back();
    TEXTEMBED_RETURN_IF_ERROR(ReadIdList(item, std::string(field) + "[" + std::to_string(index++) + "]", &lists->back()));
  }
  return Status::Ok();
}

// What the TEI text routes (/embed, /tokenize) start with: the required
// `inputs`, then `model` (in this order, so the first bad field is the one named).
Status ReadTeiInputs(const Document& doc, const RequestLimits& limits, std::vector<std::string>* texts,
                     std::string* model) {
  TEXTEMBED_ASSIGN_OR_RETURN(const element inputs, doc.Required("inputs"));
  TEXTEMBED_RETURN_IF_ERROR(ReadTexts(inputs, "inputs", limits, texts));
  return ReadString(doc, "model", model);
}

Status ReadChunking(const Document& doc, ChunkingRequest* chunking) {
  std::string mode;
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "chunking", &mode));
  if (mode == "each") chunking->mode = LongTextMode::kChunkEach;
  else if (mode == "mean") chunking->mode = LongTextMode::kChunkMean;
  else if (!mode.empty() && mode != "none")
    return Invalid("`chunking` must be \"none\", \"each\" or \"mean\", got \"" + mode + "\"");
  return ReadSize(doc, "chunk_overlap", 0, 1u << 20, &chunking->overlap);
}

constexpr size_t kMaxDimensions = 1u << 20;

}  // namespace

Result<OpenAiEmbeddingsRequest> ParseOpenAiEmbeddings(std::string_view body, const RequestLimits& limits) {
  Document doc;
  TEXTEMBED_RETURN_IF_ERROR(doc.Parse(body, limits));
  OpenAiEmbeddingsRequest request;
  TEXTEMBED_ASSIGN_OR_RETURN(const element input, doc.Required("input"));
  bool token_input = false;
  if (input.is_array()) {
    simdjson::dom::array items = input.get_array().value_unsafe();
    if (items.size() > 0) {
      const element first = *items.begin();
      token_input = first.is_array() || first.is_int64() || first.is_uint64();
    }
  }
  if (token_input) {
    bool single = false;
    TEXTEMBED_RETURN_IF_ERROR(ReadIdLists(input, "input", limits, &request.token_ids, &single));
    request.token_input = true;
  } else {
    TEXTEMBED_RETURN_IF_ERROR(ReadTexts(input, "input", limits, &request.texts));
  }
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "model", &request.model));
  std::string format;
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "encoding_format", &format));
  if (format == "base64") request.base64 = true;
  else if (!format.empty() && format != "float")
    return Invalid("`encoding_format` must be \"float\" or \"base64\", got \"" + format + "\"");
  TEXTEMBED_RETURN_IF_ERROR(ReadSize(doc, "dimensions", 1, kMaxDimensions, &request.dimensions));
  std::string user;  // accepted and ignored, but it must be a string
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "user", &user));
  TEXTEMBED_RETURN_IF_ERROR(ReadChunking(doc, &request.chunking));
  return request;
}

Result<TeiEmbedRequest> ParseTeiEmbed(std::string_view body, const RequestLimits& limits) {
  Document doc;
  TEXTEMBED_RETURN_IF_ERROR(doc.Parse(body, limits));
  TeiEmbedRequest request;
  TEXTEMBED_RETURN_IF_ERROR(ReadTeiInputs(doc, limits, &request.texts, &request.model));
  TEXTEMBED_RETURN_IF_ERROR(ReadBool(doc, "normalize", &request.normalize));
  TEXTEMBED_RETURN_IF_ERROR(ReadBool(doc, "truncate", &request.truncate));
  std::string direction;
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "truncation_direction", &direction));
  if (direction == "left" || direction == "Left") request.truncation_direction = TruncationDirection::kLeft;
  else if (!direction.empty() && direction != "right" && direction != "Right")
    return Invalid("`truncation_direction` must be \"left\" or \"right\", got \"" + direction + "\"");
  std::string prompt_name;
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "prompt_name", &prompt_name));
  if (!prompt_name.empty()) request.prompt_name = prompt_name;
  TEXTEMBED_RETURN_IF_ERROR(ReadSize(doc, "dimensions", 1, kMaxDimensions, &request.dimensions));
  TEXTEMBED_RETURN_IF_ERROR(ReadChunking(doc, &request.chunking));
  return request;
}

Result<TeiTokenizeRequest> ParseTeiTokenize(std::string_view body, const RequestLimits& limits) {
  Document doc;
  TEXTEMBED_RETURN_IF_ERROR(doc.Parse(body, limits));
  TeiTokenizeRequest request;
  TEXTEMBED_RETURN_IF_ERROR(ReadTeiInputs(doc, limits, &request.texts, &request.model));
  TEXTEMBED_RETURN_IF_ERROR(ReadBool(doc, "add_special_tokens", /*fallback=*/true, &request.add_special_tokens));
  return request;
}

Result<TeiDecodeRequest> ParseTeiDecode(std::string_view body, const RequestLimits& limits) {
  Document doc;
  TEXTEMBED_RETURN_IF_ERROR(doc.Parse(body, limits));
  TeiDecodeRequest request;
  TEXTEMBED_ASSIGN_OR_RETURN(const element ids, doc.Required("ids"));
  TEXTEMBED_RETURN_IF_ERROR(ReadIdLists(ids, "ids", limits, &request.ids, &request.single));
  TEXTEMBED_RETURN_IF_ERROR(ReadString(doc, "model", &request.model));
  TEXTEMBED_RETURN_IF_ERROR(ReadBool(doc, "skip_special_tokens", /*fallback=*/true, &request.skip_special_tokens));
  return request;
}

}  // namespace textembed::server
