// SharedResults: introspection answers shared by the instances in a real redis-server — one
// instance's answer read by another, and gone for both once one of them deletes it (the issuer
// revoked the token through a forwarded /revoke); a link that is down reads nothing and
// deletes nothing, without blocking.
#include "server/redis/shared_results.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "server/config/config.h"
#include "server/redis/redis_link.h"
#include "tests/server/redis/test_redis.h"

namespace tokenwarden::server::redis {
namespace {

using testing::LoopbackConfig;
using testing::RedisServer;
using tokenwarden::testing::Eventually;

constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr char kKey[] = "00aa11bb22cc33dd44ee55ff66778899aabbccddeeff00112233445566778899";

// Instance is one tokenwarden instance's link and shared tier.
struct Instance : testing::LinkedInstance {
  explicit Instance(const RedisConfig& config)
      : LinkedInstance(config),
        results(std::make_unique<SharedResults>(*link, [] { return kNowMs; })) {}
  ~Instance() { link->Stop(); }  // before the tier its callbacks use

  std::unique_ptr<SharedResults> results;
};

TEST(SharedResultsTest, AnAnswerOneInstancePutIsGoneForAllOnceDeleted) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  const RedisConfig config = LoopbackConfig(redis.port());
  Instance a(config), b(config);
  ASSERT_TRUE(Eventually([&] { return a.link->up() && b.link->up(); }));
  a.results->Put(kKey, upstream::SharedResult{kNowMs + 60'000, R"({"active":true})"});
  std::optional<upstream::SharedResult> seen;
  ASSERT_TRUE(Eventually([&] { return (seen = b.results->Get(kKey)).has_value(); }));
  EXPECT_EQ(seen->json, R"({"active":true})");
  EXPECT_EQ(seen->expires_ms, kNowMs + 60'000);
  a.results->Delete(kKey);
  EXPECT_TRUE(Eventually([&] { return !b.results->Get(kKey).has_value(); }));
  EXPECT_FALSE(a.results->Get(kKey).has_value());
  EXPECT_EQ(a.results->errors(), 0u);
}

TEST(SharedResultsTest, ALinkThatIsDownDeletesNothingAndReadsNothing) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  RedisConfig config = LoopbackConfig(redis.port());
  Instance a(config);
  ASSERT_TRUE(Eventually([&] { return a.link->up(); }));
  a.results->Put(kKey, upstream::SharedResult{kNowMs + 60'000, R"({"active":true})"});
  ASSERT_TRUE(Eventually([&] { return a.results->Get(kKey).has_value(); }));
  a.link->Stop();  // as when Redis is away: the entry stays until its expiry
  a.results->Delete(kKey);
  EXPECT_FALSE(a.results->Get(kKey).has_value());
  Instance b(config);
  ASSERT_TRUE(Eventually([&] { return b.link->up(); }));
  EXPECT_TRUE(b.results->Get(kKey).has_value()) << "nothing was sent while the link was down";
}

}  // namespace
}  // namespace tokenwarden::server::redis
