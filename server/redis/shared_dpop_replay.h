// File: server/redis/shared_dpop_replay.h
// -----------------------------------------------------------------------------
// Spending a DPoP proof across instances (RFC 9449 §11.1: a jti "not seen before within the
// window" — at any instance behind the same gateway, or a proof captured at one is replayed at
// another). Each instance keeps its own DpopReplayCache; DpopReplayStore is the shared tier
// the first spend at any instance wins, SharedDpopReplay the Redis one:
//   SET <prefix>dpop:<32 hex digits of the replay key> 1 NX PX <ms until the proof is too old>
// "+OK": this is the first spend (kFresh); nil: another spend came first (kReplayed); an error
// reply, a link that is down or stopping, or no reply within the link's command timeout (which
// drops the connection): kUnknown, which the caller judges by its `dpop.replay` mode.
// Thread-safety: Claim from any thread; `done` runs once, on the link thread (or on the
// caller's when the link cannot take the command).
#ifndef TOKENWARDEN_SERVER_REDIS_SHARED_DPOP_REPLAY_H_
#define TOKENWARDEN_SERVER_REDIS_SHARED_DPOP_REPLAY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/dpop.h"
#include "server/redis/redis_link.h"

namespace tokenwarden::server::redis {

class DpopReplayStore {
 public:
  enum class Answer { kFresh, kReplayed, kUnknown };
  using Done = std::function<void(Answer)>;
  virtual ~DpopReplayStore() = default;
  // Claim spends `key` until `until_ms` (Unix milliseconds) unless it was spent already.
  virtual void Claim(const DpopReplayKey& key, int64_t until_ms, Done done) = 0;
};

class SharedDpopReplay final : public DpopReplayStore {
 public:
  using Clock = std::function<int64_t()>;  // Unix milliseconds
  SharedDpopReplay(RedisLink& link, Clock clock);

  void Claim(const DpopReplayKey& key, int64_t until_ms, Done done) override;

  // KeyOf is the Redis key of a proof: the prefix, "dpop:", the replay key in hex.
  std::string KeyOf(const DpopReplayKey& key) const;

  uint64_t fresh() const { return fresh_.load(std::memory_order_relaxed); }
  uint64_t replayed() const { return replayed_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  void Count(Answer answer);

  RedisLink& link_;
  const Clock clock_;
  const std::string prefix_;
  std::atomic<uint64_t> fresh_{0};
  std::atomic<uint64_t> replayed_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace tokenwarden::server::redis

#endif  // TOKENWARDEN_SERVER_REDIS_SHARED_DPOP_REPLAY_H_
