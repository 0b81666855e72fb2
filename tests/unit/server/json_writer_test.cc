#include "server/json_writer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace textembed::server {
namespace {

TEST(JsonWriter, NestedContainersParseBack) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject().Key("a").BeginArray().Int(-1).Uint(2).Bool(true).Null().EndArray();
  json.Key("b").BeginObject().Key("c").String("d").EndObject().Key("e").BeginArray().EndArray().EndObject();
  const nlohmann::json parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed["a"], nlohmann::json::parse("[-1,2,true,null]"));
  EXPECT_EQ(parsed["b"]["c"], "d");
  EXPECT_TRUE(parsed["e"].empty());
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  std::string input = "q\"b\\n\nt\tz";
  input.push_back('\x01');
  input.push_back('\x1f');
  std::string out;
  AppendJsonEscaped(input, &out);
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), input);
  EXPECT_NE(out.find("\\u0001"), std::string::npos);
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacter) {
  const std::string input = "a\xff" "b\xc3(\xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80";
  std::string out;
  AppendJsonEscaped(input, &out);
  const std::string back = nlohmann::json::parse(out).get<std::string>();  // throws on invalid UTF-8
  EXPECT_EQ(back.substr(0, 5), "a\xef\xbf\xbd" "b");
  EXPECT_NE(back.find("\xef\xbf\xbd"), std::string::npos);
  EXPECT_NE(back.find("\xf0\x9f\x98\x80"), std::string::npos);  // valid emoji kept
}

TEST(JsonWriter, FloatsRoundTripExactly) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.f, 0.3f);
  std::vector<float> values(1000);
  for (float& v : values) v = normal(rng);
  values.push_back(std::numeric_limits<float>::denorm_min());
  values.push_back(std::numeric_limits<float>::max());
  values.push_back(-0.0f);
  std::string out;
  JsonWriter(&out).FloatArray(values);
  size_t i = 0;
  const char* p = out.c_str() + 1;
  while (*p && *p != ']') {
    char* end;
    const float back = std::strtof(p, &end);
    ASSERT_EQ(std::memcmp(&back, &values[i], sizeof(float)), 0) << "value " << i << " text " << std::string(p, static_cast<size_t>(end - p));
    ++i;
    p = *end == ',' ? end + 1 : end;
  }
  EXPECT_EQ(i, values.size());
}

TEST(JsonWriter, NonFiniteFloatsAreNull) {
  std::string out;
  JsonWriter(&out).FloatArray(std::vector<float>{1.f, std::nanf(""), INFINITY});
  EXPECT_EQ(out, "[1,null,null]");
}

TEST(JsonWriter, Base64MatchesRfc4648Vectors) {
  const auto encode = [](std::string_view s) {
    return Base64Encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg==");
  EXPECT_EQ(encode("fo"), "Zm8=");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg==");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
}

TEST(JsonWriter, Base64FloatsAreLittleEndianFloat32) {
  std::string out;
  JsonWriter(&out).Base64Floats(std::vector<float>{1.0f});  // 00 00 80 3f
  EXPECT_EQ(out, "\"AACAPw==\"");
}

}  // namespace
}  // namespace textembed::server
