#include "server/api_handler.h"

#include <cstring>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scripted_backend.h"

namespace textembed::server {
namespace {

using nlohmann::json;
using testing::ScriptedBackend;

class ApiHandlerTest : public ::testing::Test {
 protected:
  HttpResponse Call(std::string method, std::string target, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.headers = std::move(headers);
    return handler().Handle(request);
  }
  ApiHandler& handler() {
    if (!handler_) handler_.emplace(backend_, options_, metrics_);
    return *handler_;
  }
  static std::string Header(const HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers)
      if (key == name) return value;
    return "";
  }

  ScriptedBackend backend_;
  ApiOptions options_;
  service::MetricsRegistry metrics_{service::MetricsRegistry::Options{.process_metrics = false}};
  std::optional<ApiHandler> handler_;
};

TEST_F(ApiHandlerTest, OpenAiEmbeddingsShape) {
  HttpResponse response = Call("POST", "/v1/embeddings", R"({"input":["ab","c"],"model":"tiny"})");
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["model"], "tiny");
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][1]["object"], "embedding");
  EXPECT_EQ(body["data"][1]["index"], 1);
  EXPECT_EQ(body["data"][0]["embedding"].get<std::vector<float>>(), ScriptedBackend::RowFor("ab", 0));
  EXPECT_EQ(body["data"][1]["embedding"].get<std::vector<float>>(), ScriptedBackend::RowFor("c", 1));
  EXPECT_EQ(body["usage"]["prompt_tokens"], 4 + 3);
  EXPECT_EQ(body["usage"]["total_tokens"], 4 + 3);
}

TEST_F(ApiHandlerTest, OpenAiBase64DecodesToTheSameFloats) {
  HttpResponse response = Call("POST", "/v1/embeddings", R"({"input":"xyz","encoding_format":"base64"})");
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string encoded = json::parse(response.body)["data"][0]["embedding"];
  // Decode base64 by hand (nlohmann has no base64): 4 floats = 16 bytes = 24 chars.
  ASSERT_EQ(encoded.size(), 24u);
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<uint8_t> bytes;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : encoded) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<uint32_t>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<uint8_t>(buffer >> bits));
    }
  }
  ASSERT_EQ(bytes.size(), 16u);
  std::vector<float> floats(4);
  std::memcpy(floats.data(), bytes.data(), 16);
  EXPECT_EQ(floats, ScriptedBackend::RowFor("xyz", 0));
}

TEST_F(ApiHandlerTest, DimensionsArePassedOnAndChecked) {
  HttpResponse ok = Call("POST", "/v1/embeddings", R"({"input":"abc","dimensions":2})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["data"][0]["embedding"].size(), 2u);
  EXPECT_EQ(backend_.last_options.dimensions, 2u);
  HttpResponse too_many = Call("POST", "/v1/embeddings", R"({"input":"abc","dimensions":5})");
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(json::parse(too_many.body)["error"]["type"], "invalid_request_error");
}

TEST_F(ApiHandlerTest, TokenIdsGoToEmbedIds) {
  HttpResponse response = Call("POST", "/v1/embeddings", R"({"input":[[5,6,7],[8]]})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(backend_.last_ids, (std::vector<std::vector<int32_t>>{{5, 6, 7}, {8}}));
}

TEST_F(ApiHandlerTest, UnknownModelIs404InBothShapes) {
  HttpResponse openai = Call("POST", "/v1/embeddings", R"({"input":"a","model":"nope"})");
  EXPECT_EQ(openai.status, 404);
  EXPECT_EQ(json::parse(openai.body)["error"]["code"], "model_not_found");
  HttpResponse tei = Call("POST", "/embed", R"({"inputs":"a","model":"nope"})");
  EXPECT_EQ(tei.status, 404);
  EXPECT_TRUE(json::parse(tei.body).contains("error_type"));
}

TEST_F(ApiHandlerTest, OverloadIs429WithRetryAfter) {
  backend_.fail_with = Status::Unavailable("queue full");
  HttpResponse openai = Call("POST", "/v1/embeddings", R"({"input":"a"})");
  EXPECT_EQ(openai.status, 429);
  EXPECT_EQ(Header(openai, "Retry-After"), "1");
  EXPECT_EQ(json::parse(openai.body)["error"]["type"], "rate_limit_error");
  HttpResponse tei = Call("POST", "/embed", R"({"inputs":"a"})");
  EXPECT_EQ(tei.status, 429);
  EXPECT_EQ(json::parse(tei.body)["error_type"], "Overloaded");
}

TEST_F(ApiHandlerTest, TooLongWithoutTruncationIs413) {
  backend_.fail_with = Status::OutOfRange("text has 600 tokens; the model takes 512");
  HttpResponse response = Call("POST", "/embed", R"({"inputs":"a","truncate":false})");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(backend_.last_options.long_text, LongTextMode::kError);
}

TEST_F(ApiHandlerTest, TruncationFollowsRequestThenConfig) {
  ASSERT_EQ(Call("POST", "/embed", R"({"inputs":"a"})").status, 200);
  EXPECT_EQ(backend_.last_options.long_text, LongTextMode::kTruncate);
  EXPECT_EQ(backend_.last_options.normalize, true);  // TEI default
  options_.auto_truncate = false;
  handler_.reset();
  ASSERT_EQ(Call("POST", "/v1/embeddings", R"({"input":"a"})").status, 200);
  EXPECT_EQ(backend_.last_options.long_text, LongTextMode::kError);
  EXPECT_FALSE(backend_.last_options.normalize.has_value());  // OpenAI: the model's own
  ASSERT_EQ(Call("POST", "/embed", R"({"inputs":"a","truncate":true,"truncation_direction":"left"})").status, 200);
  EXPECT_EQ(backend_.last_options.long_text, LongTextMode::kTruncate);
  EXPECT_EQ(backend_.last_options.truncation_direction, TruncationDirection::kLeft);
}

TEST_F(ApiHandlerTest, DeadlineIsSetFromArrival) {
  ASSERT_EQ(Call("POST", "/embed", R"({"inputs":"a"})").status, 200);
  ASSERT_TRUE(backend_.last_options.deadline.has_value());
  EXPECT_GT(*backend_.last_options.deadline, std::chrono::steady_clock::now());
  backend_.fail_with = Status::DeadlineExceeded("late");
  EXPECT_EQ(Call("POST", "/embed", R"({"inputs":"a"})").status, 504);
}

TEST_F(ApiHandlerTest, TeiEmbedAllTokenizeDecode) {
  HttpResponse embed = Call("POST", "/embed", R"({"inputs":["ab","c"]})");
  ASSERT_EQ(embed.status, 200);
  EXPECT_EQ(json::parse(embed.body)[1].get<std::vector<float>>(), ScriptedBackend::RowFor("c", 1));
  HttpResponse all = Call("POST", "/embed_all", R"({"inputs":"ab"})");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(json::parse(all.body), json::parse("[[[0,97],[1,98]]]"));
  HttpResponse tokens = Call("POST", "/tokenize", R"({"inputs":"hi"})");
  ASSERT_EQ(tokens.status, 200);
  const json parsed = json::parse(tokens.body);
  ASSERT_EQ(parsed[0].size(), 4u);
  EXPECT_EQ(parsed[0][0], json::parse(R"({"id":101,"text":"[CLS]","special":true,"start":null,"stop":null})"));
  EXPECT_EQ(parsed[0][2], json::parse(R"({"id":105,"text":"i","special":false,"start":1,"stop":2})"));
  HttpResponse decoded = Call("POST", "/decode", R"({"ids":[[104,105],[111]]})");
  ASSERT_EQ(decoded.status, 200);
  EXPECT_EQ(json::parse(decoded.body), json::parse(R"(["hi","o"])"));
  HttpResponse bad_id = Call("POST", "/decode", R"({"ids":[999]})");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(json::parse(bad_id.body)["error_type"], "Tokenizer");
}

TEST_F(ApiHandlerTest, ModelsInfoHealth) {
  HttpResponse models = Call("GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(json::parse(models.body)["data"][0]["id"], "tiny");
  HttpResponse info = Call("GET", "/info");
  ASSERT_EQ(info.status, 200);
  const json parsed = json::parse(info.body);
  EXPECT_EQ(parsed["model_id"], "tiny");
  EXPECT_EQ(parsed["dimension"], 4);
  EXPECT_EQ(parsed["max_input_length"], 128);
  EXPECT_EQ(parsed["max_client_batch_size"], 2048);
  EXPECT_EQ(Call("GET", "/health").status, 200);
  handler().SetDraining(true);
  EXPECT_EQ(Call("GET", "/health").status, 503);
}

TEST_F(ApiHandlerTest, UnknownRouteAndWrongMethod) {
  HttpResponse missing = Call("GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(json::parse(missing.body).contains("error_type"));
  HttpResponse missing_openai = Call("POST", "/v1/chat/completions", "{}");
  EXPECT_EQ(missing_openai.status, 404);
  EXPECT_TRUE(json::parse(missing_openai.body)["error"].contains("message"));
  HttpResponse wrong = Call("GET", "/v1/embeddings");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(Header(wrong, "Allow"), "POST");
  EXPECT_EQ(Call("POST", "/embed?x=1", R"({"inputs":"a"})").status, 200);  // query ignored
}

TEST_F(ApiHandlerTest, ApiKeyRequiredExceptHealth) {
  options_.api_key = "s3cret";
  const std::string body = R"({"input":"a"})";
  EXPECT_EQ(Call("POST", "/v1/embeddings", body).status, 401);
  HttpResponse wrong = Call("POST", "/v1/embeddings", body, {{"Authorization", "Bearer s3creT"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body)["error"]["code"], "invalid_api_key");
  EXPECT_EQ(Call("POST", "/v1/embeddings", body, {{"Authorization", "Bearer s3cret0"}}).status, 401);
  EXPECT_EQ(Call("POST", "/v1/embeddings", body, {{"Authorization", "s3cret"}}).status, 401);
  EXPECT_EQ(Call("POST", "/v1/embeddings", body, {{"authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(Call("GET", "/info").status, 401);
  EXPECT_EQ(Call("GET", "/health").status, 200);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
}

TEST_F(ApiHandlerTest, RequestsAreCountedByRouteAndStatus) {
  Call("POST", "/embed", R"({"inputs":"a"})");
  Call("POST", "/embed", "{");
  Call("GET", "/nope");
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find(R"(textembed_http_requests_total{route="/embed",status="200"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(textembed_http_requests_total{route="/embed",status="400"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(textembed_http_requests_total{route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(textembed_http_request_duration_seconds_count{route="/embed"} 2)"), std::string::npos);
  MetricsHandler metrics_handler(backend_, metrics_);
  HttpRequest request;
  request.method = "GET";
  request.target = "/metrics";
  HttpResponse rendered = metrics_handler.Handle(request);
  EXPECT_NE(rendered.body.find("textembed_fake_total 1"), std::string::npos);
  EXPECT_NE(rendered.body.find("textembed_http_requests_total"), std::string::npos);
}

}  // namespace
}  // namespace textembed::server
