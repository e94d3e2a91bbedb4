#ifndef TOKENWARDEN_CORE_DENYLIST_H_
#define TOKENWARDEN_CORE_DENYLIST_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/mutex.h"
#include "core/claims.h"
#include "core/error.h"
#include "core/internal/token_hash.h"

namespace tokenwarden {

// RevokedAttribute names what an attribute revocation covers: every token of an issuer with
// one `sid` (an OIDC session, as back-channel logout ends it), one `sub`, or one client id
// (Claims::ClientId: client_id, cid, azp, appid). The values index AttributeKeys::keys.
enum class RevokedAttribute : uint8_t { kSid, kSub, kClientId };

// Denylist holds revoked tokens until they would have expired anyway.
//
// Keys: SHA-256 over (iss, jti) when the token has a jti, else over its signing input
// (header.payload) — never the whole token: an ECDSA signature can be re-encoded (s -> n-s)
// into a different valid token string, which a whole-token key would let through.
// Attribute revocations live in the same table under their own keys, SHA-256 over (the
// attribute, iss, value), with the second up to which tokens were issued: a token is revoked
// by one when its `iat` falls in that second or before (whole seconds), or it has no `iat`.
// Checking a token costs a key per attribute it has, and nothing while no attribute revocation is
// live.
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

  // AttributeKeyFor is the key of the revocation of `attribute` = `value` for issuer `iss`.
  static Key AttributeKeyFor(RevokedAttribute attribute, std::string_view iss,
                             std::string_view value);

  // AttributeKeys are a token's attribute keys, worked out once per verified token and kept in
  // its cache entry, so that a cache hit is checked against attribute revocations with
  // lookups only (hashing them on every hit made a cached /introspect run 45% more user-space
  // instructions: bench/revocation-storm).
  struct AttributeKeys {
    // keys[a] is the key of attribute `a` (a RevokedAttribute) when bit `a` of `present` is set.
    std::array<Key, 3> keys{};
    uint8_t present = 0;
  };
  // AttributeKeysFor computes the keys of the attributes a token of issuer `iss` with `claims`
  // has (sid, sub, Claims::ClientId): one SHA-256 each.
  static AttributeKeys AttributeKeysFor(std::string_view iss, const Claims& claims);

  // SpentLogoutKeyFor is the key under which a logout token's jti is remembered once it has
  // been acted on (OIDC Back-Channel Logout §2.6: a replay is refused).
  static Key SpentLogoutKeyFor(std::string_view iss, std::string_view jti);

  // kAnyTime: an entry for one token revokes it whenever it was issued.
  static constexpr int64_t kAnyTime = std::numeric_limits<int64_t>::max();
  struct Entry {
    int64_t expires_at = 0;           // the entry lives while now < expires_at
    int64_t issued_until = kAnyTime;  // it revokes tokens with iat <= issued_until
    bool operator==(const Entry&) const = default;
  };

  // `capacity` is rounded up to a power of two (at least 4).
  explicit Denylist(size_t capacity = 1 << 16);
  ~Denylist();
  Denylist(const Denylist&) = delete;
  Denylist& operator=(const Denylist&) = delete;

  // Add revokes `key` until `expires_at` (Unix seconds; pass exp + leeway, or INT64_MAX for a
  // token without exp), for tokens issued until `issued_until` (attribute revocations; one
  // token's entry keeps kAnyTime). Re-adding keeps the later of each time. True when it
  // stored something new (an entry, or a later time): a repeat has nothing new to record.
  absl::StatusOr<bool> Add(const Key& key, int64_t expires_at, int64_t now,
                           int64_t issued_until = kAnyTime);

  // Contains reports whether `key` is revoked at `now` (entries live while now < expires_at).
  bool Contains(const Key& key, int64_t now) const { return Find(key, now).has_value(); }
  // RevokedUntil is the expiry of `key`'s live entry at `now`, if it has one.
  std::optional<int64_t> RevokedUntil(const Key& key, int64_t now) const;
  // Find is `key`'s live entry at `now`, if it has one.
  std::optional<Entry> Find(const Key& key, int64_t now) const;

  // RevokedByAttribute is the attribute by which a live attribute revocation covers a token
  // of issuer `iss` with `claims` (sid, then sub, then the client id), if any.
  std::optional<RevokedAttribute> RevokedByAttribute(std::string_view iss, const Claims& claims,
                                                     int64_t now) const;
  // RevokedByAttribute is the same for a token whose attribute keys are `keys` (computed with
  // AttributeKeysFor) and whose issue time is `iat`.
  std::optional<RevokedAttribute> RevokedByAttribute(const AttributeKeys& keys,
                                                     std::optional<double> iat, int64_t now) const;

  // empty is one relaxed load: validation skips the revocation digest while nothing is revoked.
  bool empty() const { return size_.load(std::memory_order_relaxed) == 0; }
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  // attribute_entries counts the attribute revocations held (live or not yet purged).
  size_t attribute_entries() const { return attribute_size_.load(std::memory_order_relaxed); }
  size_t capacity() const { return num_slots_; }

  // Purge frees the slots of entries expired at `now`; returns how many.
  size_t Purge(int64_t now);

  // ForEach calls `fn(key, entry)` for every live entry at `now` (durable logs, sync).
  void ForEach(int64_t now, const std::function<void(const Key&, const Entry&)>& fn) const;

 private:
  static constexpr size_t kWays = 4;
  struct Slot;

  // SetsOf returns the first slot of each of the key's two candidate sets.
  std::array<size_t, 2> SetsOf(const Key& key) const;
  // Write stores `key`/`entry` (or clears with expires_at 0) under the seqlock.
  static void Write(Slot& slot, const Key& key, const Entry& entry);
  // Read copies a consistent snapshot of `slot`.
  static void Read(const Slot& slot, Key& key, Entry& entry);

  internal::HashSeed seed_;
  size_t num_slots_;
  size_t set_mask_;
  std::unique_ptr<Slot[]> slots_;
  base::Mutex mu_;
  std::atomic<size_t> size_{0};
  std::atomic<size_t> attribute_size_{0};
};

// CheckAttributeRevocations is kRevoked, with `detail` naming the attribute, when a live
// attribute revocation of `denylist` covers a token of issuer `iss` with `claims`; else kOk.
// The one rule for JWTs (Validator, on hits and misses) and introspected answers alike.
Error CheckAttributeRevocations(const Denylist& denylist, std::string_view iss,
                                const Claims& claims, int64_t now, std::string_view& detail);
// CheckAttributeRevocations is the same for a token whose attribute keys are `keys` and whose
// issue time is `iat` (a cache hit: no hashing).
Error CheckAttributeRevocations(const Denylist& denylist, const Denylist::AttributeKeys& keys,
                                std::optional<double> iat, int64_t now, std::string_view& detail);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_DENYLIST_H_
