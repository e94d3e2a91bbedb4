// Upstream introspection of opaque tokens with a scripted fetcher: the request tokenwarden
// sends (client_secret_basic, _basic_raw, _post), what counts as an answer, the cache (active
// until min(exp, ttl), inactive for the negative ttl, failures never), single-flight, overload;
// and revocations forwarded to the RFC 7009 endpoint (request, outcomes, the answer forgotten).
#include "server/upstream/opaque_introspector.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/upstream/introspection_response.h"
#include "tests/server/eventually.h"

namespace tokenwarden::server::upstream {
namespace {

constexpr int64_t kNowMs = 1700000000000;

fetch::FetchResponse Reply(int status, std::string body) {
  fetch::FetchResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class FakeFetcher : public fetch::Fetcher {
 public:
  using Handler = std::function<absl::StatusOr<fetch::FetchResponse>(const fetch::FetchRequest&)>;
  void Set(Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(handler);
  }
  absl::StatusOr<fetch::FetchResponse> Fetch(const fetch::FetchRequest& request) override {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      handler = handler_;
    }
    return handler(request);
  }
  size_t calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }
  fetch::FetchRequest last() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.back();
  }

 private:
  std::mutex mu_;
  Handler handler_ = [](const fetch::FetchRequest&) { return Reply(200, R"({"active":false})"); };
  std::vector<fetch::FetchRequest> requests_;
};

using tokenwarden::testing::Eventually;

class OpaqueIntrospectorTest : public ::testing::Test {
 protected:
  OpaqueIntrospectorTest() {
    config_.issuer = "https://op.example";
    config_.endpoint = "https://op.example/introspect";
    config_.client_id = "tw client";
    config_.client_secret = "s3:cr+et ü";
    config_.cache_ttl_ms = 60000;
    config_.negative_ttl_ms = 5000;
  }
  void Make() {
    absl::StatusOr<std::unique_ptr<OpaqueIntrospector>> made = OpaqueIntrospector::Create(
        config_, fetcher_,
        [this](std::string_view line) {
          std::lock_guard<std::mutex> lock(log_mu_);
          log_.emplace_back(line);
        },
        [this] { return now_ms_.load(); });
    ASSERT_TRUE(made.ok()) << made.status();
    introspector_ = *std::move(made);
  }
  // Ask looks `token` up and waits for the answer.
  UpstreamOutcome Ask(const std::string& token) {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<UpstreamOutcome> got;
    introspector_->Lookup(token, [&](const UpstreamOutcome& outcome) {
      std::lock_guard<std::mutex> lock(mu);
      got = outcome;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.has_value(); }));
    return got.value_or(UpstreamOutcome{});
  }

  std::shared_ptr<FakeFetcher> fetcher_ = std::make_shared<FakeFetcher>();
  UpstreamConfig config_;
  std::atomic<int64_t> now_ms_{kNowMs};
  std::unique_ptr<OpaqueIntrospector> introspector_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(OpaqueIntrospectorTest, SendsClientSecretBasicWithFormEncodedCredentials) {
  Make();
  Ask("tok+en/=1");
  const fetch::FetchRequest request = fetcher_->last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://op.example/introspect");
  EXPECT_EQ(request.body, "token=tok%2Ben%2F%3D1&token_type_hint=access_token");
  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      authorization = value;
    }
  }
  // base64("tw%20client:s3%3Acr%2Bet%20%C3%BC")
  EXPECT_EQ(authorization, "Basic dHclMjBjbGllbnQ6czMlM0FjciUyQmV0JTIwJUMzJUJD");
}

TEST_F(OpaqueIntrospectorTest, SendsClientSecretBasicRawAsWritten) {
  config_.auth = ClientAuth::kBasicRaw;
  Make();
  Ask("t");
  const fetch::FetchRequest request = fetcher_->last();
  EXPECT_EQ(request.body, "token=t&token_type_hint=access_token");
  std::vector<std::string> authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      authorization.push_back(value);
    }
  }
  // base64("tw client:s3:cr+et \xc3\xbc"): the bytes as configured, nothing escaped.
  EXPECT_EQ(authorization, std::vector<std::string>{"Basic dHcgY2xpZW50OnMzOmNyK2V0IMO8"});
}

TEST_F(OpaqueIntrospectorTest, RawBasicRefusesCredentialsItCannotCarry) {
  config_.auth = ClientAuth::kBasicRaw;
  config_.client_id = "urn:tw";  // the server would split the user-id at this ':'
  EXPECT_FALSE(OpaqueIntrospector::Create(config_, fetcher_, nullptr).ok());
  config_.client_id = "tw";
  config_.client_secret = "s3\tcret";
  EXPECT_FALSE(OpaqueIntrospector::Create(config_, fetcher_, nullptr).ok());
  config_.auth = ClientAuth::kBasic;  // form-encoded, both travel as escapes
  config_.client_id = "urn:tw";
  EXPECT_TRUE(OpaqueIntrospector::Create(config_, fetcher_, nullptr).ok());
}

TEST_F(OpaqueIntrospectorTest, SendsClientSecretPostInTheBody) {
  config_.auth = ClientAuth::kPost;
  Make();
  Ask("t");
  const fetch::FetchRequest request = fetcher_->last();
  EXPECT_EQ(request.body,
            "token=t&token_type_hint=access_token&client_id=tw%20client&client_secret="
            "s3%3Acr%2Bet%20%C3%BC");
  for (const auto& [name, value] : request.headers) {
    EXPECT_NE(name, "Authorization");
  }
}

TEST_F(OpaqueIntrospectorTest, ActiveAnswersAreCachedUntilExpOrTtl) {
  const int64_t exp = kNowMs / 1000 + 30;  // sooner than the 60 s ttl
  fetcher_->Set([&](const fetch::FetchRequest&) {
    return Reply(200, R"({"active":true,"sub":"u","exp":)" + std::to_string(exp) +
                          R"(,"scope":"a b","aud":["x","y"]})");
  });
  Make();
  UpstreamOutcome outcome = Ask("tok");
  ASSERT_EQ(outcome.kind, UpstreamOutcome::Kind::kActive) << outcome.error;
  EXPECT_EQ(outcome.result->exp, exp);
  EXPECT_NE(outcome.result->json.find(R"("scope":"a b")"), std::string::npos);
  ASSERT_TRUE(introspector_->Cached("tok").has_value());
  now_ms_ += 29000;
  EXPECT_TRUE(introspector_->Cached("tok").has_value());
  now_ms_ += 1000;  // exp reached
  EXPECT_FALSE(introspector_->Cached("tok").has_value());
  EXPECT_EQ(fetcher_->calls(), 1u);
  EXPECT_FALSE(introspector_->Cached("other").has_value());
}

TEST_F(OpaqueIntrospectorTest, TtlBoundsAnswersWithoutExp) {
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(200, R"({"active":true})"); });
  Make();
  ASSERT_EQ(Ask("tok").kind, UpstreamOutcome::Kind::kActive);
  now_ms_ += 59999;
  EXPECT_TRUE(introspector_->Cached("tok").has_value());
  now_ms_ += 1;
  EXPECT_FALSE(introspector_->Cached("tok").has_value());
}

TEST_F(OpaqueIntrospectorTest, InactiveAnswersAreCachedForTheNegativeTtl) {
  Make();  // the fake answers a bare {"active":false}
  ASSERT_EQ(Ask("tok").kind, UpstreamOutcome::Kind::kInactive);
  std::optional<UpstreamOutcome> cached = introspector_->Cached("tok");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->kind, UpstreamOutcome::Kind::kInactive);
  now_ms_ += 5000;
  EXPECT_FALSE(introspector_->Cached("tok").has_value());
}

TEST_F(OpaqueIntrospectorTest, ExpiredActiveAnswerIsRelayedButNotCached) {
  // Whether "active" with a past exp is accepted is the issuer's policy (its leeway), judged
  // by the core on every use (CheckIntrospectedClaims); the introspector reports what the
  // upstream said and does not keep an answer whose exp has passed.
  fetcher_->Set(
      [](const fetch::FetchRequest&) { return Reply(200, R"({"active":true,"exp":1600000000})"); });
  Make();
  const UpstreamOutcome outcome = Ask("tok");
  EXPECT_EQ(outcome.kind, UpstreamOutcome::Kind::kActive);
  ASSERT_NE(outcome.result, nullptr);
  EXPECT_EQ(outcome.result->exp, 1600000000);
  EXPECT_FALSE(introspector_->Cached("tok").has_value());
}

// Regression: a full cache was swept for expired answers on every new answer, a pass over
// every entry under the lock the workers' lookups take; distinct tokens at line rate (every
// one a miss) filled the default 65,536 entries in seconds and then stalled every lookup.
TEST_F(OpaqueIntrospectorTest, AFullCacheIsSweptAtMostOnceASecond) {
  config_.max_entries = 8;
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(200, R"({"active":true})"); });
  Make();
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(Ask("fill-" + std::to_string(i)).kind, UpstreamOutcome::Kind::kActive);
  }
  EXPECT_EQ(introspector_->Stats().sweeps, 0u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Ask("new-" + std::to_string(i)).kind, UpstreamOutcome::Kind::kActive);
  }
  UpstreamStats stats = introspector_->Stats();
  EXPECT_EQ(stats.sweeps, 1u);
  EXPECT_EQ(stats.evicted, 100u);  // every answer in force: each new one takes a place
  EXPECT_EQ(stats.entries, 8u);
  // A second later the next pass is due, and finds what has expired by then.
  now_ms_ += 60000;
  ASSERT_EQ(Ask("later").kind, UpstreamOutcome::Kind::kActive);
  stats = introspector_->Stats();
  EXPECT_EQ(stats.sweeps, 2u);
  EXPECT_EQ(stats.evicted, 100u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST_F(OpaqueIntrospectorTest, FailuresAreNeverCached) {
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(500, "oops"); });
  Make();
  UpstreamOutcome outcome = Ask("tok");
  EXPECT_EQ(outcome.kind, UpstreamOutcome::Kind::kError);
  EXPECT_FALSE(introspector_->Cached("tok").has_value());
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(401, "no"); });
  outcome = Ask("tok");
  EXPECT_EQ(outcome.kind, UpstreamOutcome::Kind::kError);
  EXPECT_NE(outcome.error.find("refused tokenwarden's client credentials"), std::string::npos);
  fetcher_->Set([](const fetch::FetchRequest&) {
    return absl::StatusOr<fetch::FetchResponse>(absl::DeadlineExceededError("timed out"));
  });
  EXPECT_EQ(Ask("tok").kind, UpstreamOutcome::Kind::kError);
  EXPECT_EQ(fetcher_->calls(), 3u);
  // The logs name the token by a digest prefix only.
  std::lock_guard<std::mutex> lock(log_mu_);
  ASSERT_FALSE(log_.empty());
  for (const std::string& line : log_) {
    EXPECT_EQ(line.find("tok "), std::string::npos) << line;
    EXPECT_EQ(line.find("s3:cr"), std::string::npos) << line;
  }
}

TEST_F(OpaqueIntrospectorTest, ConcurrentLookupsShareOneCall) {
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  fetcher_->Set([&](const fetch::FetchRequest&) {
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [&] { return open; });
    return Reply(200, R"({"active":true,"sub":"u"})");
  });
  Make();
  std::atomic<int> active{0};
  for (int i = 0; i < 50; ++i) {
    introspector_->Lookup("same", [&](const UpstreamOutcome& outcome) {
      active += outcome.kind == UpstreamOutcome::Kind::kActive ? 1 : 0;
    });
  }
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(Eventually([&] { return active.load() == 50; }));
  EXPECT_EQ(fetcher_->calls(), 1u);
  EXPECT_EQ(introspector_->Stats().coalesced, 49u);
  ASSERT_EQ(Ask("different").kind, UpstreamOutcome::Kind::kActive);
  EXPECT_EQ(fetcher_->calls(), 2u);
}

TEST_F(OpaqueIntrospectorTest, FullQueueFailsAtOnceAndStopAnswersTheWaiting) {
  config_.threads = 1;
  config_.max_queue = 2;
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  fetcher_->Set([&](const fetch::FetchRequest&) {
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait_for(lock, std::chrono::seconds(10), [&] { return open; });
    return Reply(200, R"({"active":false})");
  });
  Make();
  std::atomic<int> errors{0}, answered{0};
  auto count = [&](const UpstreamOutcome& outcome) {
    ++answered;
    errors += outcome.kind == UpstreamOutcome::Kind::kError ? 1 : 0;
  };
  introspector_->Lookup("t0", count);  // taken by the one thread
  ASSERT_TRUE(Eventually([&] { return fetcher_->calls() == 1; }));
  introspector_->Lookup("t1", count);
  introspector_->Lookup("t2", count);
  introspector_->Lookup("t3", count);  // the queue holds two: refused
  EXPECT_EQ(errors.load(), 1);
  EXPECT_EQ(introspector_->Stats().overloaded, 1u);
  std::thread stopper([&] { introspector_->Stop(); });
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  stopper.join();
  EXPECT_EQ(answered.load(), 4);
}

// --- Forwarded revocations (RFC 7009) --------------------------------------------------------

// RecordingShared is a shared tier that remembers the keys put and deleted.
class RecordingShared : public SharedResultStore {
 public:
  std::optional<SharedResult> Get(std::string_view) override { return std::nullopt; }
  void Put(std::string_view key, const SharedResult&) override {
    std::lock_guard<std::mutex> lock(mu);
    put.emplace_back(key);
  }
  void Delete(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu);
    deleted.emplace_back(key);
  }
  std::mutex mu;
  std::vector<std::string> put, deleted;
};

class UpstreamRevocationTest : public OpaqueIntrospectorTest {
 protected:
  UpstreamRevocationTest() { config_.revocation_endpoint = "https://op.example/revoke"; }
  // Revoke forwards a revocation of `token` and waits for the outcome.
  RevocationOutcome Revoke(const std::string& token, std::string_view hint = {}) {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<RevocationOutcome> got;
    introspector_->Revoke(token, hint, [&](const RevocationOutcome& outcome) {
      std::lock_guard<std::mutex> lock(mu);
      got = outcome;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.has_value(); }));
    return got.value_or(RevocationOutcome{});
  }
};

TEST_F(UpstreamRevocationTest, SendsTheRequestWithTheIntrospectionCredentials) {
  Make();
  EXPECT_EQ(Revoke("tok+en/=1", "refresh_token").kind, RevocationOutcome::Kind::kRevoked);
  fetch::FetchRequest request = fetcher_->last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://op.example/revoke");
  EXPECT_EQ(request.body, "token=tok%2Ben%2F%3D1&token_type_hint=refresh_token");
  std::vector<std::string> authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      authorization.push_back(value);
    }
  }
  // Exactly the introspection request's client_secret_basic, form-encoded credentials.
  EXPECT_EQ(authorization,
            std::vector<std::string>{"Basic dHclMjBjbGllbnQ6czMlM0FjciUyQmV0JTIwJUMzJUJD"});
  Revoke("t");
  EXPECT_EQ(fetcher_->last().body, "token=t") << "no hint: none sent";
}

TEST_F(UpstreamRevocationTest, ClassifiesWhatTheEndpointSaid) {
  const struct {
    const char* name;
    int status;
    std::string body;
    std::string retry_after;  // "" = no header
    RevocationOutcome::Kind kind;
    int64_t retry_after_seconds;
    std::string error;  // a part of it
  } cases[] = {
      {"revoked, body ignored", 200, "not json", "", RevocationOutcome::Kind::kRevoked, 0, ""},
      {"unsupported", 400, R"({"error":"unsupported_token_type"})", "",
       RevocationOutcome::Kind::kUnsupportedTokenType, 0, ""},
      {"other 400", 400, R"({"error":"invalid_request"})", "", RevocationOutcome::Kind::kError, 0,
       "HTTP 400 (invalid_request)"},
      {"credentials refused", 401, R"({"error":"invalid_client"})", "",
       RevocationOutcome::Kind::kError, 0, "refused tokenwarden's client credentials"},
      {"unavailable", 503, "", "30", RevocationOutcome::Kind::kError, 30, "HTTP 503"},
      {"unavailable, bounded", 503, "", "86400", RevocationOutcome::Kind::kError, 3600, ""},
      {"unavailable, a date", 503, "", "Wed, 21 Oct 2026 07:28:00 GMT",
       RevocationOutcome::Kind::kError, 0, ""},
      {"an error code not fit for a log", 400, R"({"error":"a\nb"})", "",
       RevocationOutcome::Kind::kError, 0, "HTTP 400"},
  };
  Make();
  for (const auto& c : cases) {
    fetcher_->Set([&](const fetch::FetchRequest&) {
      fetch::FetchResponse r = Reply(c.status, c.body);
      if (!c.retry_after.empty()) {
        r.headers.emplace_back("Retry-After", c.retry_after);
      }
      return r;
    });
    const RevocationOutcome outcome = Revoke("tok");
    EXPECT_EQ(outcome.kind, c.kind) << c.name;
    EXPECT_EQ(outcome.retry_after_seconds, c.retry_after_seconds) << c.name;
    EXPECT_NE(outcome.error.find(c.error), std::string::npos) << c.name << ": " << outcome.error;
    EXPECT_EQ(outcome.error.find('\n'), std::string::npos) << c.name;
  }
  fetcher_->Set([](const fetch::FetchRequest&) -> absl::StatusOr<fetch::FetchResponse> {
    return absl::DeadlineExceededError("timed out after 10000 ms");
  });
  const RevocationOutcome timed_out = Revoke("tok");
  EXPECT_EQ(timed_out.kind, RevocationOutcome::Kind::kError);
  EXPECT_EQ(timed_out.error, "timed out after 10000 ms");
  const UpstreamStats stats = introspector_->Stats();
  EXPECT_EQ(stats.revoked, 1u);
  EXPECT_EQ(stats.revoke_unsupported, 1u);
  EXPECT_EQ(stats.revoke_errors, 7u);
  // Failures are logged by the digest of the token, never the token.
  std::lock_guard<std::mutex> lock(log_mu_);
  ASSERT_FALSE(log_.empty());
  for (const std::string& line : log_) {
    EXPECT_EQ(line.find("token tok "), std::string::npos) << line;
  }
}

TEST_F(UpstreamRevocationTest, WithoutAKnownEndpointNothingIsSent) {
  config_.revocation_endpoint.clear();
  config_.revocation_endpoint_provider = [] { return std::string(); };  // discovery not yet
  Make();
  const RevocationOutcome outcome = Revoke("tok");
  EXPECT_EQ(outcome.kind, RevocationOutcome::Kind::kError);
  EXPECT_NE(outcome.error.find("not known"), std::string::npos) << outcome.error;
  EXPECT_EQ(fetcher_->calls(), 0u);
}

TEST_F(UpstreamRevocationTest, ARevokedTokensAnswerIsForgottenHereAndInTheSharedTier) {
  auto shared = std::make_shared<RecordingShared>();
  config_.shared = shared;
  fetcher_->Set([](const fetch::FetchRequest& request) {
    return request.url.ends_with("/revoke") ? Reply(503, "") : Reply(200, R"({"active":true})");
  });
  Make();
  ASSERT_EQ(Ask("tok").kind, UpstreamOutcome::Kind::kActive);
  ASSERT_TRUE(introspector_->Cached("tok").has_value());
  // Not revoked at the issuer: its answer still holds.
  EXPECT_EQ(Revoke("tok").kind, RevocationOutcome::Kind::kError);
  EXPECT_TRUE(introspector_->Cached("tok").has_value());
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(200, ""); });
  EXPECT_EQ(Revoke("tok").kind, RevocationOutcome::Kind::kRevoked);
  EXPECT_FALSE(introspector_->Cached("tok").has_value());
  std::lock_guard<std::mutex> lock(shared->mu);
  ASSERT_EQ(shared->put.size(), 1u);
  EXPECT_EQ(shared->deleted, shared->put);
}

TEST(IntrospectionResponseTest, AcceptsStandardShapes) {
  absl::StatusOr<IntrospectionResult> r = ParseIntrospectionResponse(
      R"({"active":true,"exp":1,"iat":0,"nbf":0,"aud":"a","scope":"s","client_id":"c",)"
      R"("username":"u","token_type":"Bearer","sub":"x","iss":"i","jti":"j","ext":{"k":1}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->active);
  EXPECT_EQ(r->exp, 1);
  r = ParseIntrospectionResponse(R"({"active":false})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->active);
  EXPECT_TRUE(ParseIntrospectionResponse(R"({"active":true,"aud":["a","b"]})").ok());
  // A scope array is read like a JWT's (one claims model): accepted, as strings only.
  EXPECT_TRUE(ParseIntrospectionResponse(R"({"active":true,"scope":["a","b"]})").ok());
}

TEST(IntrospectionResponseTest, RefusesWhatIsNotAnAnswer) {
  for (const char* bad : {
           R"({})",
           R"({"active":"true"})",
           R"({"active":1})",
           R"([{"active":true}])",
           R"({"active":true,"exp":"1"})",
           R"({"active":true,"exp":1.5})",
           R"({"active":true,"aud":[1]})",
           R"({"active":true,"scope":["a",1]})",
           R"({"active":true,"scope":7})",
           R"({"active":false,"active":true})",
           R"({"active":true)",
       }) {
    EXPECT_FALSE(ParseIntrospectionResponse(bad).ok()) << bad;
  }
  EXPECT_FALSE(
      ParseIntrospectionResponse(R"({"active":true,"x":")" + std::string(70000, 'a') + "\"}").ok());
}

}  // namespace
}  // namespace tokenwarden::server::upstream
