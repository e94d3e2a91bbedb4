// File: core/dpop_replay_cache.h
// -----------------------------------------------------------------------------
// DpopReplayCache remembers the proofs a server has accepted until they are too old to pass
// anyway (DpopProof::replay_until), so that a proof is accepted once (RFC 9449 §11.1: the
// jti "not seen before within the window"). Bounded: at most `capacity` proofs; when full of
// proofs still inside their window it refuses new ones (kFull) rather than forget one an
// attacker could then replay. Thread-safe: 16 shards, each under its own mutex, chosen by
// the key's first byte (keys are SHA-256 output, so shards fill evenly).
#ifndef TOKENWARDEN_CORE_DPOP_REPLAY_CACHE_H_
#define TOKENWARDEN_CORE_DPOP_REPLAY_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/dpop.h"

namespace tokenwarden {

class DpopReplayCache {
 public:
  enum class Outcome { kFresh, kReplayed, kFull };

  explicit DpopReplayCache(size_t capacity);
  ~DpopReplayCache();
  DpopReplayCache(const DpopReplayCache&) = delete;
  DpopReplayCache& operator=(const DpopReplayCache&) = delete;

  // Remember records `key` until `until` (Unix seconds) unless it is already there and not
  // yet past its time: kFresh the first time, kReplayed after.
  Outcome Remember(const DpopReplayKey& key, int64_t until, int64_t now);

  size_t size() const;

 private:
  struct Shard;
  static constexpr size_t kShards = 16;
  size_t shard_capacity_;
  std::array<std::unique_ptr<Shard>, kShards> shards_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_DPOP_REPLAY_CACHE_H_
