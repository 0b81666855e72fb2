#include <gtest/gtest.h>

#include <fstream>

#include "cache_test_util.h"
#include "service/cache/embedding_cache.h"
#include "test_data.h"

namespace textembed::service {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

TEST(CacheKeyTest, EveryPartChangesTheKey) {
  const Hash128 a{1, 2}, b{1, 3};
  const CacheKey base = CacheKey::Make(a, "n=1", "hello");
  EXPECT_EQ(base, CacheKey::Make(a, "n=1", "hello"));
  EXPECT_EQ(base.model, a);
  EXPECT_NE(base, CacheKey::Make(b, "n=1", "hello"));
  EXPECT_NE(base.item, CacheKey::Make(b, "n=1", "hello").item);
  EXPECT_NE(base, CacheKey::Make(a, "n=0", "hello"));
  EXPECT_NE(base, CacheKey::Make(a, "n=1", "hello "));
  // Moving bytes between signature and text changes the key (length prefixes).
  EXPECT_NE(CacheKey::Make(a, "ab", "c"), CacheKey::Make(a, "a", "bc"));
}

TEST(CacheKeyTest, LongTextsHashLikeShortOnes) {
  // Texts over the stack buffer take the streaming path; both must be stable
  // and differ when one byte does.
  std::string long_text(10'000, 'x');
  const CacheKey k1 = CacheKey::Make({1, 2}, "n=1", long_text);
  EXPECT_EQ(k1, CacheKey::Make({1, 2}, "n=1", long_text));
  long_text[9'999] = 'y';
  EXPECT_NE(k1, CacheKey::Make({1, 2}, "n=1", long_text));
}

TEST(CacheKeyTest, HexIsThirtyTwoDigits) {
  EXPECT_EQ((Hash128{0x0123456789abcdefULL, 0xfedcba9876543210ULL}.ToHex()),
            "0123456789abcdeffedcba9876543210");
}

// A writable copy of bert-tiny-random (weights copied, so they can be altered).
class FingerprintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = textembed::testing::SharedDir() / "models" / "bert-tiny-random";
    if (!fs::exists(source_ / "model.safetensors")) GTEST_SKIP() << "no " << source_;
    fs::copy(source_, dir_.path() / "m", fs::copy_options::recursive);
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "m")) {
      fs::permissions(entry.path(), fs::perms::owner_write | fs::perms::owner_read | fs::perms::owner_exec,
                      fs::perm_options::add);
    }
  }
  fs::path Model() const { return dir_.path() / "m"; }
  static Hash128 Fingerprint(const fs::path& folder) {
    auto fp = ModelFingerprint(folder);
    EXPECT_TRUE(fp.ok()) << fp.status().ToString();
    return fp.ok() ? *fp : Hash128{};
  }
  static void FlipByte(const fs::path& file, std::streamoff offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset);
    char c = 0;
    f.read(&c, 1);
    c ^= 1;
    f.seekp(offset);
    f.write(&c, 1);
  }

  fs::path source_;
  TempDir dir_{"fingerprint"};
};

TEST_F(FingerprintTest, StableForTheSameContentWhereverItLives) {
  EXPECT_EQ(Fingerprint(source_), Fingerprint(Model()));
  EXPECT_NE(Fingerprint(source_), Fingerprint(textembed::testing::SharedDir() / "models" / "minilm-l6-random"));
}

TEST_F(FingerprintTest, ChangesWithWeightsTokenizerPoolingAndNormalize) {
  const Hash128 original = Fingerprint(Model());
  FlipByte(Model() / "model.safetensors", 1'000'000);
  const Hash128 weights_changed = Fingerprint(Model());
  EXPECT_NE(original, weights_changed);

  FlipByte(Model() / "tokenizer.json", 100);
  const Hash128 tokenizer_changed = Fingerprint(Model());
  EXPECT_NE(weights_changed, tokenizer_changed);

  std::ofstream(Model() / "1_Pooling" / "config.json")
      << R"({"word_embedding_dimension": 128, "pooling_mode_cls_token": true})";
  const Hash128 pooling_changed = Fingerprint(Model());
  EXPECT_NE(tokenizer_changed, pooling_changed);

  // Dropping the Normalize module rewrites modules.json.
  std::ofstream(Model() / "modules.json")
      << R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},)"
      << R"({"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])";
  EXPECT_NE(pooling_changed, Fingerprint(Model()));
}

TEST_F(FingerprintTest, NamesTheMissingFile) {
  fs::remove(Model() / "tokenizer.json");
  auto fp = ModelFingerprint(Model());
  ASSERT_FALSE(fp.ok());
  EXPECT_NE(fp.status().message().find("tokenizer.json"), std::string::npos) << fp.status().ToString();
}

}  // namespace
}  // namespace textembed::service
