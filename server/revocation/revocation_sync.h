// File: server/revocation/revocation_sync.h
// -----------------------------------------------------------------------------
// RevocationSync shares revocations between tokenwarden instances through Redis, over a
// RedisLink. The local denylist and durable log stay the source of truth for this instance;
// Redis is where instances meet:
//   <prefix>revoked:<64 hex key> = "<expires_at>[ <issued_until>]", expiring at expires_at
//   (EXAT); channel <prefix>revocations: the whole record (record.h)
// A revocation accepted here (already in the denylist and fsynced to the log) is handed to
// Share(); a Lua script sets the key unless Redis holds it with a later expiry and, only
// when it changed something, publishes it. Every instance applies what it hears to its
// denylist at once and appends it to its own log (batched), so a restart while Redis is
// unreachable still knows it.
// Each time the link comes up — subscribed before anything else, so nothing published from
// then on is missed — the instance loads every key (SCAN + MGET), then pushes every live
// entry of its own denylist through the same script: that flushes what was accepted while
// Redis was unreachable (or before a crash; the log replayed it) and refills a Redis that
// restarted empty. Only then is it `synced`. No acknowledged revocation depends on Redis.
// Thread-safety: Share and the accessors from any thread; the rest runs on the link thread.
#ifndef TOKENWARDEN_SERVER_REVOCATION_REVOCATION_SYNC_H_
#define TOKENWARDEN_SERVER_REVOCATION_REVOCATION_SYNC_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/denylist.h"
#include "server/redis/redis_link.h"
#include "server/revocation/record.h"
#include "server/revocation/revocation_log.h"

namespace tokenwarden::server::revocation {

class RevocationSync {
 public:
  using Clock = std::function<int64_t()>;  // Unix seconds
  // `link` must not be started yet; the sync installs its hooks. `log` may be null (tests).
  // `denylist` already holds what the log replayed.
  RevocationSync(redis::RedisLink& link, Denylist& denylist, RevocationLog* log, Clock clock,
                 redis::RedisLink::Logger logger);
  RevocationSync(const RevocationSync&) = delete;
  RevocationSync& operator=(const RevocationSync&) = delete;

  // Share sends a revocation this instance accepted to Redis (now, or once it is reachable).
  void Share(const Revocation& revocation);

  // synced: the link is up and the load + flush after its last (re)connection finished.
  bool synced() const { return synced_.load(std::memory_order_acquire); }
  // ever_synced: a sync has finished since start-up.
  bool ever_synced() const { return ever_synced_.load(std::memory_order_acquire); }
  // pending: accepted here (Share), not yet confirmed by Redis — from the moment Share
  // returns, before the link thread has taken the revocation up.
  size_t pending() const {
    // handed_over_ first: once it no longer counts a revocation, the acquire makes the
    // pending_ that counts it (stored before the decrement) visible.
    const size_t handed_over = handed_over_.load(std::memory_order_acquire);
    return handed_over + pending_.load(std::memory_order_acquire);
  }
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  // refused: heard from Redis but not applied (the denylist had no room).
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

  // ChannelFor names the channel revocations are published on; the link subscribes to it.
  static std::string ChannelFor(std::string_view key_prefix) {
    return std::string(key_prefix) + "revocations";
  }
  std::string channel() const { return ChannelFor(prefix_); }

 private:
  using Entry = Revocation;
  void OnUp();
  void OnDown();
  void OnMessage(std::string_view channel, std::string_view message);
  // Load reads one SCAN page from `cursor`, applies it, and continues until the cursor is 0.
  void Load(uint64_t epoch, std::string cursor);
  void ApplyLoaded(uint64_t epoch, std::vector<std::string> keys, std::string next_cursor,
                   const redis::RespValue& values);
  // Reconcile pushes `entries[from..]` in pipelined batches, then finishes the sync; queued
  // revocations numbered below `covered` are in `entries`.
  void Reconcile(uint64_t epoch, const std::shared_ptr<std::vector<Entry>>& entries, size_t from,
                 uint64_t covered, size_t refused);
  void Finish(uint64_t epoch, uint64_t covered, size_t refused);
  // Flush sends the queued revocations accepted here (synced only).
  void Flush();
  // Push runs the script for one entry; `done(ok)` after the reply.
  void Push(const Entry& e, std::function<void(bool ok)> done);
  // Remember applies an entry heard from Redis; true when it was new here.
  bool Remember(const Entry& e, int64_t now);
  void WriteLog();
  void PublishPending() {
    pending_.store(unsent_.size() + unconfirmed_at_start_, std::memory_order_release);
  }

  redis::RedisLink& link_;
  Denylist& denylist_;
  RevocationLog* log_;
  const Clock clock_;
  const redis::RedisLink::Logger logger_;
  const std::string prefix_;

  // Link thread only.
  uint64_t epoch_ = 0;  // bumped at each up and down: stale replies are ignored
  // Accepted here, not yet confirmed by Redis, by arrival number. Bounded: past
  // kMaxUnsent the oldest are dropped from the queue — they stay in the denylist, and the
  // next (re)connection pushes every live denylist entry anyway.
  struct Unsent {
    Entry entry;
    bool in_flight = false;
  };
  std::map<uint64_t, Unsent> unsent_;
  uint64_t next_seq_ = 0;
  // Live entries the denylist held at start (replayed from the log): Redis has not confirmed
  // them until the first sync pushes them, so they count as pending until then.
  size_t unconfirmed_at_start_ = 0;
  std::vector<Revocation> to_log_;  // heard from Redis, not yet in the log
  bool log_scheduled_ = false;
  uint64_t log_failures_ = 0;

  std::atomic<bool> synced_{false};
  std::atomic<bool> ever_synced_{false};
  std::atomic<size_t> pending_{0};
  std::atomic<size_t> handed_over_{0};  // Shared, not yet in unsent_ (on its way to the thread)
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace tokenwarden::server::revocation

#endif  // TOKENWARDEN_SERVER_REVOCATION_REVOCATION_SYNC_H_
