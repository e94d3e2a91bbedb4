// /validate with sender-constrained tokens (issue 21): DPoP proofs (RFC 9449) checked against
// the original request the gateway forwards, certificate-bound tokens (RFC 8705) against the
// forwarded client certificate, and the challenges and introspection answers that go with
// them. In-process over Routes, with a pinned clock.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "core/dpop.h"
#include "core/dpop_nonce.h"
#include "core/dpop_replay_cache.h"
#include "core/jwk_thumbprint.h"
#include "core/possession.h"
#include "server/config/config.h"
#include "server/redis/shared_dpop_replay.h"
#include "server/serve/client_certificate.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"
#include "tests/core/test_tokens.h"
#include "tests/server/serve/parking_deferrer.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::base::StrCat;
using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::EcKeyB;
using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::Mint;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::MustJwks;
using ::tokenwarden::testing::ParkingDeferrer;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;
using ::tokenwarden::testing::RsaKey;
using ::tokenwarden::testing::TestKey;

constexpr std::string_view kIss = "https://issuer.example";
constexpr std::string_view kUrl = "https://api.example/orders/7";

// The client's DPoP key is EcKey(ES256); its thumbprint binds the tokens below.
std::string ClientJkt() { return JwkThumbprint(EcKey(Algorithm::kEs256).Jwk()).value(); }

// Token is an RS256 access token of the issuer; `cnf` is the raw cnf object, if any.
std::string Token(std::string_view cnf = "", std::string_view jti = "t-1") {
  return MintAlg(
      Algorithm::kRs256, RsaKey(),
      StrCat(R"({"iss":")", kIss, R"(","sub":"alice","scope":"read","exp":)", kNow + 3600,
             R"(,"jti":")", jti, R"(")", cnf.empty() ? "" : StrCat(R"(,"cnf":)", cnf), "}"),
      "k1");
}
std::string BoundToken() { return Token(StrCat(R"({"jkt":")", ClientJkt(), R"("})")); }

// Proof is a DPoP proof by `key` for `method` `url` and `token` (its ath); `extra` raw members.
std::string Proof(std::string_view token, std::string_view jti = "p-1",
                  const TestKey& key = EcKey(Algorithm::kEs256), std::string_view method = "GET",
                  std::string_view url = kUrl, int64_t iat = kNow, std::string_view extra = "") {
  const std::string header = StrCat(R"({"typ":"dpop+jwt","alg":"ES256","jwk":)", key.Jwk(), "}");
  const std::string payload =
      StrCat(R"({"jti":")", jti, R"(","htm":")", method, R"(","htu":")", url, R"(","iat":)", iat,
             R"(,"ath":")", AccessTokenHash(token), R"(")", extra, "}");
  return Mint(header, payload, key, Algorithm::kEs256);
}

struct Req {
  std::string method = "GET";
  std::string target = "/validate";
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Forwarded-Method", "GET"},
      {"X-Forwarded-Proto", "https"},
      {"X-Forwarded-Host", "api.example"},
      {"X-Forwarded-Uri", "/orders/7?expand=items"}};
  Req& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

Req Dpop(std::string_view token, std::string_view proof) {
  Req r;
  r.Header("Authorization", StrCat("DPoP ", token));
  r.Header("DPoP", std::string(proof));
  return r;
}
Req Bearer(std::string_view token) {
  Req r;
  r.Header("Authorization", StrCat("Bearer ", token));
  return r;
}

// FakeSharedReplay stands for the Redis the instances share: it answers each Claim with
// `answer`, or keeps it unanswered (`hang`, a Redis that stopped answering).
class FakeSharedReplay final : public redis::DpopReplayStore {
 public:
  void Claim(const DpopReplayKey& key, int64_t until_ms, Done done) override {
    claims.push_back(key);
    last_until_ms = until_ms;
    if (hang) {
      held = std::move(done);
    } else {
      done(answer);
    }
  }
  Answer answer = Answer::kFresh;
  bool hang = false;
  std::vector<DpopReplayKey> claims;
  int64_t last_until_ms = 0;
  Done held;
};

class SenderConstrainedTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(Config()); }

  static ServerConfig Config() {
    ServerConfig config;
    config.workers = 1;
    IssuerConfig issuer;
    issuer.policy.issuer = std::string(kIss);
    issuer.jwks_file = "k.json";
    issuer.keys = MustJwks(JwksOf({RsaKey().Jwk("k1")}));
    config.issuers.push_back(std::move(issuer));
    return config;
  }

  void Start(ServerConfig config) {
    config_ = config;
    denylist_ = std::make_shared<Denylist>(64);
    const absl::Status published = PublishState(std::move(config), denylist_, kNow, holder_);
    ASSERT_TRUE(published.ok()) << published;
    RouteDeps deps = RouteDepsFor(holder_, metrics_, denylist_.get());
    deps.dpop_replay = replay_cache_;
    deps.dpop_shared_replay = &shared_;
    deps.clock = [this] { return now_; };
    routes_ = std::make_unique<Routes>(std::move(deps), 1);
  }

  http::Response Handle(const Req& r) {
    std::vector<http::HeaderField> fields;
    for (const auto& [name, value] : r.headers) {
      fields.push_back(http::HeaderField{name, value});
    }
    http::Request request;
    request.method = r.method;
    request.target = r.target;
    request.path = r.target;
    request.headers = fields;
    request.peer = "127.0.0.1:40000";
    request.deferrer = &deferrer_;
    http::Response response;
    routes_->Handle(request, response);
    waited_ = deferrer_.parked();
    if (waited_) {
      response = http::Response();
      if (time_out_) {
        deferrer_.TimeOut(request, response);
      } else {
        EXPECT_TRUE(deferrer_.Wake(request, response)) << "the shared replay store never answered";
      }
    }
    return response;
  }

  // StartShared serves Config() with dpop.replay `mode`.
  void StartShared(DpopConfig::Replay mode) {
    ServerConfig config = Config();
    config.dpop.replay = mode;
    Start(config);
  }

  uint64_t Outcomes(std::string_view result) {
    MetricsGauges gauges;
    const std::string text = metrics_.Render(gauges);
    const std::string name = StrCat("tokenwarden_validations_total{result=\"", result, "\"} ");
    const size_t at = text.find(name);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size()));
  }

  // Challenge is the response's WWW-Authenticate value ("" when none).
  static std::string Challenge(const http::Response& response) {
    const std::string_view headers = response.headers();
    const size_t at = headers.find("WWW-Authenticate: ");
    if (at == std::string_view::npos) {
      return "";
    }
    const size_t start = at + 18;
    return std::string(headers.substr(start, headers.find("\r\n", start) - start));
  }

  ServerConfig config_;
  int64_t now_ = kNow;
  std::shared_ptr<Denylist> denylist_;
  StateHolder holder_;
  Metrics metrics_{1};
  DpopReplayCache replay_{1024};
  DpopReplayCache* replay_cache_ = &replay_;
  FakeSharedReplay shared_;
  ParkingDeferrer deferrer_;
  bool time_out_ = false;  // Handle fires a parked request's timeout instead of waking it
  bool waited_ = false;    // the last Handle was parked
  std::unique_ptr<Routes> routes_;
};

TEST_F(SenderConstrainedTest, ValidProofPassesOnceAndItsReplayIsRefused) {
  const std::string token = BoundToken();
  const std::string proof = Proof(token);
  const http::Response first = Handle(Dpop(token, proof));
  EXPECT_EQ(first.status, 200) << first.body;
  const http::Response again = Handle(Dpop(token, proof));
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.body.find("used before"), std::string::npos) << again.body;
  EXPECT_TRUE(Challenge(again).starts_with("DPoP realm=\"tokenwarden\", algs=\""))
      << Challenge(again);
  // EdDSA by both its names: proofs may carry RFC 9864's (core/dpop.h).
  EXPECT_NE(Challenge(again).find(" EdDSA Ed25519"), std::string::npos) << Challenge(again);
  EXPECT_NE(Challenge(again).find("error=\"invalid_dpop_proof\""), std::string::npos);
  // A new proof by the same key passes: a cache hit for the token, a new jti.
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "p-2"))).status, 200);
}

TEST_F(SenderConstrainedTest, AProofThatFailsDoesNotSpendItsJti) {
  const std::string token = BoundToken();
  Req wrong_method = Dpop(token, Proof(token));
  wrong_method.headers[0].second = "POST";
  EXPECT_EQ(Handle(wrong_method).status, 401);
  EXPECT_EQ(Handle(Dpop(token, Proof(token))).status, 200);
}

TEST_F(SenderConstrainedTest, ProofForAnotherRequestIsRefused) {
  const std::string token = BoundToken();
  const auto refused = [&](const std::string& proof, std::string_view why) {
    const http::Response response = Handle(Dpop(token, proof));
    EXPECT_EQ(response.status, 401) << why;
    EXPECT_NE(Challenge(response).find("error=\"invalid_dpop_proof\""), std::string::npos)
        << why << ": " << Challenge(response);
    EXPECT_NE(response.body.find(why), std::string::npos) << response.body;
  };
  const TestKey& key = EcKey(Algorithm::kEs256);
  refused(Proof(token, "a", key, "POST"), "htm");
  refused(Proof(token, "b", key, "GET", "https://api.example/orders/8"), "htu");
  refused(Proof(token, "c", key, "GET", kUrl, kNow - 120), "too old");
  refused(Proof(Token("", "other")), "ath");
  // Normalization: another spelling of the same URL, query ignored, passes.
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "d", key, "GET", "HTTPS://API.example:443/orders/%37")))
                .status,
            200);
}

TEST_F(SenderConstrainedTest, ProofByAnotherKeyIsAKeyMismatch) {
  const std::string token = BoundToken();
  const http::Response response = Handle(Dpop(token, Proof(token, "p", EcKeyB())));
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(Challenge(response).starts_with("DPoP realm=\"tokenwarden\", algs=\""));
  EXPECT_NE(Challenge(response).find("error=\"invalid_token\""), std::string::npos);
  EXPECT_NE(response.body.find("another key"), std::string::npos) << response.body;
}

TEST_F(SenderConstrainedTest, BoundTokenAsBearerIsRefused) {
  const http::Response response = Handle(Bearer(BoundToken()));
  EXPECT_EQ(response.status, 401);
  EXPECT_NE(response.body.find("not as a bearer token"), std::string::npos) << response.body;
  EXPECT_TRUE(
      Challenge(response).starts_with("Bearer realm=\"tokenwarden\", error=\"invalid_token\""));
  EXPECT_NE(Challenge(response).find(", DPoP realm=\"tokenwarden\", algs="), std::string::npos);
  // An unbound token still works as a bearer token, and not with the DPoP scheme.
  EXPECT_EQ(Handle(Bearer(Token())).status, 200);
  EXPECT_EQ(Handle(Dpop(Token(), Proof(Token()))).status, 401);
}

TEST_F(SenderConstrainedTest, DpopSchemeNeedsExactlyOneProofAndTheOriginalUrl) {
  const std::string token = BoundToken();
  Req none;
  none.Header("Authorization", "DPoP " + token);
  EXPECT_EQ(Handle(none).status, 401);
  Req two = Dpop(token, Proof(token));
  two.Header("DPoP", Proof(token, "p-9"));
  EXPECT_EQ(Handle(two).status, 401);
  Req no_host = Dpop(token, Proof(token));
  no_host.headers.erase(no_host.headers.begin() + 2);  // X-Forwarded-Host
  const http::Response response = Handle(no_host);
  EXPECT_EQ(response.status, 401);
  EXPECT_NE(response.body.find("did not forward"), std::string::npos) << response.body;
}

TEST_F(SenderConstrainedTest, ModesPerIssuerAndRoute) {
  ServerConfig config = Config();
  config.issuers[0].dpop = DpopMode::kRequired;
  Start(config);
  EXPECT_EQ(Handle(Bearer(Token())).status, 401);
  EXPECT_TRUE(Challenge(Handle(Bearer(Token()))).find("DPoP") != std::string::npos);
  EXPECT_EQ(Handle(Dpop(BoundToken(), Proof(BoundToken(), "r-1"))).status, 200);

  config = Config();
  config.issuers[0].route_scopes.push_back(RouteScopeRule{"", "/orders", {}, DpopMode::kRequired});
  Start(config);
  EXPECT_EQ(Handle(Bearer(Token())).status, 401);  // /orders/7 requires DPoP
  Req elsewhere = Bearer(Token());
  elsewhere.headers[3].second = "/health";
  EXPECT_EQ(Handle(elsewhere).status, 200);

  config = Config();
  config.issuers[0].dpop = DpopMode::kOff;
  Start(config);
  const http::Response off = Handle(Dpop(BoundToken(), Proof(BoundToken(), "o-1")));
  EXPECT_EQ(off.status, 401);
  EXPECT_EQ(Challenge(Handle(Req())), "Bearer realm=\"tokenwarden\"");  // no DPoP offered
}

TEST_F(SenderConstrainedTest, NonceFlow) {
  ServerConfig config = Config();
  config.dpop.nonce = true;
  config.dpop.nonce_secret = std::string(32, 'n');
  Start(config);
  const std::string token = BoundToken();
  const http::Response first = Handle(Dpop(token, Proof(token, "n-1")));
  EXPECT_EQ(first.status, 401);
  EXPECT_NE(Challenge(first).find("error=\"use_dpop_nonce\""), std::string::npos);
  const std::string headers(first.headers());
  const size_t at = headers.find("DPoP-Nonce: ");
  ASSERT_NE(at, std::string::npos) << headers;
  const std::string nonce = headers.substr(at + 12, headers.find("\r\n", at) - at - 12);
  EXPECT_EQ(nonce, CurrentDpopNonce(config.dpop.nonce_secret, 300, kNow));
  const std::string with_nonce = StrCat(R"(,"nonce":")", nonce, R"(")");
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "n-2", EcKey(Algorithm::kEs256), "GET", kUrl, kNow,
                                     with_nonce)))
                .status,
            200);
  // Two lifetimes later it is stale.
  now_ += 600;
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "n-3", EcKey(Algorithm::kEs256), "GET", kUrl, now_,
                                     with_nonce)))
                .status,
            401);
}

TEST_F(SenderConstrainedTest, CertificateBoundTokenNeedsTheForwardedCertificate) {
  ServerConfig config = Config();
  config.client_certificate =
      ClientCertificateConfig{"X-SSL-Client-Cert", ClientCertificateConfig::Format::kPem};
  Start(config);
  const std::string pem = EcKey(Algorithm::kEs256).CertificatePem();
  const std::string thumbprint = PemCertificateThumbprint(pem);
  ASSERT_FALSE(thumbprint.empty());
  const std::string token = Token(StrCat(R"({"x5t#S256":")", thumbprint, R"("})"));
  EXPECT_EQ(Handle(Bearer(token)).status, 401);  // no certificate forwarded
  // nginx's $ssl_client_escaped_cert: the PEM URL-encoded.
  std::string escaped;
  for (const char c : pem) {
    escaped += c == '\n' ? std::string("%0A") : c == ' ' ? std::string("%20") : std::string(1, c);
  }
  EXPECT_EQ(Handle(Bearer(token).Header("X-SSL-Client-Cert", escaped)).status, 200);
  const http::Response wrong =
      Handle(Bearer(token).Header("X-SSL-Client-Cert", EcKeyB().CertificatePem()));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("not the one the token is bound to"), std::string::npos);
  EXPECT_EQ(Handle(Bearer(Token()).Header("X-SSL-Client-Cert", "garbage")).status, 401);
}

// With dpop.replay shared, a proof this process has not seen is spent in Redis too, where the
// first instance wins (RFC 9449 §11.1 across a scale-out group).
TEST_F(SenderConstrainedTest, SharedReplaySpendsTheProofInRedisOnce) {
  StartShared(DpopConfig::Replay::kShared);
  const std::string token = BoundToken();
  const std::string proof = Proof(token);
  const http::Response first = Handle(Dpop(token, proof));
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(waited_);
  ASSERT_EQ(shared_.claims.size(), 1u);
  // Kept until the proof is too old anyway: iat + max_age.
  EXPECT_EQ(shared_.last_until_ms, (kNow + 60) * 1000);
  // A replay here is caught by this process's own cache, without asking Redis.
  const http::Response again = Handle(Dpop(token, proof));
  EXPECT_EQ(again.status, 401);
  EXPECT_FALSE(waited_);
  EXPECT_EQ(shared_.claims.size(), 1u);
  // Bearer tokens and refused proofs never reach Redis.
  EXPECT_EQ(Handle(Bearer(Token())).status, 200);
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "p-x", EcKeyB()))).status, 401);
  EXPECT_EQ(shared_.claims.size(), 1u);
}

TEST_F(SenderConstrainedTest, ProofSpentAtAnotherInstanceIsRefused) {
  StartShared(DpopConfig::Replay::kShared);
  shared_.answer = redis::DpopReplayStore::Answer::kReplayed;
  const std::string token = BoundToken();
  const http::Response response = Handle(Dpop(token, Proof(token)));
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(waited_);
  EXPECT_NE(Challenge(response).find("error=\"invalid_dpop_proof\""), std::string::npos)
      << Challenge(response);
  EXPECT_NE(response.body.find("at another instance"), std::string::npos) << response.body;
  EXPECT_EQ(Outcomes("dpop_proof_replayed"), 1u);
}

TEST_F(SenderConstrainedTest, RedisWithoutAnAnswerRefusesUnlessLocalMayDecide) {
  // shared: nobody can rule out a replay elsewhere, so 503 (the client retries with a new
  // proof), whether Redis failed or never answered.
  StartShared(DpopConfig::Replay::kShared);
  shared_.answer = redis::DpopReplayStore::Answer::kUnknown;
  const std::string token = BoundToken();
  const http::Response failed = Handle(Dpop(token, Proof(token, "u-1")));
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_NE(failed.body.find("temporarily_unavailable"), std::string::npos) << failed.body;
  EXPECT_NE(failed.headers().find("Retry-After: 1\r\n"), std::string::npos) << failed.headers();
  shared_.hang = true;
  time_out_ = true;
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "u-2"))).status, 503);
  EXPECT_EQ(Outcomes("replay_check_unavailable"), 2u);
  // shared_or_local: the local check alone decides while Redis cannot answer.
  time_out_ = false;
  shared_.hang = false;
  StartShared(DpopConfig::Replay::kSharedOrLocal);
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "u-3"))).status, 200);
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "u-3"))).status, 401);  // still once here
  // local: Redis is not asked at all.
  StartShared(DpopConfig::Replay::kLocal);
  const size_t asked = shared_.claims.size();
  EXPECT_EQ(Handle(Dpop(token, Proof(token, "u-4"))).status, 200);
  EXPECT_FALSE(waited_);
  EXPECT_EQ(shared_.claims.size(), asked);
}

// A replay cache full of live proofs cannot tell a replay: 503, never a guess, and never
// the issuer's upstream-error rule (this issuer has no introspection endpoint).
TEST_F(SenderConstrainedTest, FullReplayCacheIsUnavailable) {
  DpopReplayCache tiny(16);  // one proof per shard
  replay_cache_ = &tiny;
  Start(Config());
  const std::string token = BoundToken();
  int unavailable = 0;
  for (int i = 0; i < 17; ++i) {  // 17 proofs in 16 shards: one shard gets two
    const http::Response response = Handle(Dpop(token, Proof(token, StrCat("f-", i))));
    if (response.status == 503) {
      ++unavailable;
      EXPECT_NE(response.body.find("too many recent DPoP proofs"), std::string::npos);
    } else {
      EXPECT_EQ(response.status, 200) << response.body;
    }
  }
  EXPECT_GE(unavailable, 1);
  EXPECT_EQ(Outcomes("replay_check_unavailable"), static_cast<uint64_t>(unavailable));
  routes_.reset();
}

TEST(ClientCertificateTest, EnvoyXfcc) {
  const std::string pem = EcKey(Algorithm::kEs256).CertificatePem();
  const std::string thumbprint = PemCertificateThumbprint(pem);
  // Hash= is the hex SHA-256 of the DER: here that of the empty string.
  EXPECT_EQ(XfccCertificateThumbprint(
                "Hash=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;"
                "Subject=\"CN=a,O=b;c\";URI=spiffe://cluster.local/ns/a/sa/b"),
            CertificateThumbprint(""));
  EXPECT_EQ(XfccCertificateThumbprint("By=spiffe://x;Hash=00;Subject=\"\""), "");
  EXPECT_EQ(XfccCertificateThumbprint(
                "Hash=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,"
                "Hash=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "");  // two elements: whose certificate?
  std::string escaped;
  for (const char c : pem) {
    escaped += c == '\n' ? std::string("%0A") : std::string(1, c);
  }
  EXPECT_EQ(XfccCertificateThumbprint(StrCat("Cert=\"", escaped, "\";Subject=\"CN=x\"")),
            thumbprint);
}

TEST(ClientCertificateTest, TraefikBodyWithoutDelimiters) {
  const std::string pem = EcKey(Algorithm::kEs256).CertificatePem();
  std::string body;
  for (const std::string_view line : {std::string_view(pem)}) {
    const size_t start = line.find('\n') + 1;
    const size_t end = line.find("-----END");
    for (const char c : line.substr(start, end - start)) {
      if (c != '\n') {
        body += c == '+' ? std::string("%2B") : c == '/' ? std::string("%2F") : std::string(1, c);
      }
    }
  }
  EXPECT_EQ(PemCertificateThumbprint(body), PemCertificateThumbprint(pem));
  // The chain after the client's own certificate does not change whose it is.
  EXPECT_EQ(PemCertificateThumbprint(body + "," + body.substr(0, 40)),
            PemCertificateThumbprint(pem));
  EXPECT_EQ(PemCertificateThumbprint("bm90IGEgY2VydGlmaWNhdGU"), "");
}

TEST(DpopNonceTest, ValidForItsSlotAndTheNext) {
  const std::string secret(32, 's');
  const std::string nonce = CurrentDpopNonce(secret, 60, 1000);
  EXPECT_TRUE(IsValidDpopNonce(nonce, secret, 60, 1000));
  EXPECT_TRUE(IsValidDpopNonce(nonce, secret, 60, 1079));
  EXPECT_FALSE(IsValidDpopNonce(nonce, secret, 60, 1140));
  EXPECT_FALSE(IsValidDpopNonce(nonce, std::string(32, 't'), 60, 1000));
  EXPECT_FALSE(IsValidDpopNonce("garbage", secret, 60, 1000));
  EXPECT_FALSE(IsValidDpopNonce(CurrentDpopNonce(secret, 60, 1120), secret, 60, 1000));
}

}  // namespace
}  // namespace tokenwarden::server
