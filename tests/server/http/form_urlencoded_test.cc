// FormDecode and FormParams: the application/x-www-form-urlencoded bodies of /introspect and
// /revoke (RFC 7662 §2.1, RFC 7009 §2.1) and the RFC 6749 §2.3.1 client credential encoding.

#include "server/http/form_urlencoded.h"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::server::http {
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

TEST(FormParamsTest, ParsesInOrder) {
  FormParams params;
  ASSERT_EQ(params.Parse("token=abc&token_type_hint=access_token&client_id=rs"),
            FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 3u);
  EXPECT_EQ(params.Get("token"), "abc");
  EXPECT_EQ(params.Get("token_type_hint"), "access_token");
  EXPECT_EQ(params.Get("client_id"), "rs");
  EXPECT_EQ(params.repeated(), "");
}

TEST(FormParamsTest, EmptyBodyHasNoParameters) {
  FormParams params;
  EXPECT_EQ(params.Parse(""), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 0u);
  EXPECT_FALSE(params.Has("token"));
  EXPECT_FALSE(params.Has(""));
}

TEST(FormParamsTest, EmptySegmentsAreSkipped) {
  FormParams params;
  ASSERT_EQ(params.Parse("&&a=1&&&b=2&"), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 2u);
  EXPECT_EQ(params.Get("a"), "1");
  EXPECT_EQ(params.Get("b"), "2");
  ASSERT_EQ(params.Parse("&&&"), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 0u);
}

TEST(FormParamsTest, SegmentWithoutEqualsIsANameWithAnEmptyValue) {
  FormParams params;
  ASSERT_EQ(params.Parse("flag&a=1&other"), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 3u);
  EXPECT_EQ(params.Get("flag"), "");
  EXPECT_TRUE(params.Has("flag"));
  EXPECT_EQ(params.Get("other"), "");
  EXPECT_EQ(params.Get("a"), "1");
}

TEST(FormParamsTest, EmptyValueAndEmptyName) {
  FormParams params;
  ASSERT_EQ(params.Parse("a=&=v"), FormParams::Status::kOk);
  EXPECT_EQ(params.Get("a"), "");
  EXPECT_TRUE(params.Has("a"));
  EXPECT_EQ(params.Get(""), "v");
}

TEST(FormParamsTest, OnlyTheFirstEqualsSplits) {
  FormParams params;
  ASSERT_EQ(params.Parse("a=1=2&b==&c=x%3Dy"), FormParams::Status::kOk);
  EXPECT_EQ(params.Get("a"), "1=2");
  EXPECT_EQ(params.Get("b"), "=");
  EXPECT_EQ(params.Get("c"), "x=y");
}

TEST(FormParamsTest, NamesAndValuesAreDecoded) {
  FormParams params;
  ASSERT_EQ(params.Parse("client%5Fid=my+client&client_secret=p%40ss%2Bw%26rd&a+b=c%20d"),
            FormParams::Status::kOk);
  EXPECT_EQ(params.Get("client_id"), "my client");
  EXPECT_EQ(params.Get("client_secret"), "p@ss+w&rd");
  EXPECT_EQ(params.Get("a b"), "c d");
  EXPECT_FALSE(params.Has("client%5Fid"));
}

TEST(FormParamsTest, EncodedAmpersandAndNulDoNotSplit) {
  FormParams params;
  ASSERT_EQ(params.Parse("v=a%26b%3Dc&n=x%00y"), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 2u);
  EXPECT_EQ(params.Get("v"), "a&b=c");
  EXPECT_EQ(params.Get("n"), "x\0y"s);
}

TEST(FormParamsTest, BadEncodingInNameOrValue) {
  FormParams params;
  EXPECT_EQ(params.Parse("token=%zz"), FormParams::Status::kBadEncoding);
  EXPECT_EQ(params.Parse("tok%en=x"), FormParams::Status::kBadEncoding);
  EXPECT_EQ(params.Parse("a=1&b=%4"), FormParams::Status::kBadEncoding);
  EXPECT_EQ(params.Parse("a=1&b%"), FormParams::Status::kBadEncoding);
}

TEST(FormParamsTest, RepeatedNameIsReported) {
  FormParams params;
  EXPECT_EQ(params.Parse("token=a&client_id=c&token=b"), FormParams::Status::kRepeated);
  EXPECT_EQ(params.repeated(), "token");
}

TEST(FormParamsTest, RepeatedWithTheSameValueIsStillRepeated) {
  FormParams params;
  EXPECT_EQ(params.Parse("token=a&token=a"), FormParams::Status::kRepeated);
  EXPECT_EQ(params.repeated(), "token");
}

TEST(FormParamsTest, RepeatedWithoutEquals) {
  FormParams params;
  EXPECT_EQ(params.Parse("flag&x=1&flag="), FormParams::Status::kRepeated);
  EXPECT_EQ(params.repeated(), "flag");
}

TEST(FormParamsTest, RepeatedAfterDecoding) {
  FormParams params;
  EXPECT_EQ(params.Parse("token=a&t%6Fken=b"), FormParams::Status::kRepeated);
  EXPECT_EQ(params.repeated(), "token");
  EXPECT_EQ(params.Parse("a+b=1&a%20b=2"), FormParams::Status::kRepeated);
  EXPECT_EQ(params.repeated(), "a b");
}

TEST(FormParamsTest, NamesDifferingOnlyInCaseAreDistinct) {
  FormParams params;
  ASSERT_EQ(params.Parse("token=a&Token=b&TOKEN=c"), FormParams::Status::kOk);
  EXPECT_EQ(params.Get("token"), "a");
  EXPECT_EQ(params.Get("Token"), "b");
  EXPECT_EQ(params.Get("TOKEN"), "c");
}

TEST(FormParamsTest, TooManyParameters) {
  FormParams params;
  EXPECT_EQ(params.Parse("a=1&b=2", 2), FormParams::Status::kOk);
  EXPECT_EQ(params.Parse("a=1&b=2&c=3", 2), FormParams::Status::kTooMany);
  // Empty segments do not count.
  EXPECT_EQ(params.Parse("&&a=1&&&&b=2&&&&", 2), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 2u);
  EXPECT_EQ(params.Parse("a=1", 0), FormParams::Status::kTooMany);
  EXPECT_EQ(params.Parse("", 0), FormParams::Status::kOk);
}

TEST(FormParamsTest, DefaultLimitIs32) {
  std::string body;
  for (int i = 0; i < 32; ++i) {
    body += (i == 0 ? "" : "&") + std::string("p") + std::to_string(i) + "=v";
  }
  FormParams params;
  ASSERT_EQ(params.Parse(body), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 32u);
  EXPECT_EQ(params.Get("p31"), "v");
  EXPECT_EQ(params.Parse(body + "&p32=v"), FormParams::Status::kTooMany);
}

TEST(FormParamsTest, ReuseDoesNotLeakEarlierParameters) {
  FormParams params;
  ASSERT_EQ(params.Parse("token=a-rather-long-token-value&client_id=c1&client_secret=s1"),
            FormParams::Status::kOk);
  ASSERT_EQ(params.size(), 3u);

  ASSERT_EQ(params.Parse("token=x"), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 1u);
  EXPECT_EQ(params.Get("token"), "x");
  EXPECT_FALSE(params.Has("client_id"));
  EXPECT_FALSE(params.Has("client_secret"));

  // A name without '=' after a parse that gave it a value: the value is empty now.
  ASSERT_EQ(params.Parse("client_id=c2&token"), FormParams::Status::kOk);
  EXPECT_EQ(params.Get("client_id"), "c2");
  EXPECT_EQ(params.Get("token"), "");

  ASSERT_EQ(params.Parse(""), FormParams::Status::kOk);
  EXPECT_EQ(params.size(), 0u);
  EXPECT_FALSE(params.Has("client_id"));
  EXPECT_FALSE(params.Has("token"));
}

TEST(FormParamsTest, ReuseAfterErrors) {
  FormParams params;
  EXPECT_EQ(params.Parse("token=a&token=b"), FormParams::Status::kRepeated);
  EXPECT_EQ(params.repeated(), "token");
  ASSERT_EQ(params.Parse("other=1"), FormParams::Status::kOk);
  EXPECT_EQ(params.repeated(), "");
  EXPECT_FALSE(params.Has("token"));
  EXPECT_EQ(params.Get("other"), "1");

  EXPECT_EQ(params.Parse("a=1&b=%zz"), FormParams::Status::kBadEncoding);
  ASSERT_EQ(params.Parse("b=2"), FormParams::Status::kOk);
  EXPECT_FALSE(params.Has("a"));
  EXPECT_EQ(params.Get("b"), "2");

  EXPECT_EQ(params.Parse("a=1&b=2&c=3", 1), FormParams::Status::kTooMany);
  ASSERT_EQ(params.Parse("c=3"), FormParams::Status::kOk);
  EXPECT_FALSE(params.Has("a"));
  EXPECT_EQ(params.size(), 1u);
}

TEST(FormParamsTest, ManyReusesWithGrowingAndShrinkingBodies) {
  FormParams params;
  for (int round = 0; round < 50; ++round) {
    const int n = (round * 7) % 20 + 1;
    std::string body;
    for (int i = 0; i < n; ++i) {
      body += (i == 0 ? "" : "&") + std::to_string(round) + "_" + std::to_string(i) + "=" +
              std::string(static_cast<size_t>(i + round % 5), 'v');
    }
    ASSERT_EQ(params.Parse(body), FormParams::Status::kOk) << body;
    ASSERT_EQ(params.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(params.Get(std::to_string(round) + "_" + std::to_string(i)),
                std::string(static_cast<size_t>(i + round % 5), 'v'));
    }
    EXPECT_FALSE(params.Has(std::to_string(round - 1) + "_0"));
  }
}

TEST(FormParamsTest, GetAndHas) {
  FormParams params;
  ASSERT_EQ(params.Parse("a=1&empty="), FormParams::Status::kOk);
  EXPECT_TRUE(params.Has("a"));
  EXPECT_TRUE(params.Has("empty"));
  EXPECT_FALSE(params.Has("b"));
  EXPECT_FALSE(params.Has("A"));
  EXPECT_FALSE(params.Has("a="));
  EXPECT_EQ(params.Get("b"), std::nullopt);
  EXPECT_EQ(params.Get("empty"), "");
}

}  // namespace
}  // namespace tokenwarden::server::http
