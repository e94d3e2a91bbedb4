// FormParams: the application/x-www-form-urlencoded bodies of /introspect and /revoke
// (RFC 7662 §2.1, RFC 7009 §2.1). Decoding one name or value is tests/base/form_urlencoded_test.

#include "server/http/form_params.h"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::server::http {
namespace {

using namespace std::string_literals;

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
