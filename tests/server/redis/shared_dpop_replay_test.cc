// SharedDpopReplay: DPoP proofs spent across instances in Redis. Against a real redis-server,
// two instances (two links) race for one proof and exactly one wins, and the key lives only as
// long as the proof could pass; against a scripted Redis, an error reply, silence and a link
// that is down all answer kUnknown — never kFresh.
#include "server/redis/shared_dpop_replay.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/config/config.h"
#include "server/redis/redis_link.h"
#include "tests/server/redis/test_redis.h"

namespace tokenwarden::server::redis {
namespace {

using Answer = DpopReplayStore::Answer;
using testing::Argv;
using testing::ErrorReply;
using testing::FakeRedis;
using testing::LoopbackConfig;
using testing::RedisServer;
using tokenwarden::testing::Eventually;

constexpr int64_t kNowMs = 1'700'000'000'000;

DpopReplayKey KeyOf(uint8_t first) {
  DpopReplayKey key{};
  key[0] = first;
  key[15] = 0xab;
  return key;
}

// Instance is one tokenwarden instance's link and store.
struct Instance : testing::LinkedInstance {
  explicit Instance(const RedisConfig& config)
      : LinkedInstance(config),
        store(std::make_unique<SharedDpopReplay>(*link, [] { return kNowMs; })) {}
  ~Instance() { link->Stop(); }  // before the store its callbacks use

  // Claim waits for the store's answer.
  Answer Claim(const DpopReplayKey& key, int64_t until_ms) {
    auto answer = std::make_shared<std::promise<Answer>>();
    std::future<Answer> got = answer->get_future();
    store->Claim(key, until_ms, [answer](Answer a) { answer->set_value(a); });
    EXPECT_EQ(got.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return got.get();
  }

  std::unique_ptr<SharedDpopReplay> store;
};

TEST(SharedDpopReplayTest, TheFirstInstanceToSpendAProofWinsInRealRedis) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  const RedisConfig config = LoopbackConfig(redis.port());
  Instance a(config), b(config);
  ASSERT_TRUE(Eventually([&] { return a.link->up() && b.link->up(); }));
  EXPECT_EQ(a.Claim(KeyOf(1), kNowMs + 60'000), Answer::kFresh);
  EXPECT_EQ(b.Claim(KeyOf(1), kNowMs + 60'000), Answer::kReplayed);
  EXPECT_EQ(a.Claim(KeyOf(1), kNowMs + 60'000), Answer::kReplayed);
  EXPECT_EQ(b.Claim(KeyOf(2), kNowMs + 60'000), Answer::kFresh);
  EXPECT_EQ(a.store->fresh(), 1u);
  EXPECT_EQ(a.store->replayed(), 1u);
  EXPECT_EQ(b.store->fresh(), 1u);
  // The key is named by the prefix and the replay key, and lives until the proof is too old.
  const std::string name = a.store->KeyOf(KeyOf(1));
  EXPECT_EQ(name, "tokenwarden:dpop:010000000000000000000000000000ab");
  std::unique_ptr<testing::RespClient> client = redis.Client();
  ASSERT_NE(client, nullptr);
  absl::StatusOr<RespValue> ttl = client->Call({"PTTL", name});
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_GT(ttl->integer, 55'000);
  EXPECT_LE(ttl->integer, 60'000);
  // A proof at the very end of its window is still spent, for at least a millisecond.
  EXPECT_EQ(a.Claim(KeyOf(3), kNowMs - 5), Answer::kFresh);
}

TEST(SharedDpopReplayTest, AnErrorReplyOrSilenceIsUnknown) {
  FakeRedis fake;
  std::atomic<bool> silent{false};
  fake.SetReply([&silent](const Argv& argv) -> std::string {
    if (!argv.empty() && argv[0] == "SET") {
      return silent ? "" : ErrorReply("OOM command not allowed when used memory > 'maxmemory'");
    }
    return FakeRedis::Default(argv);
  });
  RedisConfig config = LoopbackConfig(fake.port());
  config.command_timeout_ms = 300;
  Instance a(config);
  ASSERT_TRUE(Eventually([&] { return a.link->up(); }));
  EXPECT_EQ(a.Claim(KeyOf(1), kNowMs + 60'000), Answer::kUnknown);
  const std::vector<FakeRedis::Command> sets = fake.CommandsNamed("SET");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].argv, (Argv{"SET", a.store->KeyOf(KeyOf(1)), "1", "NX", "PX", "60000"}));
  silent = true;
  EXPECT_EQ(a.Claim(KeyOf(2), kNowMs + 60'000), Answer::kUnknown);  // the link times it out
  EXPECT_EQ(a.store->errors(), 2u);
  EXPECT_EQ(a.store->fresh(), 0u);
}

TEST(SharedDpopReplayTest, ALinkThatIsDownAnswersUnknownAtOnce) {
  FakeRedis fake;
  fake.SetListening(false);
  Instance a(LoopbackConfig(fake.port()));
  EXPECT_EQ(a.Claim(KeyOf(1), kNowMs + 60'000), Answer::kUnknown);
  a.link->Stop();
  EXPECT_EQ(a.Claim(KeyOf(2), kNowMs + 60'000), Answer::kUnknown);  // stopped
  EXPECT_TRUE(fake.CommandsNamed("SET").empty());
}

}  // namespace
}  // namespace tokenwarden::server::redis
