#include "server/api_requests.h"

#include <gtest/gtest.h>

namespace textembed::server {
namespace {

const RequestLimits kLimits{.max_inputs = 3, .max_json_depth = 8};

Status OpenAiError(std::string_view body) { return ParseOpenAiEmbeddings(body, kLimits).status(); }
Status TeiError(std::string_view body) { return ParseTeiEmbed(body, kLimits).status(); }

TEST(OpenAiRequest, StringInput) {
  auto r = ParseOpenAiEmbeddings(R"({"input":"hello","model":"m","user":"u"})", kLimits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->texts, std::vector<std::string>{"hello"});
  EXPECT_EQ(r->model, "m");
  EXPECT_FALSE(r->token_input);
  EXPECT_FALSE(r->base64);
}

TEST(OpenAiRequest, ArrayOfStringsBase64AndDimensions) {
  auto r = ParseOpenAiEmbeddings(R"({"input":["a","b"],"encoding_format":"base64","dimensions":2})", kLimits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->texts, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r->base64);
  EXPECT_EQ(r->dimensions, 2u);
}

TEST(OpenAiRequest, TokenIdForms) {
  auto single = ParseOpenAiEmbeddings(R"({"input":[101,7592,102]})", kLimits);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  EXPECT_TRUE(single->token_input);
  EXPECT_EQ(single->token_ids, (std::vector<std::vector<int32_t>>{{101, 7592, 102}}));
  auto lists = ParseOpenAiEmbeddings(R"({"input":[[1,2],[3]]})", kLimits);
  ASSERT_TRUE(lists.ok()) << lists.status().ToString();
  EXPECT_EQ(lists->token_ids, (std::vector<std::vector<int32_t>>{{1, 2}, {3}}));
}

TEST(OpenAiRequest, ChunkingExtension) {
  auto r = ParseOpenAiEmbeddings(R"({"input":"x","chunking":"each","chunk_overlap":8})", kLimits);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->chunking.mode, LongTextMode::kChunkEach);
  EXPECT_EQ(r->chunking.overlap, 8u);
  EXPECT_EQ(ParseOpenAiEmbeddings(R"({"input":"x","chunking":"mean"})", kLimits)->chunking.mode,
            LongTextMode::kChunkMean);
  EXPECT_FALSE(ParseOpenAiEmbeddings(R"({"input":"x","chunking":"none"})", kLimits)->chunking.mode.has_value());
  EXPECT_FALSE(OpenAiError(R"({"input":"x","chunking":"all"})").ok());
}

TEST(OpenAiRequest, RejectsMalformedBodies) {
  const char* bad[] = {
      "",                                         // empty body
      "{",                                        // broken JSON
      "[1,2]",                                    // not an object
      R"({"input":"a",})",                        // trailing comma
      R"({"model":"m"})",                         // no input
      R"({"input":null})",                        // null input
      R"({"input":5})",                           // wrong type
      R"({"input":""})",                          // empty string
      R"({"input":[]})",                          // empty list
      R"({"input":["a",""]})",                    // empty string in a list
      R"({"input":["a",1]})",                     // mixed list
      R"({"input":[1,"a"]})",                     // mixed token list
      R"({"input":[[1],[]]})",                    // empty token list
      R"({"input":[-1]})",                        // negative id
      R"({"input":[4294967296]})",                // id beyond int32
      R"({"input":[1.5]})",                       // fractional id
      R"({"input":["a","b","c","d"]})",           // over max_inputs
      R"({"input":"a","encoding_format":"hex"})", // unknown format
      R"({"input":"a","dimensions":0})",
      R"({"input":"a","dimensions":-3})",
      R"({"input":"a","dimensions":99999999999})",
      R"({"input":"a","dimensions":"8"})",
      R"({"input":"a","model":7})",
      R"({"input":"a","user":[]})",
      R"({"input":[[[[[[[[[["a"]]]]]]]]]]})",     // deeper than max_json_depth
      "{\"input\":\"a\xff\"}",                    // invalid UTF-8
  };
  for (const char* body : bad) {
    const Status status = OpenAiError(body);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << body;
    EXPECT_FALSE(status.message().empty()) << body;
  }
}

TEST(OpenAiRequest, ErrorsNameTheField) {
  EXPECT_NE(OpenAiError(R"({"input":["a",1]})").message().find("input[1]"), std::string::npos);
  EXPECT_NE(OpenAiError(R"({"input":"a","dimensions":-3})").message().find("dimensions"), std::string::npos);
  EXPECT_NE(OpenAiError(R"({"input":["a","b","c","d"]})").message().find("at most 3"), std::string::npos);
}

TEST(TeiRequest, EmbedFields) {
  auto r = ParseTeiEmbed(
      R"({"inputs":["a","b"],"normalize":false,"truncate":true,"truncation_direction":"left","prompt_name":"query","dimensions":2})",
      kLimits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->texts.size(), 2u);
  EXPECT_EQ(r->normalize, false);
  EXPECT_EQ(r->truncate, true);
  EXPECT_EQ(r->truncation_direction, TruncationDirection::kLeft);
  EXPECT_EQ(r->prompt_name, "query");
  EXPECT_EQ(r->dimensions, 2u);
  auto defaults = ParseTeiEmbed(R"({"inputs":"a"})", kLimits);
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->normalize.has_value());
  EXPECT_FALSE(defaults->truncate.has_value());
  EXPECT_EQ(defaults->truncation_direction, TruncationDirection::kRight);
}

TEST(TeiRequest, EmbedRejects) {
  for (const char* body : {R"({"input":"a"})", R"({"inputs":[]})", R"({"inputs":[""]})", R"({"inputs":"a","normalize":"yes"})",
                           R"({"inputs":"a","truncation_direction":"middle"})", R"({"inputs":[["a"]]})"}) {
    EXPECT_EQ(TeiError(body).code(), Status::Code::kInvalidArgument) << body;
  }
}

TEST(TeiRequest, TokenizeAndDecode) {
  auto tokenize = ParseTeiTokenize(R"({"inputs":"hi","add_special_tokens":false})", kLimits);
  ASSERT_TRUE(tokenize.ok());
  EXPECT_FALSE(tokenize->add_special_tokens);
  auto decode = ParseTeiDecode(R"({"ids":[101,102]})", kLimits);
  ASSERT_TRUE(decode.ok());
  EXPECT_TRUE(decode->single);
  EXPECT_TRUE(decode->skip_special_tokens);
  auto batch = ParseTeiDecode(R"({"ids":[[1],[2,3]],"skip_special_tokens":false})", kLimits);
  ASSERT_TRUE(batch.ok());
  EXPECT_FALSE(batch->single);
  EXPECT_EQ(batch->ids.size(), 2u);
  EXPECT_FALSE(ParseTeiDecode(R"({"ids":"101"})", kLimits).ok());
  EXPECT_FALSE(ParseTeiDecode(R"({"ids":[]})", kLimits).ok());
}

}  // namespace
}  // namespace textembed::server
