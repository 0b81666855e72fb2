#include "server/log_line.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace textembed::server {
namespace {

TEST(LogLine, TextIsKeyValueWithQuotedValuesWhenNeeded) {
  LogLine line(LogFormat::kText, "request");
  line.Add("route", "/embed").Add("status", int64_t{200}).Add("ms", 1.5).Add("peer", "a b");
  EXPECT_EQ(line.str(), "request route=/embed status=200 ms=1.500 peer=\"a b\"");
}

TEST(LogLine, JsonFieldsFormAnObjectWithEscaping) {
  LogLine line(LogFormat::kJson, "request");
  line.Add("route", "/embed\"x").Add("status", int64_t{413}).Add("ms", 0.25).Add("bad", "\xff");
  const nlohmann::json parsed = nlohmann::json::parse("{" + line.str() + "}");
  EXPECT_EQ(parsed["msg"], "request");
  EXPECT_EQ(parsed["route"], "/embed\"x");
  EXPECT_EQ(parsed["status"], 413);
  EXPECT_DOUBLE_EQ(parsed["ms"].get<double>(), 0.25);
  EXPECT_EQ(parsed["bad"], "\xef\xbf\xbd");
}

TEST(LogLine, UnknownLevelIsRefused) {
  EXPECT_FALSE(ConfigureLogging(LogFormat::kText, "loud"));
  EXPECT_TRUE(ConfigureLogging(LogFormat::kText, "off"));
}

}  // namespace
}  // namespace textembed::server
