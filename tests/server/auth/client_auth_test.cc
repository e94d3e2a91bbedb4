#include "server/auth/client_auth.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "server/config/secret_hash.h"

namespace tokenwarden::server {
namespace {

ClientConfig Client(std::string id, std::string_view secret, uint32_t iterations) {
  ClientConfig c;
  c.id = std::move(id);
  absl::StatusOr<SecretHash> h = ParseSecretHash(HashSecret(secret, iterations));
  EXPECT_TRUE(h.ok()) << h.status();
  c.secret = h.value_or(SecretHash{});
  return c;
}

// Seconds spends one Authenticate call and returns how long it took.
double Seconds(const ClientRegistry& registry, std::string_view id, std::string_view secret,
               const ClientConfig** out) {
  const auto start = std::chrono::steady_clock::now();
  *out = registry.Authenticate(id, secret);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(ClientRegistryTest, AuthenticatesSha256Client) {
  const ClientRegistry registry(
      {Client("alpha", "alpha-secret-0123456789", 0), Client("beta", "beta-secret-0123456789", 0)});
  const ClientConfig* c = registry.Authenticate("alpha", "alpha-secret-0123456789");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, "alpha");
  c = registry.Authenticate("beta", "beta-secret-0123456789");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, "beta");
  EXPECT_EQ(registry.Authenticate("alpha", "beta-secret-0123456789"), nullptr);
  EXPECT_EQ(registry.Authenticate("alpha", ""), nullptr);
  EXPECT_EQ(registry.Authenticate("ALPHA", "alpha-secret-0123456789"), nullptr);  // exact id
  EXPECT_EQ(registry.Authenticate("alph", "alpha-secret-0123456789"), nullptr);
  EXPECT_EQ(registry.Authenticate("unknown", "alpha-secret-0123456789"), nullptr);
  EXPECT_EQ(registry.Authenticate("", ""), nullptr);
}

TEST(ClientRegistryTest, KeepsTheConfiguredFields) {
  ClientConfig config = Client("svc", "svc-secret-0123456789", 0);
  config.issuers = {"https://issuer.example"};
  config.audiences = {"api"};
  const ClientRegistry registry({config});
  const ClientConfig* c = registry.Authenticate("svc", "svc-secret-0123456789");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->issuers, config.issuers);
  EXPECT_EQ(c->audiences, config.audiences);
}

TEST(ClientRegistryTest, EmptyRegistryAuthenticatesNobody) {
  const ClientRegistry registry({});
  EXPECT_EQ(registry.Authenticate("any", "thing"), nullptr);
}

TEST(ClientRegistryTest, SurvivesAMove) {
  ClientRegistry first({Client("m", "moved-secret-0123456789", 10000)});
  ClientRegistry second(std::move(first));
  const ClientConfig* c = second.Authenticate("m", "moved-secret-0123456789");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, "m");
}

TEST(ClientRegistryTest, MemoizesPbkdf2Successes) {
  const ClientRegistry registry({Client("slow", "pbkdf2-secret", 300000)});
  const ClientConfig* c = nullptr;
  const double first = Seconds(registry, "slow", "pbkdf2-secret", &c);
  ASSERT_NE(c, nullptr);
  const double second = Seconds(registry, "slow", "pbkdf2-secret", &c);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, "slow");
  // One HMAC against 300000: orders of magnitude apart even on a loaded machine.
  EXPECT_LT(second * 20, first) << "first " << first << " s, second " << second << " s";
}

TEST(ClientRegistryTest, WrongSecretFailsAfterAMemoizedSuccess) {
  const ClientRegistry registry({Client("slow", "pbkdf2-secret", 10000)});
  ASSERT_NE(registry.Authenticate("slow", "pbkdf2-secret"), nullptr);
  EXPECT_EQ(registry.Authenticate("slow", "pbkdf2-secreT"), nullptr);
  EXPECT_EQ(registry.Authenticate("slow", ""), nullptr);
  EXPECT_NE(registry.Authenticate("slow", "pbkdf2-secret"), nullptr);
}

TEST(ClientRegistryTest, WrongSecretNeverEntersTheMemo) {
  const ClientRegistry registry({Client("slow", "pbkdf2-secret", 10000)});
  EXPECT_EQ(registry.Authenticate("slow", "guess"), nullptr);
  EXPECT_EQ(registry.Authenticate("slow", "guess"), nullptr);
  EXPECT_NE(registry.Authenticate("slow", "pbkdf2-secret"), nullptr);
  EXPECT_EQ(registry.Authenticate("slow", "guess"), nullptr);
}

TEST(ClientRegistryTest, MemoIsPerClient) {
  // Two clients with the same secret: a success for one does not authenticate the other id
  // with a different secret, and each memo serves only its own entry.
  const ClientRegistry registry(
      {Client("a", "shared-secret", 10000), Client("b", "other-secret", 10000)});
  ASSERT_NE(registry.Authenticate("a", "shared-secret"), nullptr);
  EXPECT_EQ(registry.Authenticate("b", "shared-secret"), nullptr);
  EXPECT_NE(registry.Authenticate("b", "other-secret"), nullptr);
}

TEST(ClientRegistryTest, UnknownIdCostsAKnownIdsCheck) {
  // With PBKDF2 clients, an unknown id must not answer visibly faster than a wrong secret.
  const ClientRegistry registry({Client("k1", "k1-secret", 200000), Client("k2", "k2", 200000),
                                 Client("fast", "fast-secret-0123456789", 0)});
  const ClientConfig* c = nullptr;
  const double known = Seconds(registry, "k1", "wrong", &c);
  EXPECT_EQ(c, nullptr);
  const double unknown = Seconds(registry, "nobody", "wrong", &c);
  EXPECT_EQ(c, nullptr);
  EXPECT_GT(unknown * 4, known) << "known " << known << " s, unknown " << unknown << " s";
}

TEST(ClientRegistryTest, ConcurrentAuthenticate) {
  const ClientRegistry registry(
      {Client("p", "p-secret", 10000), Client("s", "s-secret-0123456789", 0)});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, &failures, t] {
      for (int i = 0; i < 40; ++i) {
        const bool right = (i + t) % 3 != 0;
        const ClientConfig* p = registry.Authenticate("p", right ? "p-secret" : "p-secreX");
        const ClientConfig* s = registry.Authenticate("s", right ? "s-secret-0123456789" : "nope");
        if ((p != nullptr) != right || (s != nullptr) != right ||
            registry.Authenticate("x", "p-secret") != nullptr) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tokenwarden::server

namespace tokenwarden::server {
namespace {

TEST(ClientRegistryBudgetTest, ThrottlesSlowChecksOnceTheBudgetIsSpent) {
  // No refill and a budget smaller than one PBKDF2 check: the first slow check runs, the next
  // ones are refused without hashing.
  const ClientRegistry registry({Client("slow", "slow-secret", 10000)},
                                SlowCheckBudget{.refill_per_second = 0, .burst_seconds = 1e-9});
  EXPECT_EQ(registry.Check("slow", "wrong").status, AuthResult::Status::kRejected);
  EXPECT_EQ(registry.Check("slow", "wrong").status, AuthResult::Status::kThrottled);
  EXPECT_EQ(registry.Check("nobody", "wrong").status, AuthResult::Status::kThrottled);
  // The right secret is throttled too until it is memoized: it also needs the slow check.
  EXPECT_EQ(registry.Check("slow", "slow-secret").status, AuthResult::Status::kThrottled);
  EXPECT_EQ(registry.Authenticate("slow", "slow-secret"), nullptr);
}

TEST(ClientRegistryBudgetTest, MemoizedClientsPassWhileThrottled) {
  const ClientRegistry registry({Client("slow", "slow-secret", 10000)},
                                SlowCheckBudget{.refill_per_second = 0, .burst_seconds = 1e-9});
  const AuthResult first = registry.Check("slow", "slow-secret");
  ASSERT_EQ(first.status, AuthResult::Status::kOk);
  EXPECT_EQ(registry.Check("slow", "guess").status, AuthResult::Status::kThrottled);
  const AuthResult again = registry.Check("slow", "slow-secret");
  EXPECT_EQ(again.status, AuthResult::Status::kOk);
  EXPECT_EQ(again.client, first.client);
}

TEST(ClientRegistryBudgetTest, FastChecksAreNeverThrottled) {
  const ClientRegistry registry({Client("fast", "fast-secret-0123456789", 0)},
                                SlowCheckBudget{.refill_per_second = 0, .burst_seconds = 0});
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(registry.Check("fast", "wrong").status, AuthResult::Status::kRejected);
  }
  EXPECT_EQ(registry.Check("fast", "fast-secret-0123456789").status, AuthResult::Status::kOk);
}

TEST(ClientRegistryBudgetTest, TheBudgetRefills) {
  const ClientRegistry registry({Client("slow", "slow-secret", 10000)},
                                SlowCheckBudget{.refill_per_second = 1000, .burst_seconds = 1e-9});
  EXPECT_EQ(registry.Check("slow", "wrong").status, AuthResult::Status::kRejected);
  // Spent (negative) now; 1000 s/s refills a few ms of hashing within a few ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(registry.Check("slow", "wrong").status, AuthResult::Status::kRejected);
}

}  // namespace
}  // namespace tokenwarden::server
