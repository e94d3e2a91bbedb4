#include "core/dpop_replay_cache.h"

#include <algorithm>
#include <cstring>

#include <absl/container/flat_hash_map.h>

#include "base/mutex.h"

namespace tokenwarden {

namespace {

struct KeyHash {
  size_t operator()(const DpopReplayKey& key) const {
    size_t h;
    std::memcpy(&h, key.data() + 1, sizeof(h));  // SHA-256 output: any 8 bytes will do
    return h;
  }
};

}  // namespace

struct DpopReplayCache::Shard {
  mutable base::Mutex mu;
  absl::flat_hash_map<DpopReplayKey, int64_t, KeyHash> until ABSL_GUARDED_BY(mu);
};

DpopReplayCache::DpopReplayCache(size_t capacity)
    : shard_capacity_(std::max<size_t>(1, (capacity + kShards - 1) / kShards)) {
  for (auto& shard : shards_) {
    shard = std::make_unique<Shard>();
  }
}

DpopReplayCache::~DpopReplayCache() = default;

DpopReplayCache::Outcome DpopReplayCache::Remember(const DpopReplayKey& key, int64_t until,
                                                   int64_t now) {
  Shard& shard = *shards_[key[0] % kShards];
  base::MutexLock lock(&shard.mu);
  const auto it = shard.until.find(key);
  if (it != shard.until.end()) {
    if (it->second >= now) {
      return Outcome::kReplayed;
    }
    it->second = until;
    return Outcome::kFresh;
  }
  if (shard.until.size() >= shard_capacity_) {
    absl::erase_if(shard.until, [now](const auto& entry) { return entry.second < now; });
    if (shard.until.size() >= shard_capacity_) {
      return Outcome::kFull;
    }
  }
  shard.until.emplace(key, until);
  return Outcome::kFresh;
}

size_t DpopReplayCache::size() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    base::MutexLock lock(&shard->mu);
    total += shard->until.size();
  }
  return total;
}

}  // namespace tokenwarden
