#include "core/rejection.h"

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::EcKey;
using testing::kNow;
using testing::MintAlg;

TEST(RejectionTest, FormatsUnixTimeAsUtc) {
  EXPECT_EQ(FormatUnixTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUnixTime(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatUnixTime(1700000000.5), "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(FormatUnixTime(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatUnixTime(4102444800), "2100-01-01T00:00:00Z");
}

TEST(RejectionTest, FormatsFarAwayTimesAsNumbers) {
  EXPECT_EQ(FormatUnixTime(1e300), "1e+300");
  EXPECT_EQ(FormatUnixTime(-1e300), "-1e+300");
}

// Regression, fixed (core/rejection.cc, FormatUnixTime): dates are rendered for |seconds| <= 1e11,
// but the conversion `static_cast<int64_t>(seconds * 1e9)` overflows int64 nanoseconds beyond about
// 9.22e9 s (year 2262). 1e10 s (2286-11-20T17:46:40Z) then prints a wrong date (the cast is
// undefined behaviour; on x86-64 it yields INT64_MIN, i.e. 1677-09-21).
TEST(RejectionTest, FormatsDatesAfterYear2262) {
  EXPECT_EQ(FormatUnixTime(1e10), "2286-11-20T17:46:40Z");
  EXPECT_EQ(FormatUnixTime(32503680000), "3000-01-01T00:00:00Z");
  EXPECT_EQ(FormatUnixTime(-1e10), "1653-02-10T06:13:20Z");
}

TEST(RejectionTest, FormatsRelativeTimes) {
  EXPECT_EQ(FormatRelative(0), "now");
  EXPECT_EQ(FormatRelative(0.5), "now");
  EXPECT_EQ(FormatRelative(30), "in 30 s");
  EXPECT_EQ(FormatRelative(-30), "30 s ago");
  EXPECT_EQ(FormatRelative(300), "in 5 min");
  EXPECT_EQ(FormatRelative(-3 * 3600), "3 h ago");
  EXPECT_EQ(FormatRelative(-6 * 86400), "6 d ago");
  EXPECT_EQ(FormatRelative(1e12), "in a very long time");
}

class DescribeRejectionTest : public ::testing::Test {
 protected:
  Error Run(std::string_view token, Policy policy = {}) {
    policy_ = policy;
    absl::StatusOr<Verifier> v = Verifier::Create(
        policy, testing::MustJwks(testing::JwksOf({EcKey(Algorithm::kEs256).Jwk("ec")})));
    EXPECT_TRUE(v.ok()) << v.status();
    verifier_ = std::make_unique<Verifier>(*std::move(v));
    return verifier_->Verify(token, kNow, scratch_, out_);
  }
  std::string Describe(Error error) { return DescribeRejection(error, out_, policy_, kNow); }

  Policy policy_;
  std::unique_ptr<Verifier> verifier_;
  VerifyScratch scratch_;
  VerifiedToken out_;
};

TEST_F(DescribeRejectionTest, DescribesExpiryWithDateAndRelativeTime) {
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                                    StrCat(R"({"exp":)", kNow - 3 * 3600, "}"));
  ASSERT_EQ(Run(token), Error::kExpired);
  const std::string message = Describe(Error::kExpired);
  EXPECT_NE(message.find("expired"), std::string::npos) << message;
  EXPECT_NE(message.find("2023-11-14T19:13:20Z"), std::string::npos) << message;
  EXPECT_NE(message.find("3 h ago"), std::string::npos) << message;
  EXPECT_EQ(message.find(token), std::string::npos);
}

TEST_F(DescribeRejectionTest, QuotesLongClaimValuesShortened) {
  const std::string iss(500, 'i');
  Policy policy;
  policy.issuer = "https://issuer.example";
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60, R"(,"iss":")", iss, "\"}")),
                policy),
            Error::kInvalidIssuer);
  const std::string message = Describe(Error::kInvalidIssuer);
  EXPECT_NE(message.find("https://issuer.example"), std::string::npos) << message;
  EXPECT_EQ(message.find(iss), std::string::npos) << "quoted in full: " << message;
  EXPECT_NE(message.find("..."), std::string::npos) << message;
}

// Regression, fixed (core/rejection.cc, Quote): shortening cuts at byte 64 even inside a multi-byte
// UTF-8 character, so the message (which the CLI embeds in its JSON output) is not valid UTF-8.
TEST_F(DescribeRejectionTest, ShortensQuotedValuesOnCharacterBoundary) {
  std::string kid;
  for (int i = 0; i < 30; ++i) {
    kid += "\xe2\x82\xac";  // "€", 3 bytes
  }
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60, "}"), kid)),
            Error::kKeyNotFound);
  const std::string message = Describe(Error::kKeyNotFound);
  EXPECT_TRUE(simdjson::validate_utf8(message.data(), message.size())) << message;
}

TEST_F(DescribeRejectionTest, NamesMissingRequiredClaim) {
  Policy policy;
  policy.required_claims = {"jti"};
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60, "}")),
                policy),
            Error::kMissingClaim);
  EXPECT_NE(Describe(Error::kMissingClaim).find("\"jti\""), std::string::npos);
}

// invalid_audience names what the token carried and what was expected, so a user sees at
// once whether the token was minted for another API or the configuration lists the wrong
// value.
TEST_F(DescribeRejectionTest, NamesTheTokensAudienceAndTheExpectedOnes) {
  Policy policy;
  policy.audiences = {"api://orders", "orders"};
  const auto describe = [&](std::string_view aud_member) {
    const std::string payload = StrCat(R"({"exp":)", kNow + 60, aud_member, "}");
    EXPECT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload), policy),
              Error::kInvalidAudience)
        << payload;
    return Describe(Error::kInvalidAudience);
  };
  EXPECT_EQ(describe(R"(,"aud":["api://billing","web"])"),
            "the token is not meant for this audience: aud [\"api://billing\", \"web\"], "
            "expected one of [\"api://orders\", \"orders\"]");
  EXPECT_EQ(describe(R"(,"aud":"api://billing")"),
            "the token is not meant for this audience: aud [\"api://billing\"], "
            "expected one of [\"api://orders\", \"orders\"]");
  EXPECT_EQ(describe(R"(,"aud":[])"),
            "the token is not meant for this audience: aud [], "
            "expected one of [\"api://orders\", \"orders\"]");
  EXPECT_EQ(describe(""),
            "the token is not meant for this audience: no aud claim, "
            "expected one of [\"api://orders\", \"orders\"]");
}

TEST_F(DescribeRejectionTest, BoundsAudienceListsAndEscapesControlCharacters) {
  Policy policy;
  policy.audiences = {"e1", "e2", "e3", "e4", "e5", "e6"};
  const std::string long_aud(300, 'a');
  const std::string payload =
      StrCat(R"({"exp":)", kNow + 60, R"(,"aud":["x\u0001y\nz\u007f","q\"b\\","3",")", long_aud,
             R"(","5","6","7","8","9"]})");
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload), policy),
            Error::kInvalidAudience);
  const std::string message = Describe(Error::kInvalidAudience);
  // Four values of each list, then a count; a long value is cut.
  EXPECT_NE(message.find(R"(aud ["x\u0001y\u000az\u007f", "q\"b\\", "3", ")"), std::string::npos)
      << message;
  EXPECT_NE(message.find(StrCat(std::string(64, 'a'), "...\", and 5 more]")), std::string::npos)
      << message;
  EXPECT_EQ(message.find(long_aud), std::string::npos) << message;
  EXPECT_NE(message.find(R"(expected one of ["e1", "e2", "e3", "e4", and 2 more])"),
            std::string::npos)
      << message;
  for (const char c : message) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << message;
  }
  EXPECT_LT(message.size(), 512u);
}

// OIDC Core §3.1.3.7: with the audience fine, an azp that is not an expected audience is the
// failure; the message names azp, not aud.
TEST_F(DescribeRejectionTest, NamesAzpWhenTheAzpRuleFailed) {
  Policy policy;
  policy.audiences = {"client-1"};
  policy.id_token = true;
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60,
                               R"(,"aud":["client-1","other"],"azp":"client-2"})")),
                policy),
            Error::kInvalidAudience);
  EXPECT_EQ(Describe(Error::kInvalidAudience),
            "the token is not meant for this audience: azp \"client-2\" (the client id), "
            "expected one of [\"client-1\"]");
}

// With client_id_audience (Cognito access tokens carry no aud) the client_id was compared,
// so that is what the message names.
TEST_F(DescribeRejectionTest, NamesClientIdWhenItStandsInForAud) {
  Policy policy;
  policy.audiences = {"client-1"};
  policy.client_id_audience = true;
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60, R"(,"client_id":"client-2"})")),
                policy),
            Error::kInvalidAudience);
  EXPECT_EQ(Describe(Error::kInvalidAudience),
            "the token is not meant for this audience: no aud; client_id \"client-2\", "
            "expected one of [\"client-1\"]");
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60, "}")),
                policy),
            Error::kInvalidAudience);
  EXPECT_EQ(Describe(Error::kInvalidAudience),
            "the token is not meant for this audience: neither aud nor client_id, "
            "expected one of [\"client-1\"]");
}

TEST_F(DescribeRejectionTest, EscapesControlCharactersInQuotedClaims) {
  Policy policy;
  policy.issuer = "https://issuer.example";
  ASSERT_EQ(Run(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                        StrCat(R"({"exp":)", kNow + 60, R"(,"iss":"evil\r\nX-Injected: 1"})")),
                policy),
            Error::kInvalidIssuer);
  EXPECT_EQ(Describe(Error::kInvalidIssuer),
            "the token's issuer is not the expected one: iss \"evil\\u000d\\u000aX-Injected: "
            "1\", expected \"https://issuer.example\"");
}

TEST_F(DescribeRejectionTest, NamesJweInsteadOfTheSegmentCount) {
  ASSERT_EQ(Run("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn"), Error::kMalformed);
  EXPECT_EQ(Describe(Error::kMalformed),
            "the token is not a well-formed compact JWS carrying a JWT: it has five segments, an "
            "encrypted token (JWE), which is not supported: only signed tokens (JWS) are "
            "verified");
}

TEST_F(DescribeRejectionTest, FallsBackToSummaryForMalformedToken) {
  ASSERT_EQ(Run("not-a-token"), Error::kMalformed);
  const std::string message = Describe(Error::kMalformed);
  EXPECT_EQ(message.rfind(ErrorSummary(Error::kMalformed), 0), 0u) << message;
  EXPECT_EQ(message.find("not-a-token"), std::string::npos) << message;
}

}  // namespace
}  // namespace tokenwarden
