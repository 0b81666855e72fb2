#include "server/server_config.h"

#include <set>

#include <gtest/gtest.h>

#include "test_data.h"

namespace textembed::server {
namespace {

ConfigSources Sources(std::map<std::string, std::vector<std::string>> flags, std::map<std::string, std::string> env,
                      std::map<std::string, std::string> dotenv) {
  ConfigSources sources;
  sources.flags = std::move(flags);
  sources.env = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  sources.dotenv = std::move(dotenv);
  return sources;
}

TEST(ServeConfig, DefaultsMatchTheIssue) {
  auto config = ResolveServeConfig(Sources({{"model", {"org/model"}}}, {}, {}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->metrics_port, 2112);
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->http.max_body_bytes, 2u << 20);
  EXPECT_EQ(config->api.limits.max_inputs, 2048u);
  EXPECT_TRUE(config->api.api_key.empty());
  EXPECT_TRUE(config->api.auto_truncate);
  ASSERT_EQ(config->service.models.size(), 1u);
  EXPECT_EQ(config->service.models[0].name, "org/model");  // a hub id is served under its id
  EXPECT_EQ(config->service.models[0].source, "org/model");
}

TEST(ServeConfig, FlagsBeatEnvironmentBeatDotEnvBeatDefaults) {
  auto config = ResolveServeConfig(Sources({{"model", {"m"}}, {"port", {"1001"}}},
                                           {{"TEXTEMBED_PORT", "1002"}, {"TEXTEMBED_METRICS_PORT", "2002"}},
                                           {{"TEXTEMBED_PORT", "1003"}, {"TEXTEMBED_METRICS_PORT", "2003"},
                                            {"TEXTEMBED_MAX_INPUTS", "7"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 1001);
  EXPECT_EQ(config->metrics_port, 2002);
  EXPECT_EQ(config->api.limits.max_inputs, 7u);
  EXPECT_EQ(config->api.request_timeout, std::chrono::seconds(60));
}

TEST(ServeConfig, ModelsFromFolderNameIdAndNameEqualsSource) {
  const std::string folder = (testing::SharedDir() / "models" / "bert-tiny-random").string();
  auto config = ResolveServeConfig(Sources({}, {{"TEXTEMBED_MODEL", folder + "/, small=" + folder + ",org/x@v2"}}, {}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const auto& models = config->service.models;
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].name, "bert-tiny-random");
  EXPECT_EQ(models[1].name, "small");
  EXPECT_EQ(models[1].source, folder);
  EXPECT_EQ(models[2].name, "org/x");
  EXPECT_EQ(models[2].source, "org/x");
  EXPECT_EQ(models[2].revision, "v2");
}

TEST(ServeConfig, ErrorsNameTheSourceOfTheBadValue) {
  auto bad_env = ResolveServeConfig(Sources({{"model", {"m"}}}, {{"TEXTEMBED_MAX_BODY", "lots"}}, {}));
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("TEXTEMBED_MAX_BODY"), std::string::npos);
  auto bad_flag = ResolveServeConfig(Sources({{"model", {"m"}}, {"port", {"70000"}}}, {}, {}));
  ASSERT_FALSE(bad_flag.ok());
  EXPECT_NE(bad_flag.status().message().find("--port"), std::string::npos);
  EXPECT_FALSE(ResolveServeConfig(Sources({}, {}, {})).ok());  // no model
  EXPECT_FALSE(ResolveServeConfig(Sources({{"model", {"a=x", "a=y"}}}, {}, {})).ok());  // duplicate name
  EXPECT_FALSE(ResolveServeConfig(Sources({{"model", {"m"}}, {"log_format", {"xml"}}}, {}, {})).ok());
  EXPECT_FALSE(ResolveServeConfig(Sources({{"model", {"m"}}, {"auto_truncate", {"maybe"}}}, {}, {})).ok());
}

TEST(ServeConfig, DotEnvSyntax) {
  auto values = ParseDotEnv("# comment\n\nexport TEXTEMBED_PORT=9000\nTEXTEMBED_API_KEY=\"se cret\"\n"
                            "TEXTEMBED_HOST = 0.0.0.0 # all\nHF_TOKEN='x#y'\n");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(values->at("TEXTEMBED_PORT"), "9000");
  EXPECT_EQ(values->at("TEXTEMBED_API_KEY"), "se cret");
  EXPECT_EQ(values->at("TEXTEMBED_HOST"), "0.0.0.0");
  EXPECT_EQ(values->at("HF_TOKEN"), "x#y");
  EXPECT_FALSE(ParseDotEnv("JUSTAWORD\n").ok());
}

TEST(ServeConfig, SizesAndDurations) {
  EXPECT_EQ(*ParseByteSize("512"), 512u);
  EXPECT_EQ(*ParseByteSize("2MiB"), 2u << 20);
  EXPECT_EQ(*ParseByteSize("1G"), 1u << 30);
  EXPECT_EQ(*ParseByteSize("64kb"), 64u << 10);
  EXPECT_FALSE(ParseByteSize("-1").ok());
  EXPECT_FALSE(ParseByteSize("3 parsecs").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999T").ok());
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(*ParseDuration("500us"), std::chrono::microseconds(500));
  EXPECT_FALSE(ParseDuration("10").ok());  // a unit is required
  EXPECT_FALSE(ParseDuration("1h").ok());
}

TEST(ServeConfig, EverySettingHasAUniqueFlagVariableAndHelp) {
  std::set<std::string> names;
  for (const Setting& setting : ServeSettings()) {
    EXPECT_TRUE(names.insert(setting.env_name()).second) << setting.key;
    EXPECT_FALSE(setting.help.empty()) << setting.key;
    EXPECT_NE(SettingsMarkdownTable().find("`" + setting.flag() + "`"), std::string::npos);
  }
  EXPECT_EQ(Setting{"metrics_port"}.flag(), "--metrics-port");
  EXPECT_EQ(Setting{"metrics_port"}.env_name(), "TEXTEMBED_METRICS_PORT");
}

}  // namespace
}  // namespace textembed::server
