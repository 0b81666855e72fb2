// Inputs HF cannot even receive (invalid UTF-8), limits, pathological sizes,
// bad files and concurrent use.
#include <thread>

#include <gtest/gtest.h>

#include "core/utf8.h"
#include "test_data.h"
#include "textembed/tokenizer.h"

namespace textembed {
namespace {

const Tokenizer& Shared(const char* name) {
  static std::map<std::string, Tokenizer>* cache = new std::map<std::string, Tokenizer>();
  auto it = cache->find(name);
  if (it == cache->end()) {
    const std::filesystem::path p = std::string(name) == "minilm"
                                        ? testing::SharedDir() / "models/all-MiniLM-L6-v2"
                                        : testing::SharedDir() / "tokenizers" / name;
    auto tok = Tokenizer::Load(p);
    EXPECT_TRUE(tok.ok()) << tok.status().ToString();
    it = cache->emplace(name, std::move(tok).value()).first;
  }
  return it->second;
}

const char* kAll[] = {"minilm", "bge-large-en-v1.5", "all-mpnet-base-v2", "gpt2", "roberta-base",
                      "t5-small"};

TEST(TokenizerEdgeCases, InvalidUtf8EncodesLikeItsReplacementCharacters) {
  const std::string text = "ab\xFF" "cd \xE2\x82 x\xC0\xAF y \xED\xA0\x80z";
  for (const char* name : kAll) {
    const Tokenizer& tok = Shared(name);
    auto raw = tok.Encode(text);
    auto clean = tok.Encode(utf8::Sanitize(text));
    ASSERT_TRUE(raw.ok() && clean.ok()) << name;
    EXPECT_EQ(raw->ids, clean->ids) << name;
    for (const Offset& o : raw->offsets) {
      EXPECT_LE(o.begin, o.end) << name;
      EXPECT_LE(o.end, text.size()) << name;
    }
  }
  // gpt2 keeps U+FFFD as bytes: the tokens of the invalid byte 0xFF point at it.
  auto enc = Shared("gpt2").Encode("\xFF");
  ASSERT_TRUE(enc.ok());
  ASSERT_FALSE(enc->offsets.empty());
  for (const Offset& o : enc->offsets) EXPECT_EQ(o, (Offset{0, 1}));
}

TEST(TokenizerEdgeCases, BertCleanTextDropsReplacementAndControlChars) {
  // BertNormalizer removes U+FFFD, NUL and control chars (HF bert.rs).
  auto enc = Shared("minilm").Encode(std::string("a\0b\xFF\x07", 5) + "c");
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->tokens, (std::vector<std::string>{"[CLS]", "abc", "[SEP]"}));
  EXPECT_EQ(enc->offsets[1], (Offset{0, 6}));
}

TEST(TokenizerEdgeCases, BertCleanTextKeepsUnassignedAndPostUnicode8FormatChars) {
  // Expected tokens from HF tokenizers 0.23.2 (npm) on the all-MiniLM-L6-v2 file:
  // its clean_text removes Cc/Cf/Co as of the old `unicode_categories` tables.
  const std::pair<const char*, const char*> cases[] = {
      {"a\u0378b", "[UNK]"},      // unassigned (Cn): kept
      {"a\uFFFEb", "[UNK]"},      // noncharacter: kept
      {"a\U0010FFFFb", "[UNK]"},  // noncharacter: kept
      {"a\u08E2b", "[UNK]"},      // Cf since Unicode 9: kept
      {"a\uE000b", "ab"},         // private use: removed
      {"a\u0600b", "ab"},         // Cf: removed
      {"a\U000E0001b", "ab"},     // Cf: removed
      {"a\U0001BCA0b", "ab"},     // Cf (Unicode 7): removed
  };
  for (const auto& [text, token] : cases) {
    // Every member named: GCC 12 warns (-Wmissing-field-initializers) about
    // designated initializers that leave one out.
    auto enc = Shared("minilm").Encode(text, {.add_special_tokens = false, .max_length = std::nullopt});
    ASSERT_TRUE(enc.ok());
    EXPECT_EQ(enc->tokens, (std::vector<std::string>{token})) << text;
  }
}

TEST(TokenizerEdgeCases, EmptyInputGivesOnlySpecialTokens) {
  auto bert = Shared("minilm").Encode("");
  ASSERT_TRUE(bert.ok());
  EXPECT_EQ(bert->ids, (std::vector<int32_t>{101, 102}));
  EXPECT_EQ(bert->special_tokens_mask, (std::vector<uint8_t>{1, 1}));
  auto gpt2 = Shared("gpt2").Encode("");
  ASSERT_TRUE(gpt2.ok());
  EXPECT_TRUE(gpt2->ids.empty());
  auto t5 = Shared("t5-small").Encode("   ");
  ASSERT_TRUE(t5.ok());
  EXPECT_EQ(t5->ids, (std::vector<int32_t>{1}));
}

TEST(TokenizerEdgeCases, TruncationCountsSpecialTokensAndCanBeDisabled) {
  const Tokenizer& tok = Shared("minilm");
  ASSERT_EQ(tok.truncation_max_length(), std::optional<size_t>(128));
  EXPECT_EQ(tok.num_special_tokens_single(), 2u);
  std::string text;
  for (int i = 0; i < 300; ++i) text += "word ";
  auto from_file = tok.Encode(text);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file->size(), 128u);
  EXPECT_TRUE(from_file->truncated);
  EXPECT_EQ(from_file->ids.back(), 102);
  EncodeOptions options;
  options.max_length = 10;
  auto ten = tok.Encode(text, options);
  ASSERT_TRUE(ten.ok());
  EXPECT_EQ(ten->size(), 10u);
  EXPECT_EQ(ten->offsets[8], (Offset{35, 39}));  // the 8th "word"
  options.max_length = 0;
  auto all = tok.Encode(text, options);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 302u);
  EXPECT_FALSE(all->truncated);
  options.add_special_tokens = false;
  options.max_length = 5;
  auto plain = tok.Encode(text, options);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->size(), 5u);
  EXPECT_EQ(plain->ids[0], tok.TokenToId("word"));
}

TEST(TokenizerEdgeCases, MaxLengthBelowTheSpecialTokensIsRejected) {
  const Tokenizer& tok = Shared("minilm");
  EncodeOptions options;
  options.max_length = 1;
  auto one = tok.Encode("hello world", options);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(one.status().message().find("2 special tokens"), std::string::npos) << one.status().message();
  options.max_length = 2;  // exactly the special tokens: no room for text, but valid
  auto two = tok.Encode("hello world", options);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->ids, (std::vector<int32_t>{101, 102}));
  options.add_special_tokens = false;
  options.max_length = 1;
  auto plain = tok.Encode("hello world", options);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->size(), 1u);
}

TEST(TokenizerEdgeCases, RejectsOversizedInput) {
  const std::string big(Tokenizer::kMaxInputBytes + 1, 'a');
  auto enc = Shared("minilm").Encode(big);
  ASSERT_FALSE(enc.ok());
  EXPECT_EQ(enc.status().code(), Status::Code::kInvalidArgument);
}

TEST(TokenizerEdgeCases, PathologicalInputsFinish) {
  // One 1 MB word, 1 MB of punctuation, 1 MB of spaces, 1 MB of CJK and of
  // combining marks: every tokenizer must return (linear-ish passes).
  const std::vector<std::string> inputs = {
      std::string(1 << 20, 'a'), std::string(1 << 20, '!'), std::string(1 << 20, ' '),
      [] { std::string s; for (int i = 0; i < (1 << 18); ++i) s += "\xE4\xB8\xAD"; return s; }(),
      [] { std::string s = "a"; for (int i = 0; i < (1 << 18); ++i) s += "\xCC\x81"; return s; }(),
      [] { std::string s; for (int i = 0; i < (1 << 17); ++i) s += "<s><mask"; return s; }()};
  for (const char* name : kAll) {
    for (const std::string& text : inputs) {
      auto enc = Shared(name).Encode(text);
      ASSERT_TRUE(enc.ok()) << name << ": " << enc.status().ToString();
      EXPECT_GT(enc->size(), 0u) << name;
    }
  }
}

TEST(TokenizerEdgeCases, ConcurrentEncodesAgreeWithSerialOnes) {
  const Tokenizer& tok = Shared("roberta-base");
  const std::vector<std::string> texts = {"Hello there, world!", "Ünïcödé façade 😀", "  spaces  ",
                                          "<mask> token", "中文 text"};
  std::vector<Encoding> serial;
  for (const auto& t : texts) serial.push_back(*tok.Encode(t));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 200; ++rep) {
        for (size_t i = 0; i < texts.size(); ++i) {
          auto e = tok.Encode(texts[i]);
          if (!e.ok() || e->ids != serial[i].ids || e->offsets != serial[i].offsets) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(TokenizerEdgeCases, VocabularyLookups) {
  const Tokenizer& bert = Shared("minilm");
  EXPECT_EQ(bert.vocab_size(), 30522u);
  EXPECT_EQ(bert.TokenToId("[CLS]"), std::optional<int32_t>(101));
  EXPECT_EQ(bert.IdToToken(7592), std::optional<std::string>("hello"));
  EXPECT_EQ(bert.TokenToId("no-such-token"), std::nullopt);
  const Tokenizer& t5 = Shared("t5-small");
  EXPECT_EQ(t5.vocab_size(), 32100u);
  EXPECT_EQ(t5.TokenToId("<extra_id_0>"), std::optional<int32_t>(32099));
  const Tokenizer& gpt2 = Shared("gpt2");
  EXPECT_EQ(gpt2.vocab_size(), 50257u);
  EXPECT_EQ(gpt2.num_special_tokens_single(), 0u);
}

TEST(TokenizerEdgeCases, BadFilesAreErrorsNotCrashes) {
  EXPECT_EQ(Tokenizer::Load("/nonexistent/tokenizer.json").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(Tokenizer::FromJson("{not json").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(Tokenizer::FromJson("[]").status().code(), Status::Code::kCorruption);
  EXPECT_FALSE(Tokenizer::FromJson(R"({"model": null})").ok());
  const std::string model = R"("model": {"type": "WordLevel", "vocab": {"a": 0, "[UNK]": 1}, "unk_token": "[UNK]"})";
  EXPECT_TRUE(Tokenizer::FromJson("{" + model + "}").ok());
  EXPECT_EQ(Tokenizer::FromJson(R"({"normalizer": {"type": "Nope"}, )" + model + "}").status().code(),
            Status::Code::kUnimplemented);
  EXPECT_FALSE(Tokenizer::FromJson(R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Removed"}, )" + model + "}").ok());
  EXPECT_FALSE(Tokenizer::FromJson(R"({"normalizer": {"type": "Precompiled", "precompiled_charsmap": "!!"}, )" + model + "}").ok());
  EXPECT_FALSE(Tokenizer::FromJson(R"({"post_processor": {"type": "BertProcessing", "sep": 3}, )" + model + "}").ok());
  EXPECT_FALSE(Tokenizer::FromJson(R"({"added_tokens": 5, )" + model + "}").ok());
  EXPECT_FALSE(Tokenizer::FromJson(R"({"normalizer": {"type": "BertNormalizer", "lowercase": "yes"}, )" + model + "}").ok());
  // A WordLevel-only tokenizer without pre-tokenizer: the whole text is one piece.
  auto tok = Tokenizer::FromJson("{" + model + "}");
  auto enc = tok->Encode("a");
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->ids, (std::vector<int32_t>{0}));
}

}  // namespace
}  // namespace textembed
