// RevocationSync against a real redis-server (its Lua script, SCAN and MGET are the contract):
// the first sync (load what Redis knows, push what this instance knows, only then `synced`),
// what is and is not taken from Redis, revocations heard from other instances (applied and
// logged), revocations accepted here (a later expiry wins, no echo), an outage (queued,
// flushed on return, an emptied Redis refilled) and a full denylist.
#include "server/revocation/revocation_sync.h"

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "core/denylist.h"
#include "server/config/config.h"
#include "server/redis/redis_link.h"
#include "server/revocation/record.h"
#include "server/revocation/revocation_log.h"
#include "tests/server/redis/test_redis.h"

namespace tokenwarden::server::revocation {
namespace {

using redis::RedisLink;
using redis::RespValue;
using redis::testing::LogLines;
using redis::testing::LoopbackConfig;
using redis::testing::RedisServer;
using redis::testing::RespClient;
using tokenwarden::testing::Eventually;

constexpr char kPrefix[] = "t:";
constexpr char kChannel[] = "t:revocations";

int64_t Now() { return std::time(nullptr); }

// KeyNumbered is a distinct revocation key per `n`, its bytes as uniform as the SHA-256
// digests real keys are (the denylist places entries by them).
Denylist::Key KeyNumbered(uint32_t n) {
  std::mt19937 bits(n);
  Denylist::Key key;
  for (uint8_t& byte : key) {
    byte = static_cast<uint8_t>(bits());
  }
  return key;
}

std::string RedisKey(const Denylist::Key& key) {
  return std::string(kPrefix) + "revoked:" + RecordText({key, {0}}).substr(0, 64);
}

class RevocationSyncTest : public ::testing::Test {
 protected:
  RevocationSyncTest() : config_(LoopbackConfig(redis_.port())) {
    config_.key_prefix = kPrefix;
    config_.command_timeout_ms = 3000;
  }
  ~RevocationSyncTest() override {
    if (link_ != nullptr) {
      link_->Stop();  // before the sync it calls back into goes away
    }
  }
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    client_ = redis_.Client();
    ASSERT_NE(client_, nullptr);
  }

  // Create makes the link and the sync; Start also starts the link.
  void Create(RevocationLog* log = nullptr) {
    absl::StatusOr<std::unique_ptr<RedisLink>> link =
        RedisLink::Create(config_, {RevocationSync::ChannelFor(kPrefix)}, log_lines_.Logger());
    ASSERT_TRUE(link.ok()) << link.status();
    link_ = *std::move(link);
    sync_ = std::make_unique<RevocationSync>(*link_, *denylist_, log, &Now, log_lines_.Logger());
  }
  void Start(RevocationLog* log = nullptr) {
    Create(log);
    link_->Start();
  }
  bool Synced() {
    return Eventually([&] { return sync_->synced(); });
  }
  // Get is the value Redis holds at `key` ("" for none).
  std::string Get(const std::string& key) {
    absl::StatusOr<RespValue> v = client_->Call({"GET", key});
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? v->str : "";
  }
  int64_t Integer(const std::vector<std::string>& argv) {
    absl::StatusOr<RespValue> v = client_->Call(argv);
    EXPECT_TRUE(v.ok() && v->type == RespValue::Type::kInteger) << argv[0];
    return v.ok() ? v->integer : -999;
  }
  void Set(const std::string& key, const std::string& value) {
    absl::StatusOr<RespValue> v = client_->Call({"SET", key, value});
    ASSERT_TRUE(v.ok() && v->IsStatus("OK")) << key;
  }
  bool Logged(std::string_view needle) { return log_lines_.Count(needle) > 0; }

  RedisServer redis_;
  RedisConfig config_;
  std::unique_ptr<RespClient> client_;
  std::unique_ptr<Denylist> denylist_ = std::make_unique<Denylist>(1024);
  std::unique_ptr<RedisLink> link_;
  std::unique_ptr<RevocationSync> sync_;
  LogLines log_lines_;
};

TEST_F(RevocationSyncTest, TheFirstSyncPushesWhatThisInstanceKnows) {
  // What the log replayed at start-up: Redis has confirmed none of it yet.
  const int64_t now = Now();
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(denylist_->Add(KeyNumbered(1), now + 3600, now).ok());
  ASSERT_TRUE(denylist_->Add(KeyNumbered(2), now + 7200, now).ok());
  ASSERT_TRUE(denylist_->Add(KeyNumbered(3), kNever, now).ok());  // a token without exp
  Create();
  EXPECT_EQ(sync_->pending(), 3u);
  link_->Start();
  ASSERT_TRUE(Synced());
  EXPECT_TRUE(sync_->ever_synced());
  EXPECT_EQ(sync_->pending(), 0u);
  EXPECT_EQ(sync_->sent(), 3u);
  EXPECT_EQ(sync_->received(), 0u);  // nothing new came back
  // The value is the expiry, and Redis expires the key at that very second (EXAT); a
  // revocation without expiry never expires there either.
  EXPECT_EQ(Get(RedisKey(KeyNumbered(1))), std::to_string(now + 3600));
  EXPECT_EQ(Integer({"EXPIRETIME", RedisKey(KeyNumbered(1))}), now + 3600);
  EXPECT_EQ(Integer({"EXPIRETIME", RedisKey(KeyNumbered(2))}), now + 7200);
  EXPECT_EQ(Get(RedisKey(KeyNumbered(3))), std::to_string(kNever));
  EXPECT_EQ(Integer({"TTL", RedisKey(KeyNumbered(3))}), -1);
}

TEST_F(RevocationSyncTest, LoadsWhatRedisKnowsAndNothingThatIsNotARevocation) {
  const int64_t now = Now();
  Set(RedisKey(KeyNumbered(4)), std::to_string(now + 600));
  Set(RedisKey(KeyNumbered(5)), std::to_string(now - 10));  // expired, not yet gone
  Set(RedisKey(KeyNumbered(6)), "soon");                    // not an expiry
  Set(RedisKey(KeyNumbered(7)), std::to_string(now + 600) + " ");
  Set(std::string(kPrefix) + "revoked:zz", std::to_string(now + 600));  // not a key
  Set("other:revoked:" + RedisKey(KeyNumbered(8)).substr(10), std::to_string(now + 600));
  Start();
  ASSERT_TRUE(Synced());
  EXPECT_TRUE(denylist_->Contains(KeyNumbered(4), now));
  for (uint32_t n : {5, 6, 7, 8}) {
    EXPECT_FALSE(denylist_->Contains(KeyNumbered(n), now)) << n;
  }
  EXPECT_EQ(denylist_->size(), 1u);
  EXPECT_EQ(sync_->received(), 1u);
}

TEST_F(RevocationSyncTest, LoadsEveryScanPage) {
  // More keys than one SCAN page holds (COUNT 1000): the cursor is followed to its end.
  denylist_ = std::make_unique<Denylist>(8192);
  const int64_t now = Now();
  std::vector<std::string> mset = {"MSET"};
  for (uint32_t i = 1000; i < 3500; ++i) {
    mset.push_back(RedisKey(KeyNumbered(i)));
    mset.push_back(std::to_string(now + 600));
  }
  ASSERT_TRUE(client_->Call(mset).ok());
  Start();
  ASSERT_TRUE(Synced());
  EXPECT_EQ(denylist_->size(), 2500u);
  EXPECT_EQ(sync_->received(), 2500u);
  EXPECT_EQ(sync_->sent(), 0u);  // pushed back, but Redis held each already: nothing changed
}

TEST_F(RevocationSyncTest, AppliesWhatOtherInstancesPublishAndLogsIt) {
  const std::string dir = ::testing::TempDir() + "/revocation_sync_log";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/revocations.log";
  std::string warnings;
  absl::StatusOr<std::unique_ptr<RevocationLog>> log =
      RevocationLog::Open(path, *denylist_, Now(), &warnings);
  ASSERT_TRUE(log.ok()) << log.status();
  Start(log->get());
  ASSERT_TRUE(Synced());
  const int64_t now = Now();
  // Malformed, expired, and on another channel (not subscribed): none is applied.
  ASSERT_TRUE(client_->Call({"PUBLISH", kChannel, "nonsense"}).ok());
  ASSERT_TRUE(client_->Call({"PUBLISH", kChannel, RecordText({KeyNumbered(9), {now - 1}})}).ok());
  ASSERT_TRUE(
      client_->Call({"PUBLISH", "x:revocations", RecordText({KeyNumbered(10), {now + 600}})}).ok());
  ASSERT_TRUE(
      client_->Call({"PUBLISH", kChannel, RecordText({KeyNumbered(11), {now + 600}})}).ok());
  ASSERT_TRUE(Eventually([&] { return denylist_->Contains(KeyNumbered(11), Now()); }));
  EXPECT_EQ(sync_->received(), 1u);
  EXPECT_EQ(denylist_->size(), 1u);
  // Written to this instance's own log, so a restart while Redis is unreachable knows it.
  auto logged = [&] {
    std::ifstream in(path);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return text.find(RecordText({KeyNumbered(11), {now + 600}}) + "\n") != std::string::npos;
  };
  ASSERT_TRUE(Eventually(logged)) << [&] {
    std::ifstream in(path);
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }();
  // A restart: this process lets go of the log (its lock), the next one replays it.
  link_->Stop();
  log->reset();
  Denylist restarted(1024);
  absl::StatusOr<std::unique_ptr<RevocationLog>> reopened =
      RevocationLog::Open(path, restarted, Now(), &warnings);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_TRUE(restarted.Contains(KeyNumbered(11), Now()));
  EXPECT_EQ(restarted.size(), 1u);
}

// An attribute revocation (every token of a session issued until a time) travels with its
// time: Redis keeps the later of each, another instance applies it whole, and a record
// covering less than what Redis holds is neither stored nor published.
TEST_F(RevocationSyncTest, AttributeRevocationsTravelWithTheirIssueTime) {
  Start();
  ASSERT_TRUE(Synced());
  const int64_t now = Now();
  const Denylist::Key key =
      Denylist::AttributeKeyFor(RevokedAttribute::kSid, "https://op.example", "s-1");
  sync_->Share({key, {now + 3600, now}});
  ASSERT_TRUE(Eventually([&] { return sync_->pending() == 0; }));
  EXPECT_EQ(Get(RedisKey(key)), base::StrCat(now + 3600, " ", now));
  EXPECT_EQ(Integer({"EXPIRETIME", RedisKey(key)}), now + 3600);
  // Covering less (an earlier issue time) changes nothing there.
  sync_->Share({key, {now + 3600, now - 60}});
  ASSERT_TRUE(Eventually([&] { return sync_->pending() == 0; }));
  EXPECT_EQ(Get(RedisKey(key)), base::StrCat(now + 3600, " ", now));
  // A later logout of the same session moves the issue time on.
  sync_->Share({key, {now + 3600, now + 5}});
  ASSERT_TRUE(Eventually([&] { return sync_->pending() == 0; }));
  EXPECT_EQ(Get(RedisKey(key)), base::StrCat(now + 3600, " ", now + 5));

  // A second instance starting now loads it with its time.
  auto other = std::make_unique<Denylist>(64);
  absl::StatusOr<std::unique_ptr<RedisLink>> link =
      RedisLink::Create(config_, {RevocationSync::ChannelFor(kPrefix)}, log_lines_.Logger());
  ASSERT_TRUE(link.ok()) << link.status();
  RevocationSync other_sync(**link, *other, nullptr, &Now, log_lines_.Logger());
  (*link)->Start();
  ASSERT_TRUE(Eventually([&] { return other_sync.synced(); }));
  EXPECT_EQ(other->Find(key, now), (Denylist::Entry{now + 3600, now + 5}));
  // And hears the next one published.
  const Denylist::Key sub =
      Denylist::AttributeKeyFor(RevokedAttribute::kSub, "https://op.example", "alice");
  sync_->Share({sub, {now + 7200, now + 1}});
  EXPECT_TRUE(Eventually([&] { return other->Find(sub, now).has_value(); }));
  EXPECT_EQ(other->Find(sub, now), (Denylist::Entry{now + 7200, now + 1}));
  (*link)->Stop();
}

TEST_F(RevocationSyncTest, AcceptedHereIsSharedAndALaterExpiryWins) {
  std::unique_ptr<RespClient> listener = redis_.Client();
  ASSERT_NE(listener, nullptr);
  ASSERT_TRUE(listener->Call({"SUBSCRIBE", kChannel}).ok());
  Start();
  ASSERT_TRUE(Synced());
  const int64_t now = Now();
  const Denylist::Key key = KeyNumbered(12);
  uint32_t markers = 100;
  std::vector<std::string> expected_messages;
  // Share shares `key` until `expires_at`, then a fresh marker revocation. Pushes go out and
  // are answered in order, so once the marker is in Redis and nothing is pending, the
  // first push has been answered too.
  auto share = [&](int64_t expires_at) {
    sync_->Share({key, {expires_at}});
    const Denylist::Key marker = KeyNumbered(markers++);
    sync_->Share({marker, {now + 60}});
    expected_messages.push_back(RecordText({marker, {now + 60}}));
    return Eventually([&] { return !Get(RedisKey(marker)).empty() && sync_->pending() == 0; });
  };
  // heard_in_order reads what a subscriber got and compares it with what should have come.
  auto heard_in_order = [&] {
    for (const std::string& want : expected_messages) {
      absl::StatusOr<RespValue> heard = listener->Next(5000);
      if (!heard.ok() || heard->elements.size() != 3 || heard->elements[2].str != want) {
        ADD_FAILURE() << "wanted " << want << ", heard "
                      << (heard.ok() && heard->elements.size() == 3 ? heard->elements[2].str
                                                                    : "nothing");
        return false;
      }
    }
    expected_messages.clear();
    return true;
  };

  expected_messages.push_back(RecordText({key, {now + 600}}));
  ASSERT_TRUE(share(now + 600));
  EXPECT_EQ(Get(RedisKey(key)), std::to_string(now + 600));
  EXPECT_EQ(sync_->sent(), 2u);
  EXPECT_TRUE(heard_in_order());

  // An earlier expiry changes nothing and is not published (no echo among instances).
  ASSERT_TRUE(share(now + 300));
  EXPECT_EQ(Get(RedisKey(key)), std::to_string(now + 600));
  EXPECT_EQ(sync_->sent(), 3u);   // the marker only
  EXPECT_TRUE(heard_in_order());  // the marker only

  expected_messages.push_back(RecordText({key, {now + 900}}));
  ASSERT_TRUE(share(now + 900));
  EXPECT_EQ(Get(RedisKey(key)), std::to_string(now + 900));
  EXPECT_EQ(Integer({"EXPIRETIME", RedisKey(key)}), now + 900);
  EXPECT_EQ(sync_->sent(), 5u);
  EXPECT_TRUE(heard_in_order());
}

TEST_F(RevocationSyncTest, ARevocationIsPendingFromTheMomentItIsShared) {
  // /metrics and /readyz report pending() as "accepted here, not confirmed by Redis": from
  // the moment /revoke answers, even while the link thread has not taken it up yet.
  Start();
  ASSERT_TRUE(Synced());
  std::promise<void> busy;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(link_->Post([&busy, released] {
    busy.set_value();
    released.wait();
  }));
  busy.get_future().wait();  // the link thread is held up
  sync_->Share({KeyNumbered(30), {Now() + 600}});
  EXPECT_EQ(sync_->pending(), 1u);
  release.set_value();
  ASSERT_TRUE(
      Eventually([&] { return sync_->pending() == 0 && !Get(RedisKey(KeyNumbered(30))).empty(); }));
}

TEST_F(RevocationSyncTest, AnOutageQueuesAndTheReturnFlushesAndRefills) {
  const int64_t now = Now();
  ASSERT_TRUE(denylist_->Add(KeyNumbered(13), now + 600, now).ok());
  Start();
  ASSERT_TRUE(Synced());
  ASSERT_EQ(Get(RedisKey(KeyNumbered(13))), std::to_string(now + 600));

  redis_.Stop();
  ASSERT_TRUE(Eventually([&] { return !sync_->synced(); }));
  // Accepted meanwhile (the caller revoked it locally first): queued, not lost.
  ASSERT_TRUE(denylist_->Add(KeyNumbered(14), now + 600, now).ok());
  sync_->Share({KeyNumbered(14), {now + 600}});
  ASSERT_TRUE(Eventually([&] { return sync_->pending() == 1; }));
  EXPECT_TRUE(sync_->ever_synced());

  // Redis comes back empty on the same address: both the queued revocation and what it
  // held before are pushed again before the instance counts as synced.
  ASSERT_TRUE(redis_.Start());
  client_ = redis_.Client();
  ASSERT_NE(client_, nullptr);
  ASSERT_TRUE(Synced());
  EXPECT_EQ(sync_->pending(), 0u);
  EXPECT_EQ(Get(RedisKey(KeyNumbered(13))), std::to_string(now + 600));
  EXPECT_EQ(Get(RedisKey(KeyNumbered(14))), std::to_string(now + 600));
  EXPECT_TRUE(Logged("redis: connection lost"));
}

TEST_F(RevocationSyncTest, AFullDenylistRefusesWhatRedisSendsAndSaysSo) {
  denylist_ = std::make_unique<Denylist>(4);  // one set of four slots
  const int64_t now = Now();
  for (uint32_t n = 20; n < 26; ++n) {
    Set(RedisKey(KeyNumbered(n)), std::to_string(now + 600));
  }
  Start();
  ASSERT_TRUE(Synced());
  EXPECT_EQ(denylist_->size(), 4u);
  EXPECT_EQ(sync_->received(), 4u);
  EXPECT_EQ(sync_->refused(), 2u);
  EXPECT_TRUE(Logged("redis: a shared revocation could not be applied"));
}

}  // namespace
}  // namespace tokenwarden::server::revocation
