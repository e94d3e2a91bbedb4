// Issuers judged by their introspection endpoint, in-process: an issuer of opaque tokens only
// (no key source) beside a JWT issuer, its upstream scripted by a fake fetcher. The routes
// must send the right tokens upstream (opaque ones, and JWTs whose `iss` names that issuer —
// never a JWT of another issuer), apply the issuer's whole policy to the answers (the core's
// CheckIntrospectedClaims), and keep /readyz and /metrics sensible for an issuer with no keys.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "core/algorithm.h"
#include "core/clock.h"
#include "core/denylist.h"
#include "server/config/config.h"
#include "server/fetch/fetcher.h"
#include "server/http/message.h"
#include "server/serve/live_issuer.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"
#include "server/upstream/introspection_response.h"
#include "tests/core/test_tokens.h"
#include "tests/server/serve/handle_request.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::MustJwks;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;
using ::tokenwarden::testing::RsaKey;
using ::tokenwarden::testing::RsaKeyB;

constexpr std::string_view kIssA = "https://a.example";  // JWTs, keys from a file
constexpr std::string_view kIssO = "https://o.example";  // opaque tokens only, no keys
constexpr std::string_view kEndpoint = "https://o.example/introspect";

// FakeUpstream answers introspection requests from a table (token -> answer JSON); a token
// not in it is {"active":false}. It records every token it was asked about.
class FakeUpstream : public fetch::Fetcher {
 public:
  void Answer(const std::string& token, std::string json) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[token] = std::move(json);
  }
  std::vector<std::string> asked() {
    std::lock_guard<std::mutex> lock(mu_);
    return asked_;
  }
  absl::StatusOr<fetch::FetchResponse> Fetch(const fetch::FetchRequest& request) override {
    fetch::FetchResponse response;
    response.status = 200;
    response.body = R"({"active":false})";
    const std::string_view body = request.body;
    const size_t amp = body.find('&');
    // The tests' tokens need no form-encoding, so the parameter is the token itself.
    const std::string token(body.substr(6, amp == std::string_view::npos ? amp : amp - 6));
    std::lock_guard<std::mutex> lock(mu_);
    asked_.push_back(token);
    if (request.url != kEndpoint) {
      response.status = 404;
    } else if (auto it = answers_.find(token); it != answers_.end()) {
      response.body = it->second;
    }
    return response;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
  std::vector<std::string> asked_;
};

// JwtOf mints an RS256 JWT with `payload` under a key no configured issuer holds.
std::string JwtOf(std::string_view payload) {
  return MintAlg(Algorithm::kRs256, RsaKeyB(), payload, "unknown-kid");
}

IssuerConfig OpaqueOnlyIssuer() {
  IssuerConfig o;
  o.policy.issuer = std::string(kIssO);
  o.policy.audiences = {"api-o"};
  o.policy.required_claims = {"sub"};
  o.key_source = IssuerConfig::KeySource::kNone;
  o.opaque = true;
  UpstreamIntrospectionConfig& i = o.introspection.emplace();
  i.endpoint = std::string(kEndpoint);
  i.client_id = "tw";
  i.client_secret = "s3cret";
  return o;
}

class OpaqueIssuerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(/*with_jwt_issuer=*/true); }

  void Start(bool with_jwt_issuer) {
    routes_.reset();
    ServerConfig config;
    config.workers = 1;
    if (with_jwt_issuer) {
      IssuerConfig a;
      a.policy.issuer = std::string(kIssA);
      a.jwks_file = "a.json";
      a.keys = MustJwks(JwksOf({RsaKey().Jwk("a1")}));
      config.issuers.push_back(std::move(a));
    }
    config.issuers.push_back(OpaqueOnlyIssuer());
    config.opaque_issuer = static_cast<int>(config.issuers.size()) - 1;
    absl::StatusOr<SecretHash> hash = ParseSecretHash(HashSecret("s3cret", 0));
    ASSERT_TRUE(hash.ok()) << hash.status();
    config.clients.push_back(ClientConfig{"rs", *std::move(hash), {}, {}});
    const absl::Status published =
        PublishState(std::move(config), denylist_, now_, holder_, &live_);
    ASSERT_TRUE(published.ok()) << published;
    RouteDeps deps = RouteDepsFor(holder_, metrics_, denylist_.get());
    deps.clock = [this] { return route_now_; };
    routes_ = std::make_unique<Routes>(std::move(deps), 1);
  }

  // Prime has the keyless issuer's introspector ask the fake about `token` and waits, so the
  // route (which cannot defer a request here) finds the answer in the cache.
  void Prime(const std::string& token) {
    const std::shared_ptr<const ServerState> state = holder_.Current();
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    state->issuers().back().live->Lookup(token, [&](const UpstreamAnswer&) {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
  }

  http::Response Handle(std::string_view method, std::string_view target,
                        std::vector<http::HeaderField> fields, std::string_view body = {}) {
    return testing::HandleRequest(*routes_, method, target, fields, body);
  }
  http::Response Introspect(const std::string& token) {
    body_ = "token=" + token;
    return Handle("POST", "/introspect",
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Authorization", "Basic cnM6czNjcmV0"}},  // rs:s3cret
                  body_);
  }
  http::Response Validate(const std::string& token) {
    bearer_ = "Bearer " + token;
    return Handle("GET", "/validate", {{"Authorization", bearer_}});
  }

  // AnswerFor is an active answer of the keyless issuer with `members` (JSON members).
  std::string AnswerFor(std::string_view members) const {
    return base::StrCat(R"({"active":true,)", members, "}");
  }
  std::string Exp(int64_t offset) const { return base::StrCat("\"exp\":", now_ + offset); }

  const int64_t now_ = UnixNow();
  int64_t route_now_ = now_;  // the routes' clock (the introspector's cache reads the real one)
  std::shared_ptr<FakeUpstream> upstream_ = std::make_shared<FakeUpstream>();
  LiveIssuers live_{
      [](std::string_view) {}, /*start=*/true,
      [this](const RemoteFetchConfig&) -> absl::StatusOr<std::shared_ptr<fetch::Fetcher>> {
        return std::shared_ptr<fetch::Fetcher>(upstream_);
      }};
  std::shared_ptr<Denylist> denylist_ = std::make_shared<Denylist>(64);
  StateHolder holder_;
  Metrics metrics_{1};
  std::unique_ptr<Routes> routes_;
  std::string body_, bearer_;
};

TEST_F(OpaqueIssuerTest, OpaqueTokenIsJudgedByTheAnswer) {
  upstream_->Answer("opq-1", AnswerFor(base::StrCat(R"("iss":"https://o.example","sub":"carol",)",
                                                    R"("aud":"api-o","scope":"read",)", Exp(600))));
  Prime("opq-1");
  const http::Response introspected = Introspect("opq-1");
  EXPECT_EQ(introspected.status, 200);
  EXPECT_NE(introspected.body.find(R"("active":true)"), std::string::npos) << introspected.body;
  EXPECT_NE(introspected.body.find(R"("sub":"carol")"), std::string::npos) << introspected.body;
  const http::Response validated = Validate("opq-1");
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_NE(validated.headers().find("X-Auth-Subject: carol\r\n"), std::string::npos)
      << validated.headers();
}

TEST_F(OpaqueIssuerTest, IssuerPolicyAppliesToAnswers) {
  const struct {
    const char* name;
    std::string members;
    int64_t later = 0;  // how far past the answer the route judges it, in seconds
  } cases[] = {
      // require_exp defaults to true: an active answer without exp is not enough.
      {"no exp", R"("sub":"carol","aud":"api-o")"},
      // required_claims: ["sub"].
      {"no sub", base::StrCat(R"("aud":"api-o",)", Exp(600))},
      {"other audience", base::StrCat(R"("sub":"carol","aud":"web",)", Exp(600))},
      {"no audience", base::StrCat(R"("sub":"carol",)", Exp(600))},
      {"another issuer",
       base::StrCat(R"("iss":"https://a.example","sub":"c","aud":"api-o",)", Exp(600))},
      // The cache keeps no answer past its exp, so the route's clock moves on instead.
      {"expired", base::StrCat(R"("sub":"carol","aud":"api-o",)", Exp(600)), 600},
      {"not yet valid",
       base::StrCat(R"("sub":"carol","aud":"api-o","nbf":)", now_ + 30, ",", Exp(600))},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string token = "opq-policy-" + std::to_string(n++);
    upstream_->Answer(token, AnswerFor(c.members));
    Prime(token);
    route_now_ = now_ + c.later;
    EXPECT_EQ(Introspect(token).body, R"({"active":false})") << c.name;
    const http::Response validated = Validate(token);
    EXPECT_EQ(validated.status, 401) << c.name << ": " << validated.body;
    route_now_ = now_;
  }
  // Each case was judged twice (/introspect, /validate), each time by the rule named.
  const std::string metrics = Handle("GET", "/metrics", {}).body;
  const std::pair<std::string_view, int> counts[] = {{"missing_claim", 4},  {"invalid_audience", 4},
                                                     {"invalid_issuer", 2}, {"expired", 2},
                                                     {"not_yet_valid", 2},  {"ok", 0}};
  for (const auto& [result, count] : counts) {
    const std::string line =
        base::StrCat("tokenwarden_validations_total{result=\"", result, "\"} ", count, "\n");
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }
}

TEST_F(OpaqueIssuerTest, JwtNamingTheKeylessIssuerIsIntrospected) {
  // The issuer has no keys, so its JWT can only be judged by its endpoint, like any token.
  const std::string jwt = JwtOf(R"({"iss":"https://o.example","sub":"dave"})");
  upstream_->Answer(jwt, AnswerFor(base::StrCat(R"("sub":"dave","aud":"api-o",)", Exp(600))));
  Prime(jwt);
  const http::Response validated = Validate(jwt);
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_NE(validated.headers().find("X-Auth-Subject: dave\r\n"), std::string::npos);
}

TEST_F(OpaqueIssuerTest, JwtOfTheKeyedIssuerStaysLocal) {
  const std::string jwt = MintAlg(
      Algorithm::kRs256, RsaKey(),
      base::StrCat(R"({"iss":"https://a.example","sub":"erin","exp":)", now_ + 600, "}"), "a1");
  const http::Response validated = Validate(jwt);
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_TRUE(upstream_->asked().empty());
}

TEST_F(OpaqueIssuerTest, JwtOfAnotherIssuerIsNeverIntrospected) {
  // With the keyless issuer alone, routing has nothing to choose; the token's own `iss`
  // still decides whether that issuer's endpoint may see it.
  Start(/*with_jwt_issuer=*/false);
  const struct {
    std::string jwt;
    const char* says;  // in the 401's body
  } cases[] = {
      {JwtOf(R"({"iss":"https://evil.example","sub":"x"})"), "the token's issuer is not trusted"},
      {JwtOf(R"({"sub":"no issuer"})"), "the token's issuer is not trusted"},
      // Unreadable: it names no issuer, and says why, as with several issuers.
      {JwtOf("not json"), "not a well-formed compact JWS"},
  };
  for (const auto& c : cases) {
    const http::Response validated = Validate(c.jwt);
    EXPECT_EQ(validated.status, 401) << validated.body;  // not 503: no upstream was needed
    EXPECT_NE(validated.body.find(c.says), std::string::npos) << validated.body;
    EXPECT_EQ(Introspect(c.jwt).body, R"({"active":false})");
  }
  EXPECT_TRUE(upstream_->asked().empty());
  // An opaque token still goes to the endpoint (here unprimed: the route cannot wait, so the
  // issuer counts as unreachable).
  EXPECT_EQ(Validate("opq-unprimed").status, 503);
}

TEST_F(OpaqueIssuerTest, ReadyWithoutKeysAndNoKeySetMetrics) {
  const http::Response ready = Handle("GET", "/readyz", {});
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find(R"("https://o.example":{"ready":true,"introspection":{)"),
            std::string::npos)
      << ready.body;
  const std::string metrics = Handle("GET", "/metrics", {}).body;
  EXPECT_NE(metrics.find("tokenwarden_key_set_keys{issuer=\"https://a.example\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("tokenwarden_key_set_keys{issuer=\"https://o.example\"}"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("tokenwarden_key_set_age_seconds{issuer=\"https://o.example\"}"),
            std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace tokenwarden::server
