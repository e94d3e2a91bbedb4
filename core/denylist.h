#ifndef TOKENWARDEN_CORE_DENYLIST_H_
#define TOKENWARDEN_CORE_DENYLIST_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/mutex.h"
#include "core/internal/token_hash.h"

namespace tokenwarden {

// Denylist holds revoked tokens until they would have expired anyway.
//
// Keys: SHA-256 over (iss, jti) when the token has a jti, else over its signing input
// (header.payload) — never the whole token: an ECDSA signature can be re-encoded (s -> n-s)
// into a different valid token string, which a whole-token key would let through.
//
// A fixed table of 4-way sets of fixed-size slots, each guarded by a sequence counter
// (seqlock): readers take no lock and write nothing, writers serialize on a mutex. No entry is
// ever freed, so no reclamation scheme is needed. Each key may live in either of two seeded
// sets and goes to the emptier one: with one choice a set overflows at ~10% load, with two
// not before ~50% (so size `capacity` at twice the revocations expected alive at once).
// Bounded: Add fails with ResourceExhausted when both sets are full of live entries (the
// caller must then refuse the revocation, never drop it silently); expired entries are reused
// in place and swept by Purge.
// Thread-safety: all methods may be called concurrently.
class Denylist {
 public:
  using Key = std::array<uint8_t, 32>;

  // KeyFor computes the revocation key of a token: (iss, jti) when `jti` is present (an absent
  // iss counts as empty), else `signing_input`.
  static Key KeyFor(std::optional<std::string_view> iss, std::optional<std::string_view> jti,
                    std::string_view signing_input);

  // `capacity` is rounded up to a power of two (at least 4).
  explicit Denylist(size_t capacity = 1 << 16);
  ~Denylist();
  Denylist(const Denylist&) = delete;
  Denylist& operator=(const Denylist&) = delete;

  // Add revokes `key` until `expires_at` (Unix seconds; pass exp + leeway, or INT64_MAX for a
  // token without exp). Re-adding keeps the later expiry. True when it stored something new
  // (an entry, or a later expiry): a repeated revocation has nothing new to record.
  absl::StatusOr<bool> Add(const Key& key, int64_t expires_at, int64_t now);

  // Contains reports whether `key` is revoked at `now` (entries live while now < expires_at).
  bool Contains(const Key& key, int64_t now) const { return RevokedUntil(key, now).has_value(); }
  // RevokedUntil is the expiry of `key`'s live entry at `now`, if it has one.
  std::optional<int64_t> RevokedUntil(const Key& key, int64_t now) const;

  // empty is one relaxed load: validation skips the revocation digest while nothing is revoked.
  bool empty() const { return size_.load(std::memory_order_relaxed) == 0; }
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t capacity() const { return num_slots_; }

  // Purge frees the slots of entries expired at `now`; returns how many.
  size_t Purge(int64_t now);

  // ForEach calls `fn(key, expires_at)` for every live entry at `now` (durable logs, sync).
  void ForEach(int64_t now, const std::function<void(const Key&, int64_t)>& fn) const;

 private:
  static constexpr size_t kWays = 4;
  struct Slot;

  // SetsOf returns the first slot of each of the key's two candidate sets.
  std::array<size_t, 2> SetsOf(const Key& key) const;
  // Write stores `key`/`expires_at` (or clears with expires_at 0) under the seqlock.
  static void Write(Slot& slot, const Key& key, int64_t expires_at);
  // Read copies a consistent snapshot of `slot`.
  static void Read(const Slot& slot, Key& key, int64_t& expires_at);

  internal::HashSeed seed_;
  size_t num_slots_;
  size_t set_mask_;
  std::unique_ptr<Slot[]> slots_;
  base::Mutex mu_;
  std::atomic<size_t> size_{0};
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_DENYLIST_H_
