// Logout at the edge (issue 22) in-process over Routes, with a pinned clock: OIDC Back-Channel
// Logout tokens posted by the issuer end a session's tokens (sid) or a user's (sub) on
// /validate and /introspect — cache hits included — while later tokens and other sessions
// stand; every invalid logout token is 400 with its reason, a replay too; and
// /revoke-by-attribute does the same for a privileged caller only.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "core/denylist.h"
#include "server/config/config.h"
#include "server/config/secret_hash.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"
#include "tests/core/test_tokens.h"
#include "tests/server/serve/handle_request.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::base::StrCat;
using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::EcKeyB;
using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::Mint;
using ::tokenwarden::testing::MustJwks;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;

constexpr std::string_view kIss = "https://op.example";
constexpr std::string_view kRp = "rp-client";
constexpr char kAdmin[] = "Basic YWRtaW46czNjcmV0";       // admin:s3cret
constexpr char kReader[] = "Basic cmVhZGVyOnMzY3JldA==";  // reader:s3cret

std::string AccessToken(std::string_view sid, std::string_view sub, int64_t iat,
                        std::string_view client = "app") {
  return Mint(R"({"alg":"ES256","kid":"k"})",
              StrCat(R"({"iss":")", kIss, R"(","sub":")", sub, R"(","sid":")", sid,
                     R"(","client_id":")", client, R"(","iat":)", iat, R"(,"exp":)", iat + 3600,
                     R"(,"jti":")", sid, "-", sub, "-", iat, R"("})"),
              EcKey(Algorithm::kEs256), Algorithm::kEs256);
}

// LogoutToken is a logout token of the issuer; `claims` replaces the default body's members.
std::string LogoutToken(std::string_view members, std::string_view typ = "logout+jwt",
                        const testing::TestKey& key = EcKey(Algorithm::kEs256)) {
  return Mint(
      StrCat(R"({"alg":"ES256","kid":"k","typ":")", typ, R"("})"),
      StrCat(R"({"iss":")", kIss, R"(","aud":")", kRp, R"(","iat":)", kNow, R"(,"exp":)",
             kNow + 120, R"(,"events":{"http://schemas.openid.net/event/backchannel-logout":{}})",
             members, "}"),
      key, Algorithm::kEs256);
}

class LogoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.workers = 1;
    IssuerConfig issuer;
    issuer.policy.issuer = std::string(kIss);
    issuer.jwks_file = "k.json";
    issuer.keys = MustJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("k")}));
    issuer.max_token_lifetime_seconds = 7200;
    issuer.backchannel_logout = BackChannelLogoutConfig{{std::string(kRp)}};
    config.issuers.push_back(std::move(issuer));
    for (const auto& [id, admin] :
         {std::pair<std::string, bool>{"admin", true}, {"reader", false}}) {
      ClientConfig client;
      client.id = id;
      client.secret = *ParseSecretHash(HashSecret("s3cret", 0));
      client.revoke_by_attribute = admin;
      config.clients.push_back(std::move(client));
    }
    const absl::Status published = PublishState(std::move(config), denylist_, kNow, holder_);
    ASSERT_TRUE(published.ok()) << published;
    RouteDeps deps = RouteDepsFor(holder_, metrics_, denylist_.get());
    deps.clock = [this] { return now_; };
    routes_ = std::make_unique<Routes>(std::move(deps), 1);
  }

  http::Response Post(std::string_view path, std::string body,
                      std::string_view authorization = "") {
    body_ = std::move(body);
    std::vector<http::HeaderField> headers = {
        {"Content-Type", "application/x-www-form-urlencoded"}};
    if (!authorization.empty()) {
      headers.push_back({"Authorization", authorization});
    }
    return testing::HandleRequest(*routes_, "POST", path, headers, body_);
  }
  http::Response Logout(const std::string& token) {
    return Post("/backchannel-logout", "logout_token=" + token);
  }
  int Validate(const std::string& token) {
    bearer_ = "Bearer " + token;
    return testing::HandleRequest(*routes_, "GET", "/validate", {{"Authorization", bearer_}})
        .status;
  }
  bool Active(const std::string& token) {
    const http::Response r = Post("/introspect", "token=" + token, kAdmin);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.find("\"active\":true") != std::string::npos;
  }

  int64_t now_ = kNow + 10;
  std::shared_ptr<Denylist> denylist_ = std::make_shared<Denylist>(1024);
  StateHolder holder_;
  Metrics metrics_{1};
  std::unique_ptr<Routes> routes_;
  std::string body_;
  std::string bearer_;
};

TEST_F(LogoutTest, ASidLogoutEndsThatSessionsTokensOnly) {
  const std::string session = AccessToken("s-1", "alice", kNow - 100);
  const std::string other_session = AccessToken("s-2", "alice", kNow - 100);
  const std::string later = AccessToken("s-1", "alice", kNow + 5);  // a new sign-in
  ASSERT_EQ(Validate(session), 200);
  ASSERT_EQ(Validate(session), 200);  // now cached
  const http::Response r = Logout(LogoutToken(R"(,"jti":"l-1","sub":"alice","sid":"s-1")"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(std::string(r.headers()).find("Cache-Control: no-store"), std::string::npos);
  EXPECT_EQ(Validate(session), 401);
  EXPECT_FALSE(Active(session));
  EXPECT_EQ(Validate(other_session), 200);
  EXPECT_EQ(Validate(later), 200);
  // The same logout token again is a replay (§2.6), refused.
  const http::Response again = Logout(LogoutToken(R"(,"jti":"l-1","sub":"alice","sid":"s-1")"));
  EXPECT_EQ(again.status, 400);
  EXPECT_NE(again.body.find("used before"), std::string::npos) << again.body;
}

TEST_F(LogoutTest, ASubOnlyLogoutEndsEverySessionOfTheUser) {
  const std::string one = AccessToken("s-1", "alice", kNow - 100);
  const std::string two = AccessToken("s-2", "alice", kNow - 50);
  const std::string bob = AccessToken("s-3", "bob", kNow - 50);
  EXPECT_EQ(Logout(LogoutToken(R"(,"jti":"l-2","sub":"alice")")).status, 200);
  EXPECT_EQ(Validate(one), 401);
  EXPECT_EQ(Validate(two), 401);
  EXPECT_EQ(Validate(bob), 200);
  // Kept for max_token_lifetime_seconds past the logout's iat, then forgotten.
  EXPECT_EQ(denylist_->Find(Denylist::AttributeKeyFor(RevokedAttribute::kSub, kIss, "alice"), now_),
            (Denylist::Entry{kNow + 7200, kNow}));
}

// "revoke": "subject": a provider whose access tokens carry no sid (Auth0) still ends the
// user's tokens when its logout token names a session.
TEST_F(LogoutTest, BySubjectEndsTheUsersTokensEvenWhenASessionIsNamed) {
  ServerConfig config = holder_.Current()->config();
  config.issuers[0].backchannel_logout->by_subject = true;
  const absl::Status published = PublishState(std::move(config), denylist_, kNow, holder_);
  ASSERT_TRUE(published.ok()) << published;
  const std::string without_sid = Mint(R"({"alg":"ES256","kid":"k"})",
                                       StrCat(R"({"iss":")", kIss, R"(","sub":"alice","iat":)",
                                              kNow - 100, R"(,"exp":)", kNow + 3600, "}"),
                                       EcKey(Algorithm::kEs256), Algorithm::kEs256);
  ASSERT_EQ(Validate(without_sid), 200);
  EXPECT_EQ(Logout(LogoutToken(R"(,"jti":"l-3","sub":"alice","sid":"s-9")")).status, 200);
  EXPECT_EQ(Validate(without_sid), 401);
}

TEST_F(LogoutTest, AFractionalLogoutIatEndsTokensIssuedEarlierInItsSecond) {
  // NumericDate may be fractional (RFC 7519 §2). A token issued at .5 belongs to a session
  // that ended at .7: the cut must not round the logout down to the whole second before it.
  const std::string issued_before =
      Mint(R"({"alg":"ES256","kid":"k"})",
           StrCat(R"({"iss":")", kIss, R"(","sub":"alice","sid":"s-1","iat":)", kNow,
                  R"(.5,"exp":)", kNow + 3600, "}"),
           EcKey(Algorithm::kEs256), Algorithm::kEs256);
  const std::string logout =
      Mint(R"({"alg":"ES256","kid":"k","typ":"logout+jwt"})",
           StrCat(R"({"iss":")", kIss, R"(","aud":")", kRp, R"(","iat":)", kNow, R"(.7,"exp":)",
                  kNow + 120, R"(,"jti":"l-f","sid":"s-1",)",
                  R"("events":{"http://schemas.openid.net/event/backchannel-logout":{}}})"),
           EcKey(Algorithm::kEs256), Algorithm::kEs256);
  ASSERT_EQ(Validate(issued_before), 200);
  const http::Response r = Logout(logout);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Validate(issued_before), 401);
  EXPECT_FALSE(Active(issued_before));
}

TEST_F(LogoutTest, InvalidLogoutTokensAreRefusedWithTheirReason) {
  const std::string session = AccessToken("s-1", "alice", kNow - 100);
  struct Case {
    std::string token;
    std::string_view says;
  };
  const std::string wrong_aud = Mint(
      R"({"alg":"ES256","kid":"k"})",
      StrCat(
          R"({"iss":")", kIss, R"(","aud":"another-rp","iat":)", kNow,
          R"(,"jti":"x","sid":"s-1","events":{"http://schemas.openid.net/event/backchannel-logout":{}}})"),
      EcKey(Algorithm::kEs256), Algorithm::kEs256);
  const std::string no_events = Mint(R"({"alg":"ES256","kid":"k"})",
                                     StrCat(R"({"iss":")", kIss, R"(","aud":")", kRp, R"(","iat":)",
                                            kNow, R"(,"jti":"x","sid":"s-1"})"),
                                     EcKey(Algorithm::kEs256), Algorithm::kEs256);
  const Case cases[] = {
      {wrong_aud, "invalid_audience"},
      {no_events, "events"},
      {LogoutToken(R"(,"jti":"n","sid":"s-1","nonce":"abc")"), "nonce"},
      {LogoutToken(R"(,"sid":"s-1")"), "jti"},
      {LogoutToken(R"(,"jti":"k","sid":"s-1")", "logout+jwt", EcKeyB()), "invalid_signature"},
      {LogoutToken(R"(,"jti":"t","sid":"s-1")", "at+jwt"), "typ"},
      {StrCat(testing::B64(R"({"alg":"none"})"), ".",
              testing::B64(StrCat(R"({"iss":")", kIss, R"(","sid":"s-1"})")), "."),
       "invalid_request"},
      {"not-a-token", "invalid_request"},
  };
  for (const Case& c : cases) {
    const http::Response r = Logout(c.token);
    EXPECT_EQ(r.status, 400) << c.says;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.says << ": " << r.body;
  }
  now_ = kNow + 121;  // expired
  EXPECT_EQ(Logout(LogoutToken(R"(,"jti":"late","sid":"s-1")")).status, 400);
  EXPECT_EQ(Validate(session), 200);  // none of them ended anything
  // Not POST, or not a form: refused too.
  EXPECT_EQ(Post("/backchannel-logout", "logout_token=").status, 400);
}

TEST_F(LogoutTest, RevokeByAttributeNeedsThePrivilegeAndEndsTheTokens) {
  const std::string app = AccessToken("s-1", "alice", kNow - 100, "app");
  const std::string other_app = AccessToken("s-2", "alice", kNow - 100, "other");
  const std::string body =
      StrCat("iss=", "https%3A%2F%2Fop.example", "&attribute=client_id&value=app");
  EXPECT_EQ(Post("/revoke-by-attribute", body, kReader).status, 403);
  EXPECT_EQ(Post("/revoke-by-attribute", body).status, 401);
  EXPECT_EQ(Validate(app), 200);
  const http::Response r = Post("/revoke-by-attribute", body, kAdmin);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      r.body,
      StrCat(R"({"iss":"https://op.example","attribute":"client_id","value":"app","issued_until":)",
             now_, R"(,"kept_until":)", now_ + 7200, "}"));
  EXPECT_EQ(Validate(app), 401);
  EXPECT_EQ(Validate(other_app), 200);
  // Each malformed request names its problem.
  for (const auto& [bad, says] : std::vector<std::pair<std::string, std::string_view>>{
           {"attribute=client_id&value=app", "iss"},
           {"iss=https%3A%2F%2Fother.example&attribute=sub&value=a", "iss"},
           {"iss=https%3A%2F%2Fop.example", "attribute must be"},
           {"iss=https%3A%2F%2Fop.example&attribute=email&value=a", "attribute must be"},
           {"iss=https%3A%2F%2Fop.example&attribute=sid", "value must be"},
           {"iss=https%3A%2F%2Fop.example&attribute=sub&value=a&issued_until=" +
                std::to_string(now_ + 60),
            "issued_until"},
           {"iss=https%3A%2F%2Fop.example&attribute=sub&value=a&issued_until=x", "issued_until"}}) {
    const http::Response refused = Post("/revoke-by-attribute", bad, kAdmin);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_NE(refused.body.find(says), std::string::npos) << bad << ": " << refused.body;
  }
}

}  // namespace
}  // namespace tokenwarden::server
