// RedisLink against a scripted Redis (FakeRedis): the set-up order (AUTH, SELECT on the command
// connection, then the subscriber's AUTH and SUBSCRIBE), what counts as up, each way down (a
// cut connection, a refused set-up command, a PING error or silence, a refused port), the
// reconnection backoff and its reset, the hooks, and the log lines — never with a password.
#include "server/redis/redis_link.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "server/config/config.h"
#include "tests/server/redis/test_redis.h"

namespace tokenwarden::server::redis {
namespace {

using testing::Argv;
using testing::ArrayReply;
using testing::BulkReply;
using testing::ErrorReply;
using testing::FakeRedis;
using testing::IntegerReply;
using testing::LoopbackConfig;
using tokenwarden::testing::Eventually;

constexpr char kChannel[] = "tw:revocations";
constexpr char kPassword[] = "pw-that-must-never-be-logged";

// Answering returns a reply function: `name` gets `reply`, everything else Redis's answer.
FakeRedis::ReplyFn Answering(std::string name, std::string reply) {
  return [name = std::move(name), reply = std::move(reply)](const Argv& argv) {
    return !argv.empty() && argv[0] == name ? reply : FakeRedis::Default(argv);
  };
}

class RedisLinkTest : public ::testing::Test {
 protected:
  RedisLinkTest() : config_(LoopbackConfig(fake_.port())) { config_.command_timeout_ms = 400; }
  ~RedisLinkTest() override {
    if (link_ != nullptr) {
      link_->Stop();
    }
  }

  void Start() {
    absl::StatusOr<std::unique_ptr<RedisLink>> link =
        RedisLink::Create(config_, {kChannel}, log_.Logger());
    ASSERT_TRUE(link.ok()) << link.status();
    link_ = *std::move(link);
    RedisLink::Hooks hooks;
    hooks.on_up = [this] { ++ups_; };
    hooks.on_down = [this](const absl::Status& why) {
      std::lock_guard<std::mutex> lock(mu_);
      downs_.push_back(why);
    };
    hooks.on_message = [this](std::string_view channel, std::string_view message) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.emplace_back(std::string(channel) + " " + std::string(message));
    };
    link_->SetHooks(std::move(hooks));
    link_->Start();
  }

  // CommandNow runs RedisLink::Command on the link thread and returns what `done` got.
  absl::StatusOr<RespValue> CommandNow(std::vector<std::string> argv) {
    auto reply = std::make_shared<std::promise<absl::StatusOr<RespValue>>>();
    std::future<absl::StatusOr<RespValue>> got = reply->get_future();
    EXPECT_TRUE(link_->Post([this, argv = std::move(argv), reply]() mutable {
      link_->Command(std::move(argv),
                     [reply](absl::StatusOr<RespValue> r) { reply->set_value(std::move(r)); });
    }));
    return got.get();
  }

  int LinesWith(std::string_view needle) { return log_.Count(needle); }
  size_t Downs() {
    std::lock_guard<std::mutex> lock(mu_);
    return downs_.size();
  }
  absl::Status LastDown() {
    std::lock_guard<std::mutex> lock(mu_);
    return downs_.empty() ? absl::OkStatus() : downs_.back();
  }
  std::vector<std::string> Messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  // Up waits until the link is up and its on_up hook has run `ups` times in all: the hook
  // runs on the link's thread just after up() turns true, so checking the count at once
  // raced with it (a TSan run saw 0).
  bool Up(int ups = 1) {
    return Eventually([&] { return link_->up() && ups_.load() == ups; });
  }

  FakeRedis fake_;  // declared first: outlives the link
  RedisConfig config_;
  std::unique_ptr<RedisLink> link_;
  std::atomic<int> ups_{0};
  testing::LogLines log_;
  std::mutex mu_;
  std::vector<absl::Status> downs_;
  std::vector<std::string> messages_;
};

TEST_F(RedisLinkTest, ComesUpAuthenticatedSelectedThenSubscribed) {
  config_.username = "svc-tokenwarden";
  config_.password = kPassword;
  config_.db = 3;
  Start();
  ASSERT_TRUE(Up());
  EXPECT_EQ(ups_.load(), 1);
  EXPECT_EQ(link_->connects(), 1u);
  EXPECT_EQ(link_->errors(), 0u);
  EXPECT_TRUE(link_->attempted());
  // The command connection is set up first; the subscriber connects only after it, needs no
  // SELECT (Pub/Sub ignores the database) and subscribes last: "up" means all of it.
  const std::vector<FakeRedis::Command> commands = fake_.commands();
  ASSERT_GE(commands.size(), 4u);
  const std::vector<std::pair<int, Argv>> expected = {
      {1, {"AUTH", "svc-tokenwarden", kPassword}},
      {1, {"SELECT", "3"}},
      {2, {"AUTH", "svc-tokenwarden", kPassword}},
      {2, {"SUBSCRIBE", kChannel}},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(commands[i].connection, expected[i].first) << i;
    EXPECT_EQ(commands[i].argv, expected[i].second) << i;
  }
  EXPECT_EQ(LinesWith("redis: connected to " + config_.url), 1);
  EXPECT_EQ(LinesWith(kPassword), 0);
}

TEST_F(RedisLinkTest, WithoutPasswordOrDatabaseSendsNeither) {
  Start();
  ASSERT_TRUE(Up());
  EXPECT_TRUE(fake_.CommandsNamed("AUTH").empty());
  EXPECT_TRUE(fake_.CommandsNamed("SELECT").empty());
  ASSERT_EQ(fake_.CommandsNamed("SUBSCRIBE").size(), 1u);
  // A password without a user is AUTH <password> (Redis's default user).
  config_.password = kPassword;
  link_->Stop();
  Start();
  ASSERT_TRUE(Eventually([&] { return fake_.CommandsNamed("AUTH").size() == 2; }));
  EXPECT_EQ(fake_.CommandsNamed("AUTH")[0].argv, (Argv{"AUTH", kPassword}));
}

TEST_F(RedisLinkTest, DeliversPublishedMessagesAndNothingElse) {
  Start();
  ASSERT_TRUE(Up());
  fake_.Publish(kChannel, "first");
  // A late subscribe confirmation and a reply-shaped push are not messages.
  fake_.Push(ArrayReply({BulkReply("subscribe"), BulkReply(kChannel), IntegerReply(1)}));
  fake_.Push(ArrayReply({BulkReply("message"), BulkReply(kChannel)}));
  fake_.Publish(kChannel, "second");
  ASSERT_TRUE(Eventually([&] { return Messages().size() >= 2; }));
  EXPECT_EQ(Messages(), (std::vector<std::string>{std::string(kChannel) + " first",
                                                  std::string(kChannel) + " second"}));
}

TEST_F(RedisLinkTest, ACutConnectionGoesDownThenComesBack) {
  Start();
  ASSERT_TRUE(Up());
  fake_.DropAll();
  ASSERT_TRUE(Eventually([&] { return Downs() == 1; }));
  EXPECT_EQ(LastDown().code(), absl::StatusCode::kUnavailable) << LastDown();
  ASSERT_TRUE(Eventually([&] { return ups_.load() == 2 && link_->up(); }));
  EXPECT_EQ(link_->connects(), 2u);
  EXPECT_GE(link_->errors(), 1u);
  EXPECT_EQ(LinesWith("redis: connection lost"), 1);
  EXPECT_EQ(LinesWith("redis: reconnected to " + config_.url), 1);
  // Both connections were replaced: the new pair subscribed again.
  EXPECT_EQ(fake_.CommandsNamed("SUBSCRIBE").size(), 2u);
}

TEST_F(RedisLinkTest, WhileDownCommandsFailAtOnce) {
  Start();
  ASSERT_TRUE(Up());
  absl::StatusOr<RespValue> pong = CommandNow({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status();
  EXPECT_TRUE(pong->IsStatus("PONG"));
  fake_.SetListening(false);
  fake_.DropAll();
  ASSERT_TRUE(Eventually([&] { return !link_->up(); }));
  // Refused reconnections keep it down; a command is not queued for later but fails now.
  absl::StatusOr<RespValue> refused = CommandNow({"PING"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  const uint64_t errors = link_->errors();
  ASSERT_TRUE(Eventually([&] { return link_->errors() >= errors + 2; }));  // still retrying
  EXPECT_EQ(ups_.load(), 1);
  fake_.SetListening(true);
  ASSERT_TRUE(Up(2));
  EXPECT_EQ(ups_.load(), 2);
}

TEST_F(RedisLinkTest, RefusedAuthKeepsTheLinkDownAndIsLoggedOnce) {
  config_.password = kPassword;
  fake_.SetReply(Answering("AUTH", ErrorReply("WRONGPASS invalid username-password pair or user is "
                                              "disabled.")));
  Start();
  ASSERT_TRUE(Eventually([&] { return link_->errors() >= 3; }));
  EXPECT_FALSE(link_->up());
  EXPECT_TRUE(link_->attempted());
  EXPECT_EQ(ups_.load(), 0);
  EXPECT_EQ(Downs(), 0u);  // on_down is for a link that was up
  EXPECT_TRUE(fake_.CommandsNamed("SUBSCRIBE").empty());
  // One line for the outage, not one per attempt; Redis's error text, never the password.
  EXPECT_EQ(LinesWith("redis: cannot connect: AUTH refused: WRONGPASS"), 1);
  EXPECT_EQ(LinesWith(kPassword), 0);
  fake_.SetReply(&FakeRedis::Default);
  ASSERT_TRUE(Up());
  EXPECT_EQ(LinesWith("redis: connected to"), 1);
}

TEST_F(RedisLinkTest, RefusedSelectOrSubscribeIsAFailedConnection) {
  const struct {
    const char* command;
    const char* error;
    const char* logged;
  } cases[] = {
      {"SELECT", "ERR DB index is out of range", "SELECT refused: ERR DB index is out of range"},
      {"SUBSCRIBE", "NOPERM this user has no permissions to access the channel",
       "SUBSCRIBE refused: NOPERM"},
  };
  config_.db = 99;
  for (const auto& c : cases) {
    fake_.SetReply(Answering(c.command, ErrorReply(c.error)));
    Start();
    ASSERT_TRUE(Eventually([&] { return link_->errors() >= 2; })) << c.command;
    EXPECT_FALSE(link_->up()) << c.command;
    EXPECT_EQ(ups_.load(), 0) << c.command;
    EXPECT_EQ(LinesWith(c.logged), 1) << c.command;
    link_->Stop();
  }
}

TEST_F(RedisLinkTest, APingErrorTakesTheLinkDown) {
  Start();
  ASSERT_TRUE(Up());
  // The first PING comes a second after the link is up.
  fake_.SetReply(Answering("PING", ErrorReply("LOADING Redis is loading the dataset in memory")));
  ASSERT_TRUE(Eventually([&] { return Downs() >= 1; }));
  EXPECT_NE(std::string(LastDown().message()).find("PING answered LOADING"), std::string::npos)
      << LastDown();
  fake_.SetReply(&FakeRedis::Default);
  ASSERT_TRUE(Eventually([&] { return ups_.load() >= 2 && link_->up(); }));
}

TEST_F(RedisLinkTest, ARedisThatStopsAnsweringTimesOut) {
  Start();
  ASSERT_TRUE(Up());
  fake_.SetReply([](const Argv&) { return std::string(); });  // accepts, reads, never answers
  ASSERT_TRUE(Eventually([&] { return Downs() >= 1; }));
  EXPECT_EQ(LastDown().code(), absl::StatusCode::kDeadlineExceeded) << LastDown();
  EXPECT_NE(std::string(LastDown().message()).find("did not answer within 400 ms"),
            std::string::npos);
  // Reconnecting to it never comes up: its set-up commands time out in turn.
  const uint64_t errors = link_->errors();
  ASSERT_TRUE(Eventually([&] { return link_->errors() >= errors + 2; }));
  EXPECT_FALSE(link_->up());
}

TEST_F(RedisLinkTest, ReconnectionsBackOffAndSuccessResetsTheBackoff) {
  config_.password = kPassword;
  config_.reconnect_min_ms = 100;
  config_.reconnect_max_ms = 10000;
  fake_.SetReply(Answering("AUTH", ErrorReply("WRONGPASS no")));
  Start();
  // Waits after failure n are within [b/2, b], b = 100 ms * 2^(n-1): 50-100, 100-200,
  // 200-400, 400-800, 800-1600 ms.
  ASSERT_TRUE(Eventually([&] { return fake_.CommandsNamed("AUTH").size() >= 6; }));
  const std::vector<FakeRedis::Command> auths = fake_.CommandsNamed("AUTH");
  auto gap_ms = [&](size_t n) {  // from attempt n's AUTH to attempt n+1's (n from 1)
    return std::chrono::duration_cast<std::chrono::milliseconds>(auths[n].at - auths[n - 1].at)
        .count();
  };
  EXPECT_GE(gap_ms(1), 50);
  EXPECT_GE(gap_ms(3), 200);
  EXPECT_GE(gap_ms(5), 800);
  EXPECT_GT(gap_ms(5), gap_ms(1));
  // Six failures in a row: the next wait would be 1.6-3.2 s. A success resets the count, so
  // after the next cut the link is back within the first step's 50-100 ms (plus set-up).
  fake_.SetReply(&FakeRedis::Default);
  ASSERT_TRUE(Up());
  const auto cut = std::chrono::steady_clock::now();
  fake_.DropAll();
  ASSERT_TRUE(Eventually([&] { return ups_.load() == 2 && link_->up(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - cut, std::chrono::milliseconds(1500));
}

TEST_F(RedisLinkTest, StopIsPromptAndRefusesLaterWork) {
  config_.reconnect_min_ms = 60000;
  config_.reconnect_max_ms = 60000;
  fake_.SetListening(false);
  Start();
  ASSERT_TRUE(Eventually([&] { return link_->attempted(); }));  // refused, now waiting 30+ s
  EXPECT_FALSE(link_->up());
  const auto start = std::chrono::steady_clock::now();
  link_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(link_->Post([] {}));
  link_->Stop();  // idempotent
}

}  // namespace
}  // namespace tokenwarden::server::redis
