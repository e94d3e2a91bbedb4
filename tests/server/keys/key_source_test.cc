// IssuerKeySource with a scripted fetcher: discovery then JWK Set, publication into attached
// Validators, ETag revalidation, rotation, failures (stale-if-error, max staleness, fallback),
// unknown-kid refetches (coalesced, cooled down, scheduled for the cooldown's end, settling
// only requests that arrived before they started, under a junk-kid flood), the quick retry and
// the backoff.
#include "server/keys/key_source.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"
#include "tests/server/eventually.h"

namespace tokenwarden::server::keys {
namespace {

using tokenwarden::testing::EcKey;
using tokenwarden::testing::EcKeyB;
using tokenwarden::testing::Eventually;
using tokenwarden::testing::JwksOf;
using tokenwarden::testing::kNow;
using tokenwarden::testing::MintAlg;
using tokenwarden::testing::TestKey;

constexpr char kIssuer[] = "https://op.example";
constexpr char kJwksUri[] = "https://op.example/jwks";

fetch::FetchResponse Reply(int status, std::string body,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
  fetch::FetchResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string JwksA() { return JwksOf({EcKey(Algorithm::kEs256).Jwk("a")}); }
std::string JwksB() { return JwksOf({EcKeyB().Jwk("b")}); }

// FakeFetcher answers with a handler the test swaps, and records every request.
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
      times_.push_back(std::chrono::steady_clock::now());
      handler = handler_;
    }
    return handler(request);
  }
  int Count(std::string_view url) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& r : requests_) {
      n += r.url == url ? 1 : 0;
    }
    return n;
  }
  std::vector<fetch::FetchRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<std::chrono::steady_clock::time_point> times() {
    std::lock_guard<std::mutex> lock(mu_);
    return times_;
  }

 private:
  std::mutex mu_;
  Handler handler_;
  std::vector<fetch::FetchRequest> requests_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

class KeySourceTest : public ::testing::Test {
 protected:
  KeySourceTest() {
    Policy policy;
    policy.issuer = kIssuer;
    policy.algorithms.Add(Algorithm::kEs256);
    validator_ = std::shared_ptr<Validator>(*Validator::Create(policy, KeySet::Empty()));
    config_.issuer = kIssuer;
    config_.jwks_uri = kJwksUri;
    config_.min_refresh_ms = 20;
    config_.max_refresh_ms = 60000;
    config_.default_refresh_ms = 60000;
    config_.cooldown_ms = 60000;
    config_.quick_retry_ms = 10;
    config_.backoff_initial_ms = 20;
    config_.backoff_max_ms = 100;
  }
  ~KeySourceTest() override {
    if (source_ != nullptr) {
      source_->Stop();
    }
  }
  void Start() {
    absl::StatusOr<std::unique_ptr<IssuerKeySource>> source =
        IssuerKeySource::Create(config_, fetcher_, [this](std::string_view line) {
          std::lock_guard<std::mutex> lock(log_mu_);
          log_.emplace_back(line);
        });
    ASSERT_TRUE(source.ok()) << source.status();
    source_ = *std::move(source);
    source_->Attach(validator_);
    source_->Start();
  }
  Error Check(const TestKey& key, const char* kid) {
    ValidatorScratch scratch(*validator_);
    ValidationResult result;
    const std::string token =
        MintAlg(Algorithm::kEs256, key,
                base::StrCat(R"({"iss":")", kIssuer, R"(","exp":)", kNow + 600, "}"), kid);
    return validator_->Validate(token, kNow, scratch, result);
  }
  uint64_t Events(KeyEvent event) { return source_->Status().events[static_cast<size_t>(event)]; }
  bool Logged(std::string_view needle) {
    std::lock_guard<std::mutex> lock(log_mu_);
    for (const std::string& line : log_) {
      if (line.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  // Serve answers the JWK Set URL with `jwks` (and `headers`).
  void Serve(std::string jwks, std::vector<std::pair<std::string, std::string>> headers = {}) {
    fetcher_->Set(
        [jwks, headers](const fetch::FetchRequest&) { return Reply(200, jwks, headers); });
  }
  bool Loaded() {
    return Eventually([&] { return source_->Status().usable; });
  }
  // Refetched asks for a refetch, waits for it to end and tells whether it fetched; nullopt
  // when it was not queued (or never ended).
  std::optional<bool> Refetched(int64_t max_wait_ms = 5000) {
    auto ended = std::make_shared<std::atomic<int>>(0);  // 1: failed, 2: fetched
    const RefetchTicket ticket = source_->RequestRefetch(
        max_wait_ms, [ended](const RefetchResult& r) { *ended = r.fetched ? 2 : 1; });
    if (!ticket.queued || !Eventually([&] { return ended->load() != 0; })) {
      return std::nullopt;
    }
    return ended->load() == 2;
  }

  std::shared_ptr<FakeFetcher> fetcher_ = std::make_shared<FakeFetcher>();
  std::shared_ptr<Validator> validator_;
  KeySourceConfig config_;
  std::unique_ptr<IssuerKeySource> source_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(KeySourceTest, DiscoveryThenJwksPublishesIntoTheValidator) {
  config_.discovery = true;
  config_.jwks_uri.clear();
  fetcher_->Set([](const fetch::FetchRequest& r) {
    if (r.url == "https://op.example/.well-known/openid-configuration") {
      return Reply(200, R"({"issuer":"https://op.example","jwks_uri":"https://op.example/jwks",)"
                        R"("introspection_endpoint":"https://op.example/introspect"})");
    }
    return Reply(r.url == kJwksUri ? 200 : 404, JwksA());
  });
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kKeyNotFound);
  Start();
  ASSERT_TRUE(Loaded());
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kOk);
  const KeySourceStatus status = source_->Status();
  EXPECT_EQ(status.kids, std::vector<std::string>{"a"});
  EXPECT_EQ(status.jwks_uri, kJwksUri);
  EXPECT_EQ(status.introspection_endpoint, "https://op.example/introspect");
  EXPECT_FALSE(status.stale);
  EXPECT_EQ(Events(KeyEvent::kRefreshed), 1u);
  EXPECT_TRUE(Logged("keys refreshed: 1 keys (kids a)"));
  const std::vector<fetch::FetchRequest> requests = fetcher_->requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "https://op.example/.well-known/openid-configuration");
  EXPECT_EQ(requests[1].url, kJwksUri);
}

TEST_F(KeySourceTest, DiscoveryForAnotherIssuerIsRefused) {
  config_.discovery = true;
  config_.jwks_uri.clear();
  fetcher_->Set([](const fetch::FetchRequest& r) {
    if (r.url.ends_with("openid-configuration")) {
      return Reply(200, R"({"issuer":"https://op.example/","jwks_uri":"https://op.example/jwks"})");
    }
    return Reply(200, JwksA());
  });
  Start();
  ASSERT_TRUE(Eventually([&] { return Events(KeyEvent::kFailed) >= 1; }));
  EXPECT_FALSE(source_->Status().usable);
  EXPECT_NE(source_->Status().last_error.find("is not the configured issuer"), std::string::npos);
  EXPECT_EQ(fetcher_->Count(kJwksUri), 0);
}

TEST_F(KeySourceTest, NotModifiedKeepsTheSetAndTheCache) {
  std::atomic<int> conditional{0};
  fetcher_->Set([&](const fetch::FetchRequest& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "If-None-Match" && value == "\"v1\"") {
        ++conditional;
        return Reply(304, "", {{"Cache-Control", "max-age=0"}});
      }
    }
    return Reply(200, JwksA(), {{"ETag", "\"v1\""}, {"Cache-Control", "max-age=0"}});
  });
  Start();
  ASSERT_TRUE(Loaded());
  const uint64_t generation = validator_->snapshot()->generation;
  ASSERT_TRUE(Eventually([&] { return Events(KeyEvent::kUnchanged) >= 3; }));
  EXPECT_GE(conditional.load(), 3);
  EXPECT_EQ(validator_->snapshot()->generation, generation);  // no UpdateKeys: cache kept
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kOk);
}

TEST_F(KeySourceTest, RotationReplacesTheSetOnAnUnknownKidRefetch) {
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  Serve(JwksB());
  // The first unknown kid is fetched for at once (the first fetch is no refetch).
  EXPECT_EQ(source_->RefetchDueInMs(), 0);
  EXPECT_EQ(Refetched(), std::optional<bool>(true));
  EXPECT_EQ(Check(EcKeyB(), "b"), Error::kOk);
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kKeyNotFound);
  EXPECT_EQ(Events(KeyEvent::kRotated), 1u);
  EXPECT_TRUE(Logged("keys rotated"));
}

TEST_F(KeySourceTest, RefetchesCoalesceAndCoolDown) {
  config_.cooldown_ms = 500;
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  ASSERT_EQ(Refetched(), std::optional<bool>(true));
  const int before = fetcher_->Count(kJwksUri);
  // Within the cooldown every miss is queued for the one refetch due at its end.
  std::atomic<int> callbacks{0};
  std::atomic<int> accepted{0};
  std::vector<std::thread> misses;
  for (int i = 0; i < 8; ++i) {
    misses.emplace_back([&] {
      if (source_->RequestRefetch(2000, [&](const RefetchResult&) { ++callbacks; }).queued) {
        ++accepted;
      }
    });
  }
  for (std::thread& t : misses) {
    t.join();
  }
  EXPECT_EQ(accepted.load(), 8) << "every miss joins the one fetch";
  ASSERT_TRUE(Eventually([&] { return callbacks.load() == 8; }));
  EXPECT_EQ(fetcher_->Count(kJwksUri), before + 1);
  // A miss now is a cooldown away from its refetch, further than it may wait: not queued
  // (its caller answers 503), and no fetch starts before the cooldown's end.
  const RefetchTicket ticket =
      source_->RequestRefetch(100, [&](const RefetchResult&) { ++callbacks; });
  EXPECT_FALSE(ticket.queued);
  EXPECT_GT(ticket.due_in_ms, 100);
  EXPECT_LE(ticket.due_in_ms, 500);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(fetcher_->Count(kJwksUri), before + 1);
  EXPECT_EQ(callbacks.load(), 8);
}

TEST_F(KeySourceTest, AKidSeenDuringTheCooldownIsFetchedForAtItsEnd) {
  config_.cooldown_ms = 300;
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  ASSERT_EQ(Refetched(), std::optional<bool>(true));
  const auto first = fetcher_->times().back();
  // The issuer rotates; a token of the new key arrives during the cooldown. It is queued for
  // the refetch at the cooldown's end (within its wait), never told "no such key" at once.
  Serve(JwksB());
  const int64_t due_in_ms = source_->RefetchDueInMs();
  EXPECT_GT(due_in_ms, 0);
  EXPECT_LE(due_in_ms, 300);
  EXPECT_EQ(Check(EcKeyB(), "b"), Error::kKeyNotFound);
  EXPECT_EQ(Refetched(/*max_wait_ms=*/1000), std::optional<bool>(true));
  EXPECT_EQ(Check(EcKeyB(), "b"), Error::kOk);
  const auto second = fetcher_->times().back();
  EXPECT_GE(second - first, std::chrono::milliseconds(295)) << "not before the cooldown's end";
  EXPECT_LT(second - first, std::chrono::milliseconds(1000)) << "but at its end";
}

TEST_F(KeySourceTest, AMissDuringAFetchWaitsForTheNextFetch) {
  // A fetch under way may have read the JWK Set before the request's key was published, so
  // only a fetch that starts after the request can settle its kid.
  config_.cooldown_ms = 1000;
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<int> entered{0};
  fetcher_->Set([&](const fetch::FetchRequest&) {
    ++entered;
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [&] { return open; });
    return Reply(200, JwksA());
  });
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  ASSERT_TRUE(source_->RequestRefetch(5000, [&](const RefetchResult&) { ++first; }).queued);
  ASSERT_TRUE(Eventually([&] { return entered.load() == 1; }));  // under way now
  ASSERT_TRUE(source_->RequestRefetch(5000, [&](const RefetchResult&) { ++second; }).queued);
  // Its fetch is the next one, a cooldown after the one under way started.
  EXPECT_GT(source_->RefetchDueInMs(), 500);
  EXPECT_LE(source_->RefetchDueInMs(), 1000);
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(Eventually([&] { return first.load() == 1; }));
  EXPECT_EQ(second.load(), 0) << "settled by a fetch that started before it asked";
  ASSERT_TRUE(Eventually([&] { return second.load() == 1; }));
  EXPECT_EQ(entered.load(), 2);
}

TEST_F(KeySourceTest, AFailedRefetchTellsItsWaitersNothingWasLearnt) {
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  fetcher_->Set([](const fetch::FetchRequest&) {
    return absl::StatusOr<fetch::FetchResponse>(absl::UnavailableError("connection refused"));
  });
  EXPECT_EQ(Refetched(), std::optional<bool>(false));
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kOk) << "the last good set stays";
}

TEST_F(KeySourceTest, AJunkFloodCostsOneFetchPerCooldownAndDelaysARotationAtMostThat) {
  config_.cooldown_ms = 200;
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  const int before = fetcher_->Count(kJwksUri);
  const auto flood_start = std::chrono::steady_clock::now();
  std::atomic<bool> stop{false};
  std::atomic<int> asked{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 4; ++t) {
    flood.emplace_back([&] {
      while (!stop) {
        // As the server does: wait up to 50 ms, else answer 503 and only schedule.
        (void)source_->RequestRefetch(50, [](const RefetchResult&) {});
        ++asked;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Serve(JwksB());  // the issuer rotates in the middle of the flood
  const auto rotated = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return Check(EcKeyB(), "b") == Error::kOk; }));
  const auto accepted = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  stop = true;
  for (std::thread& t : flood) {
    t.join();
  }
  const auto flood_time = std::chrono::steady_clock::now() - flood_start;
  EXPECT_LE(accepted - rotated, std::chrono::milliseconds(200 + 100));
  EXPECT_GT(asked.load(), 500);
  // The first junk kid is fetched for at once, then one fetch per cooldown at most, each a
  // cooldown after the one before.
  const int fetches = fetcher_->Count(kJwksUri) - before;
  EXPECT_GE(fetches, 4);
  EXPECT_LE(fetches, 1 + static_cast<int>(flood_time / std::chrono::milliseconds(200)));
  const auto times = fetcher_->times();
  for (size_t i = times.size() - static_cast<size_t>(fetches) + 1; i < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], std::chrono::milliseconds(195)) << i;
  }
}

TEST_F(KeySourceTest, WaitersAreBoundedAndStopTellsThemNothingWasFetched) {
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  ASSERT_EQ(Refetched(), std::optional<bool>(true));
  // The next refetch is a cooldown (a minute) away: waiters allowed to wait that long queue
  // for it, up to the bound.
  std::atomic<size_t> told{0};
  size_t queued = 0;
  for (size_t i = 0; i < IssuerKeySource::kMaxRefetchWaiters + 10; ++i) {
    const RefetchTicket ticket =
        source_->RequestRefetch(120000, [&](const RefetchResult& r) { told += r.fetched ? 0 : 1; });
    queued += ticket.queued ? 1 : 0;
  }
  EXPECT_EQ(queued, IssuerKeySource::kMaxRefetchWaiters);
  source_->Stop();
  EXPECT_EQ(told.load(), IssuerKeySource::kMaxRefetchWaiters);
}

TEST_F(KeySourceTest, ZeroUsableKeysIsAFailureNotAReplacement) {
  Serve(JwksA());
  Start();
  ASSERT_TRUE(Loaded());
  Serve(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"weak"}]})");
  EXPECT_EQ(Refetched(), std::optional<bool>(false))
      << "a set without usable keys teaches nothing about a kid";
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kOk);
  const KeySourceStatus status = source_->Status();
  EXPECT_TRUE(status.stale);
  EXPECT_EQ(status.consecutive_failures, 1);
  EXPECT_NE(status.last_error.find("no usable key"), std::string::npos) << status.last_error;
  EXPECT_EQ(Events(KeyEvent::kFailed), 1u);
  EXPECT_EQ(Events(KeyEvent::kStale), 1u);
  // Back to a good set: recovered, fresh again.
  Serve(JwksA());
  ASSERT_TRUE(Eventually([&] { return Events(KeyEvent::kRecovered) >= 1; }));
  EXPECT_FALSE(source_->Status().stale);
}

TEST_F(KeySourceTest, MaxStalenessDropsTheKeys) {
  config_.max_stale_ms = 150;
  Serve(JwksA(), {{"Cache-Control", "max-age=0"}});
  Start();
  ASSERT_TRUE(Loaded());
  fetcher_->Set([](const fetch::FetchRequest&) {
    return absl::StatusOr<fetch::FetchResponse>(absl::UnavailableError("connection refused"));
  });
  ASSERT_TRUE(Eventually([&] { return Events(KeyEvent::kDropped) >= 1; }));
  EXPECT_FALSE(source_->Status().usable);
  EXPECT_TRUE(source_->Current()->empty());
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kKeyNotFound);
  Serve(JwksA());
  ASSERT_TRUE(Loaded());
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kOk);
  EXPECT_GE(Events(KeyEvent::kRecovered), 1u);
}

TEST_F(KeySourceTest, FallbackServesOnlyWhileTheRemoteSetIsMissing) {
  config_.fallback = tokenwarden::testing::MustJwks(JwksB());
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(500, "down"); });
  Start();
  ASSERT_TRUE(Eventually([&] { return source_->Status().using_fallback; }));
  EXPECT_EQ(Check(EcKeyB(), "b"), Error::kOk);
  Serve(JwksA());
  ASSERT_TRUE(Eventually([&] { return !source_->Status().using_fallback; }));
  EXPECT_EQ(Check(EcKey(Algorithm::kEs256), "a"), Error::kOk);
  EXPECT_EQ(Check(EcKeyB(), "b"), Error::kKeyNotFound);
}

TEST_F(KeySourceTest, OneQuickRetryHidesATransientFailure) {
  std::atomic<int> calls{0};
  fetcher_->Set([&](const fetch::FetchRequest&) {
    return ++calls == 1 ? Reply(503, "busy") : Reply(200, JwksA());
  });
  Start();
  ASSERT_TRUE(Loaded());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(Events(KeyEvent::kFailed), 0u);
}

TEST_F(KeySourceTest, TheSetsFreshnessSchedulesTheNextFetch) {
  config_.min_refresh_ms = 5000;
  config_.max_refresh_ms = 600000;
  config_.default_refresh_ms = 100000;
  const struct {
    std::vector<std::pair<std::string, std::string>> headers;
    int64_t lifetime_ms;
  } cases[] = {
      {{{"Cache-Control", "max-age=300"}}, 300000},
      {{{"Expires", "Sun, 06 Nov 1994 08:59:37 GMT"}, {"Date", "Sun, 06 Nov 1994 08:49:37 GMT"}},
       600000},
      {{{"Cache-Control", "max-age=1"}}, 5000},        // never sooner than min_refresh_ms
      {{{"Cache-Control", "max-age=86400"}}, 600000},  // never later than max_refresh_ms
      {{}, 100000},                                    // no freshness stated: the default
  };
  for (const auto& c : cases) {
    if (source_ != nullptr) {
      source_->Stop();
    }
    Serve(JwksA(), c.headers);
    Start();
    ASSERT_TRUE(Loaded());
    // The next fetch comes a tenth of the lifetime early (at least min_refresh_ms after this
    // one), so a slow or failing refresh still has time before the set goes stale.
    const int64_t due = std::max<int64_t>(5000, c.lifetime_ms - c.lifetime_ms / 10);
    const KeySourceStatus status = source_->Status();
    EXPECT_LE(status.next_attempt_in_ms, due) << c.lifetime_ms;
    EXPECT_GT(status.next_attempt_in_ms, due - 2000) << c.lifetime_ms;
    EXPECT_FALSE(status.stale);
  }
}

TEST_F(KeySourceTest, FailuresBackOffExponentially) {
  fetcher_->Set([](const fetch::FetchRequest&) {
    return absl::StatusOr<fetch::FetchResponse>(absl::DeadlineExceededError("timed out"));
  });
  config_.backoff_initial_ms = 40;
  config_.backoff_max_ms = 10000;
  config_.quick_retry_ms = 1;
  Start();
  // Each attempt is two fetches (the quick retry); attempts 1..4 wait ~[20,40], [40,80],
  // [80,160], [160,320] ms before the next.
  ASSERT_TRUE(Eventually([&] { return fetcher_->times().size() >= 10; }));
  const auto times = fetcher_->times();
  auto gap = [&](size_t attempt) {  // from attempt's last fetch to the next attempt's first
    return std::chrono::duration_cast<std::chrono::milliseconds>(times[2 * attempt + 2] -
                                                                 times[2 * attempt + 1])
        .count();
  };
  EXPECT_GE(gap(0), 20);
  EXPECT_GE(gap(3), 160);
  EXPECT_GT(gap(3), gap(0));
  EXPECT_GE(source_->Status().consecutive_failures, 4);
}

TEST_F(KeySourceTest, StopIsPromptDuringABackoff) {
  config_.backoff_initial_ms = 60000;
  config_.backoff_max_ms = 60000;
  fetcher_->Set([](const fetch::FetchRequest&) { return Reply(500, "down"); });
  Start();
  ASSERT_TRUE(Eventually([&] { return Events(KeyEvent::kFailed) >= 1; }));
  std::atomic<bool> waiter_ran{false};
  const auto start = std::chrono::steady_clock::now();
  source_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(
      source_->RequestRefetch(1000, [&](const RefetchResult&) { waiter_ran = true; }).queued);
  EXPECT_FALSE(waiter_ran.load());
}

}  // namespace
}  // namespace tokenwarden::server::keys
