// Writes JSON text straight into a string, without building a document:
// responses carry thousands of floats, and a DOM would copy each one twice.
// The caller is responsible for the structure (commas are tracked per level).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace textembed::server {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);  // then exactly one value
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  // Shortest text that reads back as the same float (std::to_chars);
  // non-finite values, which JSON cannot carry, are written as null.
  JsonWriter& Float(float value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& FloatArray(std::span<const float> values);
  // Base64 of the values as little-endian float32 (OpenAI encoding_format=base64).
  JsonWriter& Base64Floats(std::span<const float> values);

 private:
  void BeforeValue();
  std::string* out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// JSON string escaping per RFC 8259 (control characters as \u00XX); bytes
// that are not valid UTF-8 become U+FFFD so the output is always valid JSON.
void AppendJsonEscaped(std::string_view text, std::string* out);

std::string Base64Encode(std::span<const uint8_t> bytes);

}  // namespace textembed::server
