// `serve --check --online` per issuer with a scripted fetcher: the lines a user reads for each
// way an issuer can be misconfigured, the request it sends for the credentials, that secrets
// never reach a line, and that the whole check returns by its deadline even when a request
// hangs past every timeout. tests/serve/test_check_online.py runs the same over real HTTPS.
#include "server/serve/online_check.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "core/algorithm.h"
#include "core/key_set.h"
#include "server/fetch/fetcher.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden::server {
namespace {

using tokenwarden::testing::EcKey;
using tokenwarden::testing::JwksOf;
using tokenwarden::testing::RsaKey;

constexpr char kIssuer[] = "https://op.example";
constexpr char kDiscoveryUrl[] = "https://op.example/.well-known/openid-configuration";
constexpr char kJwksUri[] = "https://op.example/jwks";
constexpr char kIntrospect[] = "https://op.example/introspect";
constexpr char kSecret[] = "s3cret-never-printed";

fetch::FetchResponse Reply(int status, std::string body) {
  fetch::FetchResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string Discovery(const std::string& issuer = kIssuer, bool introspection = true) {
  return std::string(R"({"issuer":")") + issuer + R"(","jwks_uri":")" + kJwksUri + "\"" +
         (introspection ? std::string(R"(,"introspection_endpoint":")") + kIntrospect + "\"" : "") +
         "}";
}

// FakeFetcher answers by URL (404 for others), after `delay`, and records every request.
class FakeFetcher : public fetch::Fetcher {
 public:
  void Answer(const std::string& url, absl::StatusOr<fetch::FetchResponse> response) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.insert_or_assign(url, std::move(response));
  }
  void Delay(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ = delay;
  }
  // Release ends every delay, now and later: a test whose check abandoned a delayed request
  // lets that thread finish before the test's objects (and, at exit, the process's) go away.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    wake_.notify_all();
  }
  absl::StatusOr<fetch::FetchResponse> Fetch(const fetch::FetchRequest& request) override {
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, delay_, [this] { return released_; });
    requests_.push_back(request);
    auto it = answers_.find(request.url);
    return it != answers_.end() ? it->second : Reply(404, "");
  }
  std::vector<fetch::FetchRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::chrono::milliseconds delay_{0};
  bool released_ = false;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, absl::StatusOr<fetch::FetchResponse>> answers_;
  std::vector<fetch::FetchRequest> requests_;
};

IssuerConfig DiscoveryIssuer() {
  IssuerConfig c;
  c.policy.issuer = kIssuer;
  c.policy.algorithms.Add(Algorithm::kEs256);
  c.key_source = IssuerConfig::KeySource::kDiscovery;
  UpstreamIntrospectionConfig& i = c.introspection.emplace();
  i.client_id = "tokenwarden";
  i.client_secret = kSecret;
  return c;
}

class OnlineCheckTest : public ::testing::Test {
 protected:
  OnlineCheckTest() {
    fetcher_->Answer(kDiscoveryUrl, Reply(200, Discovery()));
    fetcher_->Answer(kJwksUri, Reply(200, JwksOf({EcKey(Algorithm::kEs256).Jwk("k1")})));
    fetcher_->Answer(kIntrospect, Reply(200, R"({"active":false})"));
  }

  IssuerVerdict Check(const IssuerConfig& issuer) {
    IssuerVerdict verdict = CheckIssuerOnline(issuer, make_fetcher_);
    EXPECT_EQ(verdict.line.find(kSecret), std::string::npos) << verdict.line;
    return verdict;
  }

  std::shared_ptr<FakeFetcher> fetcher_ = std::make_shared<FakeFetcher>();
  LiveIssuers::MakeFetcher make_fetcher_ =
      [this](const RemoteFetchConfig&) -> absl::StatusOr<std::shared_ptr<fetch::Fetcher>> {
    return std::shared_ptr<fetch::Fetcher>(fetcher_);
  };
};

TEST_F(OnlineCheckTest, AcceptsAWorkingIssuer) {
  const IssuerVerdict v = Check(DiscoveryIssuer());
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.line, "ok issuer https://op.example keys 1, introspection credentials accepted");
  const std::vector<fetch::FetchRequest> sent = fetcher_->requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].url, kDiscoveryUrl);
  EXPECT_EQ(sent[1].url, kJwksUri);
  // The credentials are tried with the request real lookups send, about a token no issuer
  // can know: a fresh random one each time.
  EXPECT_EQ(sent[2].url, kIntrospect);
  EXPECT_EQ(sent[2].method, "POST");
  EXPECT_EQ(sent[2].body.rfind("token=tokenwarden-check-", 0), 0u) << sent[2].body;
  ASSERT_TRUE(Check(DiscoveryIssuer()).ok);
  EXPECT_NE(fetcher_->requests()[5].body, sent[2].body);
}

TEST_F(OnlineCheckTest, ForwardedRevocationsAreTriedAtTheirEndpoint) {
  constexpr char kRevoke[] = "https://op.example/revoke";
  IssuerConfig issuer = DiscoveryIssuer();
  issuer.introspection->forward_revocations = true;
  // The discovery document names no revocation_endpoint: nothing to forward to.
  IssuerVerdict v = Check(issuer);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.line.find("revocation: the discovery document names no usable "
                        "revocation_endpoint: set introspection.revocation_endpoint"),
            std::string::npos)
      << v.line;
  fetcher_->Answer(
      kDiscoveryUrl,
      Reply(200, Discovery().insert(Discovery().size() - 1,
                                    R"(,"revocation_endpoint":"https://op.example/revoke")")));
  fetcher_->Answer(kRevoke, Reply(200, ""));
  v = Check(issuer);
  EXPECT_TRUE(v.ok) << v.line;
  EXPECT_EQ(v.line,
            "ok issuer https://op.example keys 1, introspection credentials accepted, "
            "revocation credentials accepted");
  const fetch::FetchRequest sent = fetcher_->requests().back();
  EXPECT_EQ(sent.url, kRevoke);
  EXPECT_EQ(sent.body.rfind("token=tokenwarden-check-", 0), 0u) << sent.body;
  EXPECT_TRUE(sent.body.ends_with("&token_type_hint=access_token")) << sent.body;
  // What the endpoint refuses is named; the secret never is.
  fetcher_->Answer(kRevoke, Reply(401, R"({"error":"invalid_client"})"));
  v = Check(issuer);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.line.find("revocation: https://op.example/revoke answered HTTP 401 "
                        "(invalid_client): the issuer refused tokenwarden's client credentials"),
            std::string::npos)
      << v.line;
}

TEST_F(OnlineCheckTest, AnIssuerWithoutKeysIsCheckedAtItsEndpointOnly) {
  IssuerConfig issuer = DiscoveryIssuer();
  issuer.key_source = IssuerConfig::KeySource::kNone;
  issuer.opaque = true;
  issuer.policy.algorithms = AlgorithmSet();
  issuer.introspection->endpoint = kIntrospect;
  issuer.introspection->auth_method = UpstreamIntrospectionConfig::AuthMethod::kBasicRaw;
  issuer.introspection->client_id = "tw client+%";
  const IssuerVerdict v = Check(issuer);
  EXPECT_TRUE(v.ok) << v.line;
  EXPECT_EQ(v.line,
            "ok issuer https://op.example no keys (introspection only), introspection "
            "credentials accepted");
  const std::vector<fetch::FetchRequest> sent = fetcher_->requests();
  ASSERT_EQ(sent.size(), 1u);  // no discovery, no key set
  EXPECT_EQ(sent[0].url, kIntrospect);
  // The credentials as auth_method says: Base64("tw client+%:s3cret-never-printed"), raw.
  std::vector<std::string> authorization;
  for (const auto& [name, value] : sent[0].headers) {
    if (name == "Authorization") {
      authorization.push_back(value);
    }
  }
  EXPECT_EQ(authorization,
            std::vector<std::string>{"Basic dHcgY2xpZW50KyU6czNjcmV0LW5ldmVyLXByaW50ZWQ="});
}

TEST_F(OnlineCheckTest, NamesWhatIsWrong) {
  const struct {
    const char* url;
    absl::StatusOr<fetch::FetchResponse> answer;
    const char* says;
  } cases[] = {
      {kDiscoveryUrl, Reply(200, Discovery("https://op.example/")),
       "FAIL issuer https://op.example: discovery document: issuer mismatch: discovery says "
       "\"https://op.example/\", which is not the configured issuer \"https://op.example\" (they "
       "differ only by a trailing slash"},
      {kDiscoveryUrl, Reply(200, Discovery("https://elsewhere.example")), "must be identical"},
      {kDiscoveryUrl, Reply(404, ""), "answered HTTP 404 (is \"issuer\" the provider's"},
      {kDiscoveryUrl, absl::DeadlineExceededError("x: connect timed out"),
       "discovery: x: connect timed out (is the host reachable"},
      {kDiscoveryUrl, absl::UnavailableError("x: DNS: cannot resolve host \"op.example\""),
       "discovery: x: DNS: cannot resolve host"},
      {kJwksUri, Reply(200, JwksOf({RsaKey().Jwk("r1")})),
       "key set: https://op.example/jwks: no key can verify ES256 (its keys support RS256,"},
      {kJwksUri, Reply(200, R"({"keys":[{"kty":"RSA","use":"enc"}]})"),
       "key set: https://op.example/jwks: JWK Set has no usable key"},
      {kJwksUri, Reply(500, ""), "key set: https://op.example/jwks answered HTTP 500"},
      {kJwksUri, absl::ResourceExhaustedError("x: body too large"), "fetch.max_response_bytes"},
      {kIntrospect, Reply(401, R"({"error":"invalid_client"})"),
       "introspection credentials refused (401 from https://op.example/introspect)"},
      {kIntrospect, Reply(403, ""), "introspection credentials refused (403"},
      {kIntrospect, Reply(200, R"({"active":true,"sub":"x"})"), "says a random token is active"},
      {kIntrospect, Reply(200, R"({"valid":false})"), "did not answer as RFC 7662 asks"},
      {kIntrospect, Reply(503, ""),
       "introspection: https://op.example/introspect answered HTTP 503"},
  };
  for (const auto& c : cases) {
    fetcher_ = std::make_shared<FakeFetcher>();
    fetcher_->Answer(kDiscoveryUrl, Reply(200, Discovery()));
    fetcher_->Answer(kJwksUri, Reply(200, JwksOf({EcKey(Algorithm::kEs256).Jwk("k1")})));
    fetcher_->Answer(kIntrospect, Reply(200, R"({"active":false})"));
    fetcher_->Answer(c.url, c.answer);
    const IssuerVerdict v = Check(DiscoveryIssuer());
    EXPECT_FALSE(v.ok) << c.says;
    EXPECT_EQ(v.line.rfind("FAIL issuer https://op.example: ", 0), 0u) << v.line;
    EXPECT_NE(v.line.find(c.says), std::string::npos) << v.line;
  }
}

TEST_F(OnlineCheckTest, ReportsKeysAndCredentialsSeparately) {
  // A key-set failure does not hide the introspection verdict: both are in the one line.
  fetcher_->Answer(kJwksUri, Reply(500, ""));
  fetcher_->Answer(kIntrospect, Reply(401, ""));
  const IssuerVerdict v = Check(DiscoveryIssuer());
  EXPECT_NE(v.line.find("answered HTTP 500; introspection credentials refused (401"),
            std::string::npos)
      << v.line;
}

TEST_F(OnlineCheckTest, TheEndpointComesFromDiscovery) {
  fetcher_->Answer(kDiscoveryUrl, Reply(200, Discovery(kIssuer, /*introspection=*/false)));
  EXPECT_NE(Check(DiscoveryIssuer())
                .line.find("names no introspection_endpoint: set "
                           "introspection.endpoint"),
            std::string::npos);
  fetcher_->Answer(kDiscoveryUrl, Reply(500, ""));
  EXPECT_NE(Check(DiscoveryIssuer()).line.find("introspection: not checked"), std::string::npos);
  IssuerConfig configured = DiscoveryIssuer();
  configured.introspection->endpoint = "https://other.example/introspect";
  fetcher_->Answer("https://other.example/introspect", Reply(200, R"({"active":false})"));
  // The configured endpoint is asked even when discovery fails.
  EXPECT_NE(Check(configured).line.find("answered HTTP 500"), std::string::npos);
  EXPECT_EQ(fetcher_->requests().back().url, "https://other.example/introspect");
}

TEST_F(OnlineCheckTest, FileIssuersAskNothing) {
  IssuerConfig c;
  c.policy.issuer = kIssuer;
  c.jwks_file = "keys.json";
  absl::StatusOr<std::shared_ptr<const KeySet>> keys =
      KeySet::FromJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("a"), RsaKey().Jwk("b")}));
  ASSERT_TRUE(keys.ok()) << keys.status();
  c.keys = *keys;
  c.policy.algorithms.Add(Algorithm::kEs256);
  // No fetcher is made at all: on a host without a system CA bundle that would fail.
  const LiveIssuers::MakeFetcher refuse =
      [](const RemoteFetchConfig&) -> absl::StatusOr<std::shared_ptr<fetch::Fetcher>> {
    return absl::InvalidArgumentError("no fetcher expected");
  };
  const IssuerVerdict v = CheckIssuerOnline(c, refuse);
  EXPECT_TRUE(v.ok) << v.line;
  EXPECT_EQ(v.line, "ok issuer https://op.example keys 1 (jwks_file)");
}

TEST_F(OnlineCheckTest, ChecksIssuersConcurrentlyInOrder) {
  fetcher_->Delay(std::chrono::milliseconds(300));
  std::vector<IssuerConfig> issuers(4, DiscoveryIssuer());
  issuers[2].policy.issuer = "https://elsewhere.example";
  const auto start = std::chrono::steady_clock::now();
  const std::vector<IssuerVerdict> verdicts = CheckIssuersOnline(issuers, make_fetcher_);
  const auto took = std::chrono::steady_clock::now() - start;
  // Three requests of 300 ms per issuer: 0.9 s concurrently, 3.6 s one after the other.
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  ASSERT_EQ(verdicts.size(), 4u);
  EXPECT_TRUE(verdicts[0].ok && verdicts[1].ok && verdicts[3].ok);
  EXPECT_EQ(verdicts[2].line.rfind("FAIL issuer https://elsewhere.example: ", 0), 0u)
      << verdicts[2].line;
}

TEST_F(OnlineCheckTest, ReturnsByItsDeadline) {
  // A request that outlasts its timeouts (as getaddrinfo can) does not hold the check up.
  fetcher_->Delay(std::chrono::milliseconds(4000));
  IssuerConfig issuer = DiscoveryIssuer();
  issuer.fetch.timeout_ms = 100;
  const std::vector<IssuerConfig> issuers = {issuer};
  EXPECT_EQ(OnlineCheckDeadlineMs(issuers), 3 * 100 + 1000);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<IssuerVerdict> verdicts = CheckIssuersOnline(issuers, make_fetcher_);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3000));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].ok);
  EXPECT_NE(verdicts[0].line.find("no answer within the check's bound of 1300 ms"),
            std::string::npos)
      << verdicts[0].line;
  // The abandoned check goes on in its thread: let it finish its three requests now, or it
  // would still be running when the process exits (found by TSan: "pure virtual method
  // called" at exit, under ctest's timing).
  fetcher_->Release();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fetcher_->requests().size() < 3 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(fetcher_->requests().size(), 3u);
}

TEST(OnlineCheckDeadlineTest, GrowsWithRoundsOfParallelChecks) {
  IssuerConfig jwks;
  jwks.policy.issuer = kIssuer;
  jwks.key_source = IssuerConfig::KeySource::kJwksUri;
  jwks.fetch.timeout_ms = 2000;
  EXPECT_EQ(OnlineCheckDeadlineMs({jwks}), 2000 + 1000);
  const std::vector<IssuerConfig> many(kParallelChecks + 1, jwks);
  EXPECT_EQ(OnlineCheckDeadlineMs(many), 2 * 2000 + 1000);
  EXPECT_EQ(OnlineCheckDeadlineMs({}), 1000);
}

}  // namespace
}  // namespace tokenwarden::server
