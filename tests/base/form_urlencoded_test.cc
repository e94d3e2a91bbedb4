// base/form_urlencoded.h: one name or value of an application/x-www-form-urlencoded body
// (RFC 7662 §2.1, RFC 7009 §2.1) and the RFC 6749 §2.3.1 client credential encoding, both
// directions.

#include "base/form_urlencoded.h"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

using namespace std::string_literals;

// Decoded returns FormDecode's output, or nullopt when it reports a bad escape.
std::optional<std::string> Decoded(std::string_view in) {
  std::string out;
  if (!FormDecode(in, out)) {
    return std::nullopt;
  }
  return out;
}

TEST(FormDecodeTest, PlainTextIsCopied) {
  EXPECT_EQ(Decoded("abcXYZ019-._~"), "abcXYZ019-._~");
  EXPECT_EQ(Decoded("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
}

TEST(FormDecodeTest, EmptyInputIsEmptyOutput) { EXPECT_EQ(Decoded(""), ""); }

TEST(FormDecodeTest, PlusIsSpace) {
  EXPECT_EQ(Decoded("+"), " ");
  EXPECT_EQ(Decoded("a+b"), "a b");
  EXPECT_EQ(Decoded("++a++"), "  a  ");
}

TEST(FormDecodeTest, PercentEscapesAcceptBothHexCases) {
  EXPECT_EQ(Decoded("%41"), "A");
  EXPECT_EQ(Decoded("%6a%6A"), "jj");
  EXPECT_EQ(Decoded("%2b%2B"), "++");  // an escaped '+' stays a plus
  EXPECT_EQ(Decoded("%25"), "%");      // an escaped '%' is not decoded twice
  EXPECT_EQ(Decoded("%2541"), "%41");
  EXPECT_EQ(Decoded("%fF%Ff"), "\xff\xff");
  EXPECT_EQ(Decoded("%e2%98%83"), "\xe2\x98\x83");  // UTF-8 snowman, byte by byte
  EXPECT_EQ(Decoded("%20"), " ");
}

TEST(FormDecodeTest, PercentZeroZeroIsANulByte) {
  const std::optional<std::string> out = Decoded("a%00b");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "a\0b"s);
  EXPECT_EQ(out->size(), 3u);
  EXPECT_EQ(Decoded("%00"), "\0"s);
}

TEST(FormDecodeTest, TruncatedEscapeIsAnError) {
  EXPECT_EQ(Decoded("%"), std::nullopt);
  EXPECT_EQ(Decoded("%4"), std::nullopt);
  EXPECT_EQ(Decoded("abc%"), std::nullopt);
  EXPECT_EQ(Decoded("abc%4"), std::nullopt);
  EXPECT_EQ(Decoded("%41%"), std::nullopt);
}

TEST(FormDecodeTest, NonHexEscapeIsAnError) {
  EXPECT_EQ(Decoded("%G1"), std::nullopt);
  EXPECT_EQ(Decoded("%1G"), std::nullopt);
  EXPECT_EQ(Decoded("%g1"), std::nullopt);
  EXPECT_EQ(Decoded("a%zzb"), std::nullopt);
  EXPECT_EQ(Decoded("%%41"), std::nullopt);
  EXPECT_EQ(Decoded("%+1"), std::nullopt);
  EXPECT_EQ(Decoded("% 1"), std::nullopt);
  EXPECT_EQ(Decoded("%-1"), std::nullopt);
}

TEST(FormDecodeTest, RunsAroundSpecialsAreKept) {
  EXPECT_EQ(Decoded("abc+def%20ghi"), "abc def ghi");
  EXPECT_EQ(Decoded("%41bc"), "Abc");
  EXPECT_EQ(Decoded("ab%43"), "abC");
  EXPECT_EQ(Decoded("ab+"), "ab ");
  EXPECT_EQ(Decoded("+ab"), " ab");
  EXPECT_EQ(Decoded("a%2B+%2Bb"), "a+ +b");
  EXPECT_EQ(Decoded("x%41y+z%42w"), "xAy zBw");
  // A '+' before a '%' and a '%' before a '+': whichever comes first is decoded first.
  EXPECT_EQ(Decoded("a+b%41c+d"), "a bAc d");
  EXPECT_EQ(Decoded("a%41b+c%42d"), "aAb cBd");
}

TEST(FormDecodeTest, LongRunsBetweenSpecials) {
  const std::string run(1000, 'x');
  EXPECT_EQ(Decoded(run + "+" + run + "%7E" + run), run + " " + run + "~" + run);
}

TEST(FormDecodeTest, OutputIsReplacedNotAppended) {
  std::string out = "stale contents";
  ASSERT_TRUE(FormDecode("new", out));
  EXPECT_EQ(out, "new");
  ASSERT_TRUE(FormDecode("", out));
  EXPECT_EQ(out, "");
}

TEST(FormEncodeTest, UnreservedCharactersStay) {
  EXPECT_EQ(FormEncode(""), "");
  EXPECT_EQ(FormEncode("abcXYZ019-._~"), "abcXYZ019-._~");
}

TEST(FormEncodeTest, EverythingElseIsUppercasePercentHex) {
  EXPECT_EQ(FormEncode(" "), "%20");
  EXPECT_EQ(FormEncode("a+b"), "a%2Bb");
  EXPECT_EQ(FormEncode("urn:example:client"), "urn%3Aexample%3Aclient");
  EXPECT_EQ(FormEncode("p/=?&%"), "p%2F%3D%3F%26%25");
  EXPECT_EQ(FormEncode("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(FormEncode("\0\x7f\xff"s), "%00%7F%FF");
}

TEST(FormEncodeTest, DecodingGivesBackEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) {
    all.push_back(static_cast<char>(b));
  }
  std::string back;
  ASSERT_TRUE(FormDecode(FormEncode(all), back));
  EXPECT_EQ(back, all);
}

}  // namespace
}  // namespace tokenwarden::base
