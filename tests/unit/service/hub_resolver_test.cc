// Hub resolution against a local fake hub (never the internet): download into
// the HF cache layout, reuse, offline mode, resume, corruption, errors.
#if defined(TEXTEMBED_HAVE_HTTPLIB)

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cache_test_util.h"
#include "fake_hub_server.h"
#include "service/hub/file_digest.h"
#include "service/hub/hub_resolver.h"
#include "test_data.h"
#include "textembed/embedder.h"

namespace textembed::service {
namespace {
namespace fs = std::filesystem;
using testing::FakeHubServer;
using testing::TempDir;

constexpr char kRepo[] = "textembed-test/bert-tiny-random";

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

// First word of a command's output (sha256sum, git hash-object): digests
// from tools independent of ours.
std::string RunCommand(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  char buffer[256] = {};
  std::string out = std::fgets(buffer, sizeof(buffer), pipe) != nullptr ? buffer : "";
  ::pclose(pipe);
  return out.substr(0, out.find_first_of(" \n"));
}

class HubResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = textembed::testing::SharedDir() / "models" / "bert-tiny-random";
    if (!fs::exists(model_ / "model.safetensors")) GTEST_SKIP() << "no " << model_;
    server_ = std::make_unique<FakeHubServer>(std::map<std::string, fs::path>{{kRepo, model_}});
  }

  HubConfig Config(bool offline = false) const {
    HubConfig config;
    config.endpoint = server_->endpoint();
    config.cache_dir = home_.path() / "hub";
    config.offline = offline;
    config.connect_timeout_seconds = 5;
    return config;
  }
  fs::path RepoDir() const { return home_.path() / "hub" / "models--textembed-test--bert-tiny-random"; }
  std::string Commit() const { return FakeHubServer::CommitOf(kRepo); }

  fs::path model_;
  TempDir home_{"hub"};
  std::unique_ptr<FakeHubServer> server_;
};

TEST_F(HubResolverTest, DownloadsIntoTheHuggingFaceCacheLayout) {
  HubResolver hub(Config());
  auto folder = hub.ResolveModel(kRepo, "main");
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(*folder, RepoDir() / "snapshots" / Commit());
  EXPECT_EQ(ReadAll(RepoDir() / "refs" / "main"), Commit());

  // Every file a sentence-transformers folder needs, byte for byte.
  for (const char* file : {"modules.json", "config.json", "tokenizer.json", "model.safetensors",
                           "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json"}) {
    const fs::path link = *folder / file;
    ASSERT_TRUE(fs::is_symlink(link)) << file;
    EXPECT_TRUE(fs::read_symlink(link).is_relative()) << file;
    EXPECT_EQ(ReadAll(link), ReadAll(model_ / file)) << file;
  }
  EXPECT_EQ(fs::read_symlink(*folder / "1_Pooling" / "config.json").string().substr(0, 9), "../../../");
  // Blobs are named as the hub names them: sha256 for LFS, git sha1 otherwise.
  const std::string sha256 = RunCommand("sha256sum '" + (model_ / "model.safetensors").string() + "'");
  ASSERT_EQ(sha256.size(), 64u);
  EXPECT_EQ(fs::read_symlink(*folder / "model.safetensors"), fs::path("../../blobs") / sha256);
  const std::string git_sha1 = RunCommand("git hash-object '" + (model_ / "tokenizer.json").string() + "'");
  ASSERT_EQ(git_sha1.size(), 40u);
  EXPECT_TRUE(fs::is_regular_file(RepoDir() / "blobs" / git_sha1));
  EXPECT_FALSE(fs::exists(*folder / "onnx"));  // safetensors found: no ONNX fetched
  EXPECT_EQ(hub.stats().files_downloaded, 7u);
  EXPECT_EQ(hub.stats().resumed, 0u);

  // The snapshot is a model folder the engine opens.
  auto embedder = Embedder::Open(*folder);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  EXPECT_EQ(embedder->dimension(), 128u);
}

TEST_F(HubResolverTest, ASecondResolveReusesTheCache) {
  ASSERT_TRUE(HubResolver(Config()).ResolveModel(kRepo).ok());
  const int content_before = server_->content_requests();
  HubResolver again(Config());
  auto folder = again.ResolveModel(kRepo);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(again.stats().files_downloaded, 0u);
  EXPECT_EQ(server_->content_requests(), content_before);
}

TEST_F(HubResolverTest, OfflineResolvesFromTheCacheOnly) {
  {
    HubResolver offline(Config(/*offline=*/true));
    auto missing = offline.ResolveModel(kRepo);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
    EXPECT_NE(missing.status().message().find("HF_HUB_OFFLINE"), std::string::npos) << missing.status().ToString();
    EXPECT_EQ(server_->requests(), 0);
  }
  ASSERT_TRUE(HubResolver(Config()).ResolveModel(kRepo).ok());
  const int requests = server_->requests();
  HubResolver offline(Config(/*offline=*/true));
  auto folder = offline.ResolveModel(kRepo, "main");
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_EQ(*folder, RepoDir() / "snapshots" / Commit());
  ASSERT_TRUE(offline.ResolveModel(kRepo, Commit()).ok());  // by commit hash too
  EXPECT_EQ(server_->requests(), requests);
  EXPECT_FALSE(offline.ResolveModel(kRepo, "v2").ok());  // a revision never resolved
}

TEST_F(HubResolverTest, AnUnreachableHubFallsBackToTheCache) {
  ASSERT_TRUE(HubResolver(Config()).ResolveModel(kRepo).ok());
  const HubConfig config = Config();
  server_->Stop();
  HubResolver hub(config);
  auto folder = hub.ResolveModel(kRepo);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_TRUE(fs::exists(*folder / "model.safetensors"));

  TempDir empty("hub-empty");
  HubConfig nothing_cached = config;
  nothing_cached.cache_dir = empty.path();
  auto missing = HubResolver(nothing_cached).ResolveModel(kRepo);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kUnavailable) << missing.status().ToString();
}

TEST_F(HubResolverTest, UnknownRepoRevisionAndFileAreNotFound) {
  HubResolver hub(Config());
  auto repo = hub.ResolveModel("textembed-test/no-such-model");
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.status().code(), Status::Code::kNotFound);
  EXPECT_NE(repo.status().message().find("no-such-model"), std::string::npos) << repo.status().ToString();
  auto revision = hub.ResolveModel(kRepo, "no-such-branch");
  ASSERT_FALSE(revision.ok());
  EXPECT_EQ(revision.status().code(), Status::Code::kNotFound);
  auto file = hub.ResolveFile(kRepo, "main", "no_such_file.json");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Status::Code::kNotFound);
  auto optional = hub.ResolveFile(kRepo, "main", "no_such_file.json", /*optional=*/true);
  ASSERT_TRUE(optional.ok()) << optional.status().ToString();
  EXPECT_TRUE(optional->empty());
  EXPECT_TRUE(fs::exists(RepoDir() / ".no_exist" / Commit() / "no_such_file.json"));
  EXPECT_EQ(hub.ResolveModel("not a hub id").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(hub.ResolveFile(kRepo, "main", "../../etc/passwd").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(HubResolverTest, OptionalFilesMayBeMissing) {
  TempDir partial("hub-partial");
  for (const char* file : {"config.json", "tokenizer.json", "model.safetensors", "modules.json"}) {
    fs::copy_file(model_ / file, partial.path() / file);
  }
  fs::create_directories(partial.path() / "1_Pooling");
  fs::copy_file(model_ / "1_Pooling" / "config.json", partial.path() / "1_Pooling" / "config.json");
  FakeHubServer server({{"textembed-test/partial", partial.path()}});
  HubConfig config = Config();
  config.endpoint = server.endpoint();
  HubResolver hub(config);
  auto folder = hub.ResolveModel("textembed-test/partial");
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_FALSE(fs::exists(*folder / "sentence_bert_config.json"));
  const fs::path no_exist = config.cache_dir / "models--textembed-test--partial" / ".no_exist" /
                            FakeHubServer::CommitOf("textembed-test/partial");
  EXPECT_TRUE(fs::exists(no_exist / "sentence_bert_config.json"));
  // Offline, the recorded absence is enough.
  config.offline = true;
  EXPECT_TRUE(HubResolver(config).ResolveModel("textembed-test/partial").ok());
}

TEST_F(HubResolverTest, ResumesATruncatedDownloadWithARange) {
  server_->TruncateOnce("model.safetensors");
  HubResolver hub(Config());
  auto folder = hub.ResolveModel(kRepo);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_GE(hub.stats().resumed, 1u);
  EXPECT_GE(server_->range_requests(), 1);
  EXPECT_EQ(ReadAll(*folder / "model.safetensors"), ReadAll(model_ / "model.safetensors"));
  EXPECT_FALSE(fs::exists(fs::path((RepoDir() / "blobs" / fs::read_symlink(*folder / "model.safetensors").filename())
                                       .string() + ".incomplete")));
}

TEST_F(HubResolverTest, ACorruptedDownloadIsDetectedDeletedAndReported) {
  server_->Corrupt("model.safetensors");
  HubResolver hub(Config());
  auto folder = hub.ResolveModel(kRepo);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Status::Code::kCorruption) << folder.status().ToString();
  EXPECT_NE(folder.status().message().find("sha256"), std::string::npos) << folder.status().ToString();
  // Nothing of it is left in the cache: no blob, no partial file, no link.
  const std::string sha256 = RunCommand("sha256sum '" + (model_ / "model.safetensors").string() + "'");
  EXPECT_FALSE(fs::exists(RepoDir() / "blobs" / sha256));
  EXPECT_FALSE(fs::exists(RepoDir() / "blobs" / (sha256 + ".incomplete")));
  EXPECT_FALSE(fs::exists(RepoDir() / "snapshots" / Commit() / "model.safetensors"));
  // Once the hub serves the right bytes, the next resolve completes.
  server_->Corrupt("model.safetensors", false);
  ASSERT_TRUE(hub.ResolveModel(kRepo).ok());
}

TEST_F(HubResolverTest, ACorruptedSmallFileFailsItsGitSha1) {
  server_->Corrupt("tokenizer.json");
  auto folder = HubResolver(Config()).ResolveModel(kRepo);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Status::Code::kCorruption);
  EXPECT_NE(folder.status().message().find("git sha1"), std::string::npos) << folder.status().ToString();
}

// A folder laid out by Python's huggingface_hub (blobs, relative symlinks,
// refs/main) is used as it is, offline or online, without a download.
TEST_F(HubResolverTest, ReusesAFolderHuggingfaceHubDownloaded) {
  const fs::path repo = RepoDir();
  const fs::path snapshot = repo / "snapshots" / Commit();
  for (const char* file : {"modules.json", "config.json", "tokenizer.json", "model.safetensors",
                           "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json"}) {
    const std::string content = ReadAll(model_ / file);
    const std::string etag = FakeHubServer::IsLfs(file) ? Sha256Hex(content) : GitBlobSha1Hex(content);
    fs::create_directories(repo / "blobs");
    std::ofstream(repo / "blobs" / etag, std::ios::binary) << content;
    const fs::path link = snapshot / file;
    fs::create_directories(link.parent_path());
    fs::create_symlink((repo / "blobs" / etag).lexically_relative(link.parent_path()), link);
  }
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << Commit();

  auto offline = HubResolver(Config(true)).ResolveModel(kRepo);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  EXPECT_EQ(*offline, snapshot);
  HubResolver online(Config());
  ASSERT_TRUE(online.ResolveModel(kRepo).ok());
  EXPECT_EQ(online.stats().files_downloaded, 0u);
  EXPECT_EQ(server_->content_requests(), 0);
}

TEST_F(HubResolverTest, SendsTheBearerToken) {
  HubConfig config = Config();
  config.token = "hf_test_secret";
  ASSERT_TRUE(HubResolver(config).ResolveModel(kRepo).ok());
  EXPECT_EQ(server_->last_authorization(), "Bearer hf_test_secret");
}

TEST(HubDigestTest, MatchesKnownDigests) {
  EXPECT_EQ(Sha256Hex(std::string_view("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(GitBlobSha1Hex(std::string_view("hello\n")), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(GitBlobSha1Hex(std::string_view("")), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST(HubConfigTest, ReadsTheEnvironmentLikeHuggingfaceHub) {
  ::setenv("HF_ENDPOINT", "http://127.0.0.1:9/", 1);
  ::setenv("HF_HOME", "/tmp/textembed-hf-home", 1);
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  ::setenv("HF_TOKEN", "hf_env", 1);
  const HubConfig env = HubConfig::FromOptions({});
  EXPECT_EQ(env.endpoint, "http://127.0.0.1:9");
  EXPECT_EQ(env.cache_dir, fs::path("/tmp/textembed-hf-home/hub"));
  EXPECT_TRUE(env.offline);
  EXPECT_EQ(env.token, "hf_env");
  HubOptions options;
  options.endpoint = "http://localhost:1";
  options.hf_home = "/tmp/other";
  options.offline = false;
  options.token = "hf_opt";
  const HubConfig explicit_options = HubConfig::FromOptions(options);
  EXPECT_EQ(explicit_options.endpoint, "http://localhost:1");
  EXPECT_EQ(explicit_options.cache_dir, fs::path("/tmp/other/hub"));
  EXPECT_FALSE(explicit_options.offline);
  EXPECT_EQ(explicit_options.token, "hf_opt");
  for (const char* name : {"HF_ENDPOINT", "HF_HOME", "HF_HUB_OFFLINE", "HF_TOKEN"}) ::unsetenv(name);
}

TEST(HubIdTest, TellsHubIdsFromPaths) {
  EXPECT_TRUE(LooksLikeHubId("sentence-transformers/all-MiniLM-L6-v2"));
  EXPECT_TRUE(LooksLikeHubId("BAAI/bge-small-en-v1.5"));
  EXPECT_FALSE(LooksLikeHubId("all-MiniLM-L6-v2"));
  EXPECT_FALSE(LooksLikeHubId("/models/x"));
  EXPECT_FALSE(LooksLikeHubId("a/b/c"));
  EXPECT_FALSE(LooksLikeHubId("../x"));
  EXPECT_FALSE(LooksLikeHubId("org/na me"));
}

}  // namespace
}  // namespace textembed::service

#endif  // TEXTEMBED_HAVE_HTTPLIB
