#ifndef TOKENWARDEN_CORE_TOKEN_CACHE_H_
#define TOKENWARDEN_CORE_TOKEN_CACHE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <absl/base/thread_annotations.h>

#include "base/mutex.h"
#include "core/denylist.h"
#include "core/internal/epoch.h"
#include "core/internal/token_hash.h"
#include "core/key.h"

namespace tokenwarden {

class KeySet;

// TokenCacheOptions bound the verified-token cache.
struct TokenCacheOptions {
  size_t max_entries = 1 << 16;
  size_t max_bytes = 64 << 20;
};

// CachedToken is what a cache entry remembers of a verified token: its own JSON texts, its
// typed header and claims (a claims record: a hit hands back the same typed view a
// verification made, without parsing), and the facts that must be re-checked on every hit
// (the time claims and the revocation keys).
struct CachedToken {
  std::string_view header_json;
  std::string_view payload_json;
  std::string_view record;
  // texts is header_json, payload_json and record as one view, in that order, on a lookup
  // (one copy takes all three out of the entry); unused by Insert.
  std::string_view texts;
  // NumericDates as parsed; absent ones are nullopt.
  std::optional<double> exp, nbf, iat, auth_time;
  // deny_key is the token's revocation key (Denylist::KeyFor).
  std::array<uint8_t, 32> deny_key{};
  // attribute_keys are its attribute revocation keys (Denylist::AttributeKeysFor); the entry
  // keeps only those present, after its texts.
  Denylist::AttributeKeys attribute_keys;
  // generation is the key set snapshot that verified the token, `key` the fingerprint of the
  // key that did: after a rotation an entry stays good exactly while that key still fits.
  uint64_t generation = 0;
  KeyFingerprint key{};
};

// TokenCache is the verified-token cache shared by all threads: a set-associative table (4 ways)
// of immutable entries keyed by the whole token (a seeded hash, then a full compare). Lookups
// take no lock and write no shared line except an entry's "recently used" bit the first time
// it is hit after an eviction sweep cleared it (CLOCK, so hot tokens stay); inserts and
// evictions take a mutex (they follow a signature check, which costs far more). Old entries
// are freed by epoch-based reclamation once no reader can hold them.
//
// An entry remembers the `generation` (key set snapshot) that verified it and the fingerprint
// of the key that did; a lookup hands both back, and the caller decides whether a rotation
// since then matters (Validator: only when that key no longer fits the token). A rotation
// evicts the entries of removed keys and no others. Entries never serve past exp (callers
// re-check times); expired ones are evicted first.
// Thread-safety: all methods may be called concurrently; a Reader belongs to one thread.
class TokenCache {
  struct Entry;

 public:
  explicit TokenCache(TokenCacheOptions options = {});
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Reader is one thread's registration with the cache (keep it in the thread's scratch).
  class Reader {
   public:
    explicit Reader(TokenCache& cache) : participant_(cache.epochs_) {}

   private:
    friend class TokenCache;
    internal::EpochDomain::Participant participant_;
  };

  // Hash returns the cache's seeded hash of `token`.
  uint64_t Hash(std::string_view token) const { return internal::TokenHash(token, seed_); }

  // Lookup finds `token` and calls `on_hit(const CachedToken&)` while the entry is pinned
  // (the views die when it returns). Returns whether it found one.
  template <typename OnHit>
  bool Lookup(std::string_view token, uint64_t hash, Reader& reader, OnHit&& on_hit) const {
    if (!reader.participant_.registered()) {
      return false;
    }
    internal::EpochDomain::Guard guard(reader.participant_);
    const Entry* e = Find(token, hash);
    if (e == nullptr) {
      return false;
    }
    on_hit(View(*e));
    return true;
  }

  // Insert remembers `token` with `facts` (verified under facts.generation); the texts are
  // copied. Replaces an entry for the same token. Skips (returns false) tokens whose entry
  // alone would exceed the byte budget. Entries of older generations are evicted first.
  bool Insert(std::string_view token, uint64_t hash, const CachedToken& facts, int64_t now);

  // EvictKeysNotHeld drops every entry whose key `keys` no longer holds (after a rotation,
  // to free memory at once: such entries could never serve again).
  void EvictKeysNotHeld(const KeySet& keys);

  // Purge drops entries expired at `now` (exp <= now).
  void Purge(int64_t now);

  size_t entries() const { return entries_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t capacity() const { return num_slots_; }

  // kEntryOverhead is the fixed size of an entry beyond the token and JSON texts it keeps,
  // plus its slot (the figure the hot-path issue bounds at 128 bytes).
  static const size_t kEntryOverhead;

 private:
  static constexpr size_t kWays = 4;

  const Entry* Find(std::string_view token, uint64_t hash) const;
  static CachedToken View(const Entry& e);
  // Replace swaps slot `i` to `next` (may be null) and retires the old entry. Caller holds mu_.
  void Replace(size_t i, Entry* next) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // EvictForBytes sweeps the CLOCK hand until `needed` more bytes fit.
  void EvictForBytes(size_t needed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  TokenCacheOptions options_;
  internal::HashSeed seed_;
  size_t num_slots_;
  size_t set_mask_;
  std::unique_ptr<std::atomic<Entry*>[]> slots_;
  mutable internal::EpochDomain epochs_;
  base::Mutex mu_;
  size_t clock_hand_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<size_t> entries_{0};
  std::atomic<size_t> bytes_{0};
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_TOKEN_CACHE_H_
