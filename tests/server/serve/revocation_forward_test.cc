// /revoke forwarded to the issuer's RFC 7009 revocation endpoint (introspection
// .forward_revocations), in-process over Routes: an issuer with keys whose opaque tokens its
// introspection endpoint judges, both endpoints scripted by a fake fetcher, deferral driven by
// a ParkingDeferrer. The revocation is local first (durable in the log before the issuer
// hears of it) and forwarded with tokenwarden's client credentials and the caller's hint; the
// issuer's answer decides 200, 400 or 503; a JWT the issuer's keys verify is never forwarded; the
// remembered introspection answer is dropped.

#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
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
#include "server/revocation/log_committer.h"
#include "server/revocation/revocation_log.h"
#include "server/serve/live_issuer.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"
#include "server/upstream/shared_result_store.h"
#include "tests/core/test_tokens.h"
#include "tests/server/serve/parking_deferrer.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::MustJwks;
using ::tokenwarden::testing::ParkingDeferrer;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;
using ::tokenwarden::testing::RsaKey;

constexpr std::string_view kIss = "https://k.example";
constexpr std::string_view kIntrospect = "https://k.example/introspect";
constexpr std::string_view kRevoke = "https://k.example/revoke";
constexpr std::string_view kCaller = "Basic cnM6czNjcmV0";  // rs:s3cret, tokenwarden's caller
constexpr std::string_view kTokenwarden = "Basic dHc6dHctczNjcmV0";  // tw:tw-s3cret, at the issuer

// FakeIssuer answers introspection from a table (token -> answer JSON; otherwise inactive) and
// revocation with a scripted response (200 unless set). It keeps every revocation request.
class FakeIssuer : public fetch::Fetcher {
 public:
  void Answer(const std::string& token, std::string json) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[token] = std::move(json);
  }
  void RevokeWith(int status, std::string body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    revoke_reply_.status = status;
    revoke_reply_.body = std::move(body);
    revoke_reply_.headers = std::move(headers);
  }
  // OnRevoke runs `hook` when a revocation request arrives, before it is answered.
  void OnRevoke(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    on_revoke_ = std::move(hook);
  }
  std::vector<fetch::FetchRequest> revocations() {
    std::lock_guard<std::mutex> lock(mu_);
    return revocations_;
  }
  int introspections() {
    std::lock_guard<std::mutex> lock(mu_);
    return introspections_;
  }
  absl::StatusOr<fetch::FetchResponse> Fetch(const fetch::FetchRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (request.url == kRevoke) {
      revocations_.push_back(request);
      if (on_revoke_) {
        on_revoke_();
      }
      return revoke_reply_;
    }
    fetch::FetchResponse response;
    response.status = 200;
    response.body = R"({"active":false})";
    if (request.url != kIntrospect) {
      response.status = 404;
      return response;
    }
    ++introspections_;
    // The tests' tokens need no form-encoding: the parameter is the token itself.
    const std::string_view body = request.body;
    const std::string token(body.substr(6, body.find('&') - 6));
    if (auto it = answers_.find(token); it != answers_.end()) {
      response.body = it->second;
    }
    return response;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
  fetch::FetchResponse revoke_reply_{200, {}, {}};
  std::function<void()> on_revoke_;
  std::vector<fetch::FetchRequest> revocations_;
  int introspections_ = 0;
};

// FakeShared is a shared tier that remembers what was put and deleted.
class FakeShared : public upstream::SharedResultStore {
 public:
  std::optional<upstream::SharedResult> Get(std::string_view) override { return std::nullopt; }
  void Put(std::string_view key, const upstream::SharedResult&) override {
    std::lock_guard<std::mutex> lock(mu_);
    put_.emplace_back(key);
  }
  void Delete(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    deleted_.emplace_back(key);
  }
  std::vector<std::string> put() {
    std::lock_guard<std::mutex> lock(mu_);
    return put_;
  }
  std::vector<std::string> deleted() {
    std::lock_guard<std::mutex> lock(mu_);
    return deleted_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> put_, deleted_;
};

class RevocationForwardTest : public ::testing::Test {
 protected:
  void TearDown() override {
    routes_.reset();
    live_.reset();  // stops the introspector: what it still owes goes before the deferrer
    committer_.reset();
    log_.reset();
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  // Start serves issuer kIss (keys from a file, opaque tokens introspected) with forwarding
  // as `forward` says and tokenwarden's credentials sent as `auth` says; with `durable`,
  // revocations go to a log in a fresh folder through a LogCommitter, as in `serve`.
  void Start(bool forward,
             UpstreamIntrospectionConfig::AuthMethod auth =
                 UpstreamIntrospectionConfig::AuthMethod::kBasic,
             bool durable = false) {
    if (durable) {
      std::string tmpl = ::testing::TempDir() + "tw_forward_XXXXXX";
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      absl::StatusOr<std::unique_ptr<revocation::RevocationLog>> log =
          revocation::RevocationLog::Open(dir_ + "/revocations.log", *denylist_, now_, nullptr);
      ASSERT_TRUE(log.ok()) << log.status();
      log_ = *std::move(log);
      committer_ = std::make_unique<revocation::LogCommitter>(*log_);
    }
    live_ = std::make_unique<LiveIssuers>(
        [](std::string_view) {}, /*start=*/true,
        [this](const RemoteFetchConfig&) -> absl::StatusOr<std::shared_ptr<fetch::Fetcher>> {
          return std::shared_ptr<fetch::Fetcher>(issuer_);
        });
    live_->SetSharedResults(shared_);
    ServerConfig config;
    config.workers = 1;
    IssuerConfig k;
    k.policy.issuer = std::string(kIss);
    k.jwks_file = "k.json";
    k.keys = MustJwks(JwksOf({RsaKey().Jwk("k1")}));
    k.fetch.timeout_ms = 3000;
    UpstreamIntrospectionConfig& i = k.introspection.emplace();
    i.endpoint = std::string(kIntrospect);
    i.client_id = "tw";
    i.client_secret = "tw-s3cret";
    i.auth_method = auth;
    i.forward_revocations = forward;
    if (forward) {
      i.revocation_endpoint = std::string(kRevoke);
    }
    config.issuers.push_back(std::move(k));
    config.opaque_issuer = 0;
    absl::StatusOr<SecretHash> hash = ParseSecretHash(HashSecret("s3cret", 0));
    ASSERT_TRUE(hash.ok()) << hash.status();
    config.clients.push_back(ClientConfig{"rs", *std::move(hash), {}, {}});
    const absl::Status published =
        PublishState(std::move(config), denylist_, now_, holder_, live_.get());
    ASSERT_TRUE(published.ok()) << published;
    RouteDeps deps = RouteDepsFor(holder_, metrics_, denylist_.get());
    deps.log_committer = committer_.get();
    deps.clock = [this] { return now_; };
    routes_ = std::make_unique<Routes>(std::move(deps), 1);
  }

  // Send runs one request to its answer: each wait it parks on (the introspection, then the
  // forwarded revocation) is woken in turn, except that with `time_out` the last one times
  // out instead. `waits` counts them.
  http::Response Send(std::string_view method, std::string_view target,
                      std::vector<http::HeaderField> headers, std::string_view body,
                      bool time_out = false) {
    http::Request request;
    request.method = method;
    request.target = target;
    request.path = target;
    request.headers = std::move(headers);
    request.body = body;
    request.peer = "127.0.0.1:40000";
    request.deferrer = &deferrer_;
    http::Response response;
    routes_->Handle(request, response);
    waits_ = 0;
    while (deferrer_.parked()) {
      ++waits_;
      response = http::Response();
      if (time_out && waits_ == 2) {
        deferrer_.TimeOut(request, response);
      } else {
        EXPECT_TRUE(deferrer_.Wake(request, response)) << "a wait never ended";
      }
    }
    return response;
  }
  http::Response Revoke(const std::string& token, std::string_view extra = {},
                        bool time_out = false) {
    body_ = base::StrCat("token=", token, extra);
    return Send("POST", "/revoke",
                {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", kCaller}},
                body_, time_out);
  }
  http::Response Validate(const std::string& token) {
    bearer_ = "Bearer " + token;
    return Send("GET", "/validate", {{"Authorization", bearer_}}, {});
  }
  // Active makes `token` an active token at the issuer.
  void Active(const std::string& token) {
    issuer_->Answer(token, base::StrCat(R"({"active":true,"sub":"carol","exp":)", now_ + 600, "}"));
  }
  std::optional<UpstreamAnswer> Cached(const std::string& token) {
    return holder_.Current()->issuers()[0].live->CachedAnswer(token);
  }
  bool HasMetric(std::string_view line) {
    const std::string text = Send("GET", "/metrics", {}, {}).body;
    return text.find(base::StrCat(line, "\n")) != std::string::npos;
  }

  const int64_t now_ = UnixNow();
  std::shared_ptr<FakeIssuer> issuer_ = std::make_shared<FakeIssuer>();
  std::shared_ptr<FakeShared> shared_ = std::make_shared<FakeShared>();
  ParkingDeferrer deferrer_;
  std::shared_ptr<Denylist> denylist_ = std::make_shared<Denylist>(64);
  std::unique_ptr<LiveIssuers> live_;
  std::string dir_;
  std::unique_ptr<revocation::RevocationLog> log_;
  std::unique_ptr<revocation::LogCommitter> committer_;
  StateHolder holder_;
  Metrics metrics_{1};
  std::unique_ptr<Routes> routes_;
  std::string body_, bearer_;
  int waits_ = 0;
};

// RetryAfter returns the Retry-After value of `response`, or "" without one.
std::string RetryAfter(const http::Response& response) {
  const std::string& headers = response.headers();
  const size_t at = headers.find("Retry-After: ");
  return at == std::string::npos ? "" : headers.substr(at + 13, headers.find("\r\n", at) - at - 13);
}

std::optional<std::string> HeaderOf(const fetch::FetchRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

TEST_F(RevocationForwardTest, ForwardsWithTheCallersHintAndTokenwardensCredentials) {
  Start(/*forward=*/true);
  Active("opq-1");
  const http::Response revoked = Revoke("opq-1", "&token_type_hint=refresh_token");
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.body, "");
  EXPECT_EQ(waits_, 2) << "the introspection, then the forwarded revocation";
  EXPECT_EQ(deferrer_.timeout_ms(), 4000u) << "the issuer's fetch timeout, plus the queue's second";
  const std::vector<fetch::FetchRequest> sent = issuer_->revocations();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].body, "token=opq-1&token_type_hint=refresh_token");
  EXPECT_EQ(HeaderOf(sent[0], "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(HeaderOf(sent[0], "Authorization"), kTokenwarden);
  // Revoked here as well, before the issuer was asked.
  EXPECT_EQ(Validate("opq-1").status, 401);
  EXPECT_TRUE(HasMetric(R"(tokenwarden_upstream_revocations_total{issuer="https://k.example",)"
                        R"(result="revoked"} 1)"));
}

TEST_F(RevocationForwardTest, TheIssuerIsAskedOnlyOnceTheRevocationIsDurable) {
  Start(/*forward=*/true, UpstreamIntrospectionConfig::AuthMethod::kBasic, /*durable=*/true);
  Active("opq-d");
  std::atomic<int64_t> committed_when_asked{-1};
  issuer_->OnRevoke([&] { committed_when_asked = committer_->committed(); });
  const http::Response revoked = Revoke("opq-d");
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(waits_, 3) << "the introspection, the log's fsync, then the issuer";
  EXPECT_EQ(committed_when_asked.load(), 1) << "in the log before the issuer hears of it";
  EXPECT_EQ(Validate("opq-d").status, 401);
}

TEST_F(RevocationForwardTest, AHintRfc7009DoesNotDefineIsNotPassedOn) {
  Start(/*forward=*/true, UpstreamIntrospectionConfig::AuthMethod::kPost);
  Active("opq-2");
  EXPECT_EQ(Revoke("opq-2", "&token_type_hint=id_token").status, 200);
  Active("opq-3");
  EXPECT_EQ(Revoke("opq-3").status, 200);
  const std::vector<fetch::FetchRequest> sent = issuer_->revocations();
  ASSERT_EQ(sent.size(), 2u);
  // client_secret_post: the same credentials as for introspection, in the body.
  EXPECT_EQ(sent[0].body, "token=opq-2&client_id=tw&client_secret=tw-s3cret");
  EXPECT_EQ(sent[1].body, "token=opq-3&client_id=tw&client_secret=tw-s3cret");
  EXPECT_EQ(HeaderOf(sent[0], "Authorization"), std::nullopt);
}

TEST_F(RevocationForwardTest, AnUnavailableIssuerIs503AndTheRetryReachesIt) {
  Start(/*forward=*/true);
  Active("opq-4");
  issuer_->RevokeWith(503, "", {{"Retry-After", "7"}});
  const http::Response first = Revoke("opq-4");
  EXPECT_EQ(first.status, 503) << first.body;
  EXPECT_NE(first.body.find(R"("error":"temporarily_unavailable")"), std::string::npos);
  EXPECT_EQ(RetryAfter(first), "7") << "the issuer's own";
  // The local revocation stands, and is durable as without forwarding.
  EXPECT_EQ(Validate("opq-4").status, 401);
  // The retry is not stopped by the local revocation: the issuer is asked again.
  issuer_->RevokeWith(200);
  const http::Response retried = Revoke("opq-4");
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(issuer_->revocations().size(), 2u);
  EXPECT_TRUE(HasMetric(R"(tokenwarden_upstream_revocations_total{issuer="https://k.example",)"
                        R"(result="error"} 1)"));
}

TEST_F(RevocationForwardTest, OtherIssuerFailuresAre503WithTheDefaultRetryAfter) {
  Start(/*forward=*/true);
  const struct {
    int status;
    std::string body;
  } cases[] = {{500, ""},
               {401, R"({"error":"invalid_client"})"},
               {400, R"({"error":"invalid_request"})"},
               {503, ""}};  // no Retry-After
  int n = 0;
  for (const auto& c : cases) {
    const std::string token = "opq-fail-" + std::to_string(n++);
    Active(token);
    issuer_->RevokeWith(c.status, c.body);
    const http::Response answer = Revoke(token);
    EXPECT_EQ(answer.status, 503) << c.status << ": " << answer.body;
    EXPECT_EQ(RetryAfter(answer), "5") << c.status;
  }
}

TEST_F(RevocationForwardTest, UnsupportedTokenTypeIsTheCallersAnswer) {
  Start(/*forward=*/true);
  Active("opq-5");
  issuer_->RevokeWith(400, R"({"error":"unsupported_token_type"})");
  const http::Response answer = Revoke("opq-5");
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_NE(answer.body.find(R"("error":"unsupported_token_type")"), std::string::npos);
  EXPECT_EQ(Validate("opq-5").status, 401) << "revoked here all the same";
}

TEST_F(RevocationForwardTest, AForwardThatTimesOutIs503AndTheTokenStaysRevokedHere) {
  Start(/*forward=*/true);
  Active("opq-6");
  const http::Response answer = Revoke("opq-6", {}, /*time_out=*/true);
  EXPECT_EQ(waits_, 2);
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_EQ(RetryAfter(answer), "5");
  EXPECT_EQ(Validate("opq-6").status, 401);
}

TEST_F(RevocationForwardTest, NothingIsForwardedWhenDisabled) {
  Start(/*forward=*/false);
  Active("opq-7");
  const http::Response answer = Revoke("opq-7", "&token_type_hint=access_token");
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(waits_, 1) << "the introspection only";
  EXPECT_EQ(Validate("opq-7").status, 401);
  EXPECT_TRUE(issuer_->revocations().empty());
  EXPECT_FALSE(HasMetric(R"(tokenwarden_upstream_revocations_total{issuer="https://k.example",)"
                         R"(result="revoked"} 0)"));
}

TEST_F(RevocationForwardTest, AJwtTheIssuersKeysVerifyIsNeverForwarded) {
  Start(/*forward=*/true);
  const std::string jwt = MintAlg(
      Algorithm::kRs256, RsaKey(),
      base::StrCat(R"({"iss":"https://k.example","sub":"erin","exp":)", now_ + 600, "}"), "k1");
  const http::Response answer = Revoke(jwt);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(waits_, 0);
  EXPECT_EQ(Validate(jwt).status, 401) << "revoked here";
  EXPECT_TRUE(issuer_->revocations().empty());
  EXPECT_EQ(issuer_->introspections(), 0);
}

TEST_F(RevocationForwardTest, TheRememberedAnswerIsDroppedOnceTheIssuerRevoked) {
  Start(/*forward=*/true);
  Active("opq-8");
  issuer_->RevokeWith(503);
  EXPECT_EQ(Revoke("opq-8").status, 503);
  // Not revoked at the issuer: its active answer still stands, here and in the shared tier.
  EXPECT_TRUE(Cached("opq-8").has_value());
  EXPECT_TRUE(shared_->deleted().empty());
  issuer_->RevokeWith(200);
  EXPECT_EQ(Revoke("opq-8").status, 200);
  EXPECT_FALSE(Cached("opq-8").has_value());
  const std::vector<std::string> put = shared_->put();
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(shared_->deleted(), put) << "the entry other instances would have read";
  // The issuer now says inactive: a further revocation has nothing left to forward.
  issuer_->Answer("opq-8", R"({"active":false})");
  EXPECT_EQ(Revoke("opq-8").status, 200);
  EXPECT_EQ(issuer_->revocations().size(), 2u);
}

}  // namespace
}  // namespace tokenwarden::server
