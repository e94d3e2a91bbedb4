// The routes with a live issuer whose JWK Set comes from a scripted fetcher: a token whose kid
// the fetched set lacks is key_not_found (401) only after a refetch that started after the
// request succeeded without the kid; during a cooldown, on a slow or failed refetch, the
// answer is 503 with Retry-After on /validate and /introspect, each case with its own
// outcome in the metrics. Requests are handed to Routes::Handle as the transport would,
// with a deferrer that parks them like a connection does.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <uv.h>

#include "core/algorithm.h"
#include "core/denylist.h"
#include "server/config/config.h"
#include "server/config/secret_hash.h"
#include "server/fetch/fetcher.h"
#include "server/http/deferred.h"
#include "server/http/message.h"
#include "server/serve/live_issuer.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"
#include "tests/core/test_tokens.h"
#include "tests/server/eventually.h"
#include "tests/server/serve/parking_deferrer.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::EcKeyB;
using ::tokenwarden::testing::Eventually;
using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::ParkingDeferrer;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;

constexpr std::string_view kIss = "https://op.example";
constexpr char kBasic[] = "Basic cnM6czNjcmV0";  // rs:s3cret

// JwksFetcher serves the JWK Set the test sets, or fails like an unreachable issuer.
class JwksFetcher : public fetch::Fetcher {
 public:
  void Serve(std::string jwks) {
    std::lock_guard<std::mutex> lock(mu_);
    jwks_ = std::move(jwks);
  }
  void Fail() { Serve(""); }
  int fetches() const { return fetches_.load(); }
  absl::StatusOr<fetch::FetchResponse> Fetch(const fetch::FetchRequest&) override {
    ++fetches_;
    std::lock_guard<std::mutex> lock(mu_);
    if (jwks_.empty()) {
      return absl::UnavailableError("connection refused");
    }
    fetch::FetchResponse response;
    response.status = 200;
    response.body = jwks_;
    return response;
  }

 private:
  std::mutex mu_;
  std::string jwks_;
  std::atomic<int> fetches_{0};
};

std::string Payload() {
  return "{\"iss\":\"" + std::string(kIss) +
         "\",\"sub\":\"alice\",\"exp\":" + std::to_string(kNow + 600) + "}";
}
std::string TokenA() {
  return MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Payload(), "a");
}
std::string TokenB() { return MintAlg(Algorithm::kEs256, EcKeyB(), Payload(), "b"); }
std::string Junk(std::string_view kid) {
  return MintAlg(Algorithm::kEs256, EcKeyB(), Payload(), kid);
}
std::string JwksA() { return JwksOf({EcKey(Algorithm::kEs256).Jwk("a")}); }
std::string JwksAB() { return JwksOf({EcKey(Algorithm::kEs256).Jwk("a"), EcKeyB().Jwk("b")}); }

class UnknownKidTest : public ::testing::Test {
 protected:
  void TearDown() override {
    routes_.reset();
    live_.reset();  // stops the key source: its waiters are told before the deferrer goes
  }

  // Start serves issuer kIss from jwks_uri with the given unknown-kid settings and waits for
  // its first fetch.
  void Start(int64_t wait_ms, int64_t cooldown_s = 1) {
    fetcher_->Serve(JwksA());
    live_ = std::make_unique<LiveIssuers>(
        [](std::string_view) {}, /*start=*/true,
        [this](const RemoteFetchConfig&) -> absl::StatusOr<std::shared_ptr<fetch::Fetcher>> {
          return std::shared_ptr<fetch::Fetcher>(fetcher_);
        });
    ServerConfig config;
    config.workers = 1;
    IssuerConfig issuer;
    issuer.policy.issuer = std::string(kIss);
    issuer.policy.algorithms.Add(Algorithm::kEs256);
    issuer.key_source = IssuerConfig::KeySource::kJwksUri;
    issuer.jwks_uri = "https://op.example/jwks";
    issuer.refresh.unknown_kid_wait_ms = wait_ms;
    issuer.refresh.unknown_kid_cooldown_seconds = cooldown_s;
    config.issuers.push_back(std::move(issuer));
    ClientConfig client;
    client.id = "rs";
    absl::StatusOr<SecretHash> hash = ParseSecretHash(HashSecret("s3cret", 0));
    ASSERT_TRUE(hash.ok()) << hash.status();
    client.secret = *std::move(hash);
    config.clients.push_back(std::move(client));
    const absl::Status published =
        PublishState(std::move(config), denylist_, kNow, holder_, live_.get());
    ASSERT_TRUE(published.ok()) << published;
    RouteDeps deps = RouteDepsFor(holder_, metrics_, denylist_.get());
    deps.clock = [] { return kNow; };
    routes_ = std::make_unique<Routes>(std::move(deps), 1);
    const std::shared_ptr<LiveIssuer> live = holder_.Current()->issuers()[0].live;
    ASSERT_TRUE(Eventually([&] { return live->ready(); }));
  }

  // Ask sends `token` to /validate (or /introspect) and returns the answer, waiting for a
  // parked request's continuation unless `time_out`, which fires its timeout instead.
  http::Response Ask(const std::string& token, bool introspect = false, bool time_out = false) {
    const std::string authorization = "Bearer " + token;
    const std::string body = "token=" + token;
    std::vector<http::HeaderField> headers;
    http::Request request;
    request.method = introspect ? "POST" : "GET";
    request.target = introspect ? "/introspect" : "/validate";
    request.path = request.target;
    if (introspect) {
      headers.push_back({"Authorization", kBasic});
      headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
      request.body = body;
    } else {
      headers.push_back({"Authorization", authorization});
    }
    request.headers = headers;
    request.peer = "127.0.0.1:40000";
    request.deferrer = &deferrer_;
    http::Response response;
    routes_->Handle(request, response);
    if (deferrer_.parked()) {
      waited_ = true;
      response = http::Response();
      if (time_out) {
        deferrer_.TimeOut(request, response);
      } else {
        EXPECT_TRUE(deferrer_.Wake(request, response)) << "the refetch never ended";
      }
    } else {
      waited_ = false;
    }
    return response;
  }

  uint64_t Outcomes(std::string_view result) {
    MetricsGauges gauges;
    const std::string text = metrics_.Render(gauges);
    const std::string name =
        "tokenwarden_validations_total{result=\"" + std::string(result) + "\"} ";
    const size_t at = text.find(name);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size()));
  }

  std::shared_ptr<JwksFetcher> fetcher_ = std::make_shared<JwksFetcher>();
  ParkingDeferrer deferrer_;
  std::shared_ptr<Denylist> denylist_ = std::make_shared<Denylist>(64);
  std::unique_ptr<LiveIssuers> live_;
  StateHolder holder_;
  Metrics metrics_{1};
  std::unique_ptr<Routes> routes_;
  bool waited_ = false;  // the last Ask was parked
};

// ExpectUnavailable checks a 503 to retry after `retry_after` seconds.
void ExpectUnavailable(const http::Response& response, std::string_view retry_after) {
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_NE(response.body.find("\"error\":\"temporarily_unavailable\""), std::string::npos)
      << response.body;
  const std::string& headers = response.headers();
  EXPECT_NE(headers.find("Retry-After: " + std::string(retry_after) + "\r\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Cache-Control: no-store\r\n"), std::string::npos) << headers;
}

TEST_F(UnknownKidTest, AGenuinelyUnknownKidIsRefusedAfterTheRefetchItWaitedFor) {
  Start(/*wait_ms=*/2000);
  const http::Response response = Ask(Junk("nope"));
  EXPECT_TRUE(waited_);
  EXPECT_EQ(deferrer_.timeout_ms(), 2000u);
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_EQ(fetcher_->fetches(), 2);  // the first fetch, and the refetch
  EXPECT_EQ(Outcomes("key_not_found"), 1u);
}

TEST_F(UnknownKidTest, DuringTheCooldownBothRoutesAnswer503WithRetryAfter) {
  Start(/*wait_ms=*/300, /*cooldown_s=*/2);
  EXPECT_EQ(Ask(Junk("j1")).status, 401);
  // The next refetch is ~2 s away, longer than a request may wait: 503 at once, Retry-After
  // the seconds until it, rounded up.
  ExpectUnavailable(Ask(Junk("j2")), "2");
  EXPECT_FALSE(waited_);
  ExpectUnavailable(Ask(Junk("j3"), /*introspect=*/true), "2");
  EXPECT_FALSE(waited_);
  EXPECT_EQ(Outcomes("key_refetch_pending"), 2u);
  EXPECT_EQ(fetcher_->fetches(), 2);
  // That refetch runs at the cooldown's end although no request waits for it.
  EXPECT_TRUE(Eventually([&] { return fetcher_->fetches() == 3; }));
}

TEST_F(UnknownKidTest, AKeyRotatedInDuringTheCooldownWaitsAndIsAccepted) {
  Start(/*wait_ms=*/3000, /*cooldown_s=*/1);
  EXPECT_EQ(Ask(Junk("j1")).status, 401);
  fetcher_->Serve(JwksAB());
  const http::Response response = Ask(TokenB());
  EXPECT_TRUE(waited_) << "queued for the refetch at the cooldown's end";
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(fetcher_->fetches(), 3);
  EXPECT_EQ(Ask(TokenB()).status, 200);
  EXPECT_FALSE(waited_);
}

TEST_F(UnknownKidTest, AFailedRefetchIs503NotKeyNotFound) {
  Start(/*wait_ms=*/5000);
  fetcher_->Fail();
  ExpectUnavailable(Ask(TokenB()), "1");
  EXPECT_TRUE(waited_);
  EXPECT_EQ(Outcomes("key_refetch_failed"), 1u);
  EXPECT_EQ(Outcomes("key_not_found"), 0u);
  const http::Response introspected = Ask(TokenB(), /*introspect=*/true);
  EXPECT_EQ(introspected.status, 503) << introspected.body;
  EXPECT_EQ(Ask(TokenA()).status, 200) << "the last good set keeps serving";
}

TEST_F(UnknownKidTest, AWaitThatTimesOutIs503) {
  Start(/*wait_ms=*/2000);
  ExpectUnavailable(Ask(Junk("slow"), /*introspect=*/false, /*time_out=*/true), "1");
  EXPECT_TRUE(waited_);
  EXPECT_EQ(Outcomes("key_refetch_pending"), 1u);
}

TEST_F(UnknownKidTest, WithoutAWaitAnUnknownKidIs503AndTheRefetchStillRuns) {
  Start(/*wait_ms=*/0);
  fetcher_->Serve(JwksAB());
  ExpectUnavailable(Ask(TokenB()), "1");
  EXPECT_FALSE(waited_);
  EXPECT_TRUE(Eventually([&] { return fetcher_->fetches() == 2; }));
  EXPECT_TRUE(Eventually([&] { return Ask(TokenB()).status == 200; }));
}

}  // namespace
}  // namespace tokenwarden::server
