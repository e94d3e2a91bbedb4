// Logout tokens (OIDC Back-Channel Logout 1.0 §2.4, §2.6): the spec's own example claims
// pass; each rule of §2.6 refuses its own violation with its own code.
#include "core/logout_token.h"

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::EcKey;
using testing::EcKeyB;
using testing::JwksOf;
using testing::kNow;
using testing::Mint;
using testing::MustJwks;

constexpr std::string_view kIss = "https://server.example.com";
constexpr std::string_view kEvents =
    R"("events":{"http://schemas.openid.net/event/backchannel-logout":{}})";

LogoutTokenRules Rules() {
  LogoutTokenRules rules;
  rules.issuer = std::string(kIss);
  rules.client_ids = {"s6BhdRkqt3"};
  return rules;
}

std::shared_ptr<const KeySet> Keys() {
  return MustJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("k")}));
}

// Claims are §2.4's example logout token (with exp), `change` spliced in before the end.
std::string Claims(std::string_view change = "", std::string_view events = kEvents) {
  return StrCat(R"({"iss":")", kIss, R"(","sub":"248289761001","aud":"s6BhdRkqt3","iat":)", kNow,
                R"(,"exp":)", kNow + 120,
                R"(,"jti":"bWJq","sid":"08a5019c-17e1-4977-8f42-65a12843ea02",)", events, change,
                "}");
}

std::string Sign(std::string_view claims, std::string_view typ = "logout+jwt",
                 const testing::TestKey& key = EcKey(Algorithm::kEs256)) {
  const std::string header = typ.empty()
                                 ? std::string(R"({"alg":"ES256","kid":"k"})")
                                 : StrCat(R"({"alg":"ES256","kid":"k","typ":")", typ, R"("})");
  return Mint(header, claims, key, Algorithm::kEs256);
}

Error Check(const std::string& token, LogoutToken& out, std::string_view& detail,
            double now = kNow) {
  return VerifyLogoutToken(token, Keys(), Rules(), now, out, detail);
}

TEST(LogoutTokenTest, TheSpecsExamplePasses) {
  LogoutToken out;
  std::string_view detail;
  ASSERT_EQ(Check(Sign(Claims()), out, detail), Error::kOk) << detail;
  EXPECT_EQ(out.issuer, kIss);
  EXPECT_EQ(out.sub, "248289761001");
  EXPECT_EQ(out.sid, "08a5019c-17e1-4977-8f42-65a12843ea02");
  EXPECT_EQ(out.jti, "bWJq");
  EXPECT_EQ(out.replay_until, kNow + 120);
  // Untyped (providers before explicit typing), and "application/logout+jwt", pass too.
  EXPECT_EQ(Check(Sign(Claims(), ""), out, detail), Error::kOk) << detail;
  EXPECT_EQ(Check(Sign(Claims(), "application/logout+jwt"), out, detail), Error::kOk) << detail;
}

TEST(LogoutTokenTest, WithoutExpIatBoundsTheReplayWindow) {
  const std::string claims = StrCat(R"({"iss":")", kIss, R"(","aud":["x","s6BhdRkqt3"],"iat":)",
                                    kNow, R"(,"jti":"j","sid":"s",)", kEvents, "}");
  LogoutToken out;
  std::string_view detail;
  ASSERT_EQ(Check(Sign(claims), out, detail), Error::kOk) << detail;
  EXPECT_FALSE(out.sub.has_value());
  EXPECT_EQ(out.replay_until, kNow + 300);
  EXPECT_EQ(Check(Sign(claims), out, detail, kNow + 301), Error::kTooOld);
}

TEST(LogoutTokenTest, EachRuleRefusesItsViolation) {
  struct Case {
    std::string token;
    Error error;
    std::string_view says;
  };
  const std::string no_sub_sid = StrCat(R"({"iss":")", kIss, R"(","aud":"s6BhdRkqt3","iat":)", kNow,
                                        R"(,"jti":"j",)", kEvents, "}");
  const std::string no_jti = StrCat(R"({"iss":")", kIss, R"(","aud":"s6BhdRkqt3","iat":)", kNow,
                                    R"(,"sub":"u",)", kEvents, "}");
  const std::string no_iat =
      StrCat(R"({"iss":")", kIss, R"(","aud":"s6BhdRkqt3","jti":"j","sub":"u",)", kEvents, "}");
  const Case cases[] = {
      {Sign(Claims(R"(,"nonce":"n-0S6_WzA2Mj")")), Error::kInvalidNonce, "nonce"},
      {Sign(Claims("", R"("events":{})")), Error::kInvalidType, "no back-channel logout event"},
      {Sign(Claims("", R"("events":["http://schemas.openid.net/event/backchannel-logout"])")),
       Error::kInvalidType, "JSON object"},
      {Sign(Claims("", R"("events":{"http://schemas.openid.net/event/backchannel-logout":"yes"})")),
       Error::kInvalidType, "value must be a JSON object"},
      {Sign(StrCat(R"({"iss":")", kIss, R"(","aud":"s6BhdRkqt3","iat":)", kNow,
                   R"(,"jti":"j","sub":"u"})")),
       Error::kMissingClaim, "events"},
      {Sign(no_sub_sid), Error::kMissingClaim, "sub, sid"},
      {Sign(no_jti), Error::kMissingClaim, "jti"},
      {Sign(no_iat), Error::kMissingClaim, "iat"},
      {Sign(Claims(), "JWT"), Error::kInvalidType, "typ"},
      {Sign(Claims(), "at+jwt"), Error::kInvalidType, "typ"},
      {Sign(Claims(), "logout+jwt", EcKeyB()), Error::kInvalidSignature, ""},
  };
  for (const Case& c : cases) {
    LogoutToken out;
    std::string_view detail;
    EXPECT_EQ(Check(c.token, out, detail), c.error) << c.says << ": " << detail;
    EXPECT_NE(detail.find(c.says), std::string_view::npos) << detail;
  }
  LogoutToken out;
  std::string_view detail;
  // Another relying party's token, another issuer's, an expired one, an unsigned one.
  LogoutTokenRules other = Rules();
  other.client_ids = {"another-client"};
  EXPECT_EQ(VerifyLogoutToken(Sign(Claims()), Keys(), other, kNow, out, detail),
            Error::kInvalidAudience);
  other = Rules();
  other.issuer = "https://other.example";
  EXPECT_EQ(VerifyLogoutToken(Sign(Claims()), Keys(), other, kNow, out, detail),
            Error::kInvalidIssuer);
  EXPECT_EQ(Check(Sign(Claims()), out, detail, kNow + 121), Error::kExpired);
  const std::string unsigned_token =
      StrCat(testing::B64(R"({"alg":"none"})"), ".", testing::B64(Claims()), ".");
  EXPECT_NE(Check(unsigned_token, out, detail), Error::kOk);
}

}  // namespace
}  // namespace tokenwarden
