#include "core/utf8.h"

#include <gtest/gtest.h>

namespace textembed::utf8 {
namespace {

TEST(Utf8, DecodesValidSequencesOfEveryLength) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  std::vector<char32_t> cps;
  for (size_t i = 0; i < text.size();) {
    Decoded d = DecodeAt(text, i);
    cps.push_back(d.code_point);
    i += d.length;
  }
  EXPECT_EQ(cps, (std::vector<char32_t>{U'a', 0xE9, 0x20AC, 0x1F600}));
  EXPECT_TRUE(IsValid(text));
}

TEST(Utf8, ReplacesMaximalInvalidSubparts) {
  // Truncated 3-byte sequence, a stray continuation byte, an overlong '/', a surrogate.
  EXPECT_EQ(Sanitize("\xE2\x82" "a"), "\xEF\xBF\xBD" "a");
  EXPECT_EQ(Sanitize("\x80"), "\xEF\xBF\xBD");
  EXPECT_EQ(Sanitize("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Sanitize("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Sanitize("\xF4\x90\x80\x80"), std::string(4 * 3, ' ').replace(0, 12, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
  EXPECT_FALSE(IsValid("\xFF"));
  EXPECT_TRUE(IsValid("\xEF\xBF\xBD"));  // a real U+FFFD is valid
}

TEST(Utf8, AppendRoundTrips) {
  for (char32_t cp : {U'\0', U'~', char32_t(0x7FF), char32_t(0xFFFF), char32_t(0x10FFFF)}) {
    std::string s;
    Append(&s, cp);
    EXPECT_EQ(s.size(), EncodedLength(cp));
    Decoded d = DecodeAt(s, 0);
    EXPECT_EQ(d.code_point, cp);
    EXPECT_EQ(d.length, s.size());
  }
}

}  // namespace
}  // namespace textembed::utf8
