// File: core/validator.h
// -----------------------------------------------------------------------------
// Validator is the hot path around a Verifier: the current key set and policy as a snapshot
// published without locks, the shared verified-token cache, and the revocation denylist.
//
//   absl::StatusOr<std::unique_ptr<tokenwarden::Validator>> v =
//       tokenwarden::Validator::Create(policy, keys);
//   // per thread:
//   tokenwarden::ValidatorScratch scratch(**v);
//   tokenwarden::ValidationResult result;
//   tokenwarden::Error err = (*v)->Validate(jwt, now, scratch, result);
//   // on a key rotation, from any thread:
//   (*v)->UpdateKeys(new_keys);
#ifndef TOKENWARDEN_CORE_VALIDATOR_H_
#define TOKENWARDEN_CORE_VALIDATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "core/denylist.h"
#include "core/error.h"
#include "core/key_set.h"
#include "core/parsed_token.h"
#include "core/policy.h"
#include "core/snapshot.h"
#include "core/token_cache.h"
#include "core/verifier.h"

namespace tokenwarden {

// ValidatorOptions size the shared state.
struct ValidatorOptions {
  // cache turns the verified-token cache on.
  bool cache = true;
  TokenCacheOptions cache_options;
  size_t denylist_capacity = 1 << 16;
  // denylist, when set, is shared instead of a private one of denylist_capacity: a server
  // with several issuers, or one that reloads its configuration, keeps one denylist for all
  // of them (keys include the issuer, so sharing cannot confuse two issuers' tokens).
  std::shared_ptr<Denylist> denylist;
};

// ValidationResult is one Validate's outcome. Views point into the ValidatorScratch (and the
// token, or the ParsedToken it was given) and live until its next Validate.
struct ValidationResult {
  // cache_hit: served from the cache. `token` then holds the same typed header and claims a
  // verification made (restored from the entry, not parsed again); only `token.key` is null.
  bool cache_hit = false;
  std::string_view header_json;
  std::string_view payload_json;
  TimeClaims times;
  // token is the verification result: typed header and claims (on a hit too), the key.
  VerifiedToken token;
  const Claims& claims() const { return token.claims; }
  // detail names the failed rule (static storage), or is empty.
  std::string_view detail;
  // parsed is the parse this validation read (the caller's, or the scratch's), null on a
  // cache hit. Nothing in it is vouched for unless the result is kOk; IssuerSet reads the
  // unverified `iss` of a rejected token from it.
  const ParsedToken* parsed = nullptr;
};

class Validator;

// ValidatorSnapshot is one published (policy, key set) pair; `generation` tags cache entries.
struct ValidatorSnapshot {
  Verifier verifier;
  uint64_t generation;
};

// ValidatorScratch is one thread's state for a Validator: its verify scratch, its cached
// snapshot of the key set and policy, and its cache registration. Never share it.
// Thread-safety: none; one thread at a time. Must not outlive its Validator.
class ValidatorScratch {
 public:
  explicit ValidatorScratch(const Validator& validator);

  ~ValidatorScratch();
  ValidatorScratch(const ValidatorScratch&) = delete;
  ValidatorScratch& operator=(const ValidatorScratch&) = delete;
  // payload_reads counts the payloads this scratch has parsed (the one-parse tests read it).
  uint64_t payload_reads() const { return verify_.payload_reads(); }

 private:
  friend class Validator;
  struct HitState;  // a cache hit's copies and restored arrays
  VerifyScratch verify_;
  SnapshotReader<ValidatorSnapshot> reader_;
  std::optional<TokenCache::Reader> cache_reader_;
  std::unique_ptr<HitState> hit_;
};

// Validator validates tokens against the current snapshot, serving repeats from the cache and
// rejecting revoked tokens on every path (cache hits included).
// Thread-safety: Validate, UpdateKeys and the revocation methods may run concurrently.
class Validator {
 public:
  // Create builds the first snapshot (Verifier::Create's rules apply).
  static absl::StatusOr<std::unique_ptr<Validator>> Create(Policy policy,
                                                           std::shared_ptr<const KeySet> keys,
                                                           ValidatorOptions options = {});

  // Validate checks `token` at `now` (Unix seconds, fraction kept for the time rules; the
  // denylist and the cache count whole seconds), then this request's `requirements`
  // (CheckRequirements). A cache hit re-checks the time claims, the denylist and the
  // requirements; everything else was decided for this policy and key set when the entry was
  // made. A hit parses nothing.
  Error Validate(std::string_view token, double now, ValidatorScratch& scratch,
                 ValidationResult& out, const Requirements& requirements = {}) const;
  // Validate checks a token already parsed (IssuerSet routed it): the same, without parsing
  // it again. `parsed` must outlive `out`.
  Error Validate(const ParsedToken& parsed, double now, ValidatorScratch& scratch,
                 ValidationResult& out, const Requirements& requirements = {}) const;

  // UpdateKeys publishes `keys` with the same policy as a new generation: in-flight
  // validations finish on the old snapshot, later ones use the new one. Cache entries of keys
  // that left the set are evicted; the others serve on only while their key is still the
  // first one `keys` offers for their token (otherwise the token is verified afresh).
  absl::Status UpdateKeys(const std::shared_ptr<const KeySet>& keys);

  // Revoke adds `key` to the denylist until `expires_at` (Unix seconds); `issued_until` for an
  // attribute revocation (Denylist::AttributeKeyFor).
  absl::Status Revoke(const Denylist::Key& key, int64_t expires_at, int64_t now,
                      int64_t issued_until = Denylist::kAnyTime);

  // Revocation is what revoking one token means: its denylist key and how long it must stay.
  struct Revocation {
    Denylist::Key key;
    int64_t expires_at;
  };
  // RevocationFor computes the revocation of `token` without applying it (a server makes it
  // durable first), or nullopt when the signature does not verify under the current keys:
  // unverifiable tokens are nobody's to revoke. A verified token is revocable even when a
  // claim check fails now (it may become valid later, e.g. nbf).
  std::optional<Revocation> RevocationFor(std::string_view token, int64_t now,
                                          ValidatorScratch& scratch) const;
  // RevocationFor of a token already parsed (not parsed again).
  std::optional<Revocation> RevocationFor(const ParsedToken& parsed, int64_t now,
                                          ValidatorScratch& scratch) const;
  // RevokeToken revokes `token` if its signature verifies under the current keys (RFC 7009
  // §2.2: an invalid token needs no revocation; the result is then false). The entry lasts
  // until exp + leeway, or for ever for a token without exp.
  absl::StatusOr<bool> RevokeToken(std::string_view token, int64_t now, ValidatorScratch& scratch);

  // Purge drops cache entries and revocations expired at `now` (a server calls it
  // periodically; both structures also reuse expired slots on their own).
  void Purge(int64_t now);
  // CurrentPolicy is the policy of the current snapshot.
  const Policy& policy() const { return policy_; }
  std::shared_ptr<const ValidatorSnapshot> snapshot() const { return published_.Current(); }
  const Denylist& denylist() const { return *denylist_; }
  // cache is null when caching is off.
  const TokenCache* cache() const { return cache_.get(); }

 private:
  friend class ValidatorScratch;
  Validator(Policy policy, std::shared_ptr<const ValidatorSnapshot> first,
            ValidatorOptions options);
  // Run is both Validates: `parsed` is null when the token still needs parsing (on a miss).
  Error Run(std::string_view token, const ParsedToken* parsed, double now,
            ValidatorScratch& scratch, ValidationResult& out,
            const Requirements& requirements) const;
  Error ValidateCached(std::string_view token, uint64_t hash, double now,
                       const ValidatorSnapshot& snap, ValidatorScratch& scratch,
                       ValidationResult& out, bool& hit) const;
  // Remember puts a verified token into the cache with its claims record and its revocation
  // keys (`key`, and `attributes` from Denylist::AttributeKeysFor).
  void Remember(std::string_view token, uint64_t hash, const ValidatorSnapshot& snap,
                const ValidationResult& out, const Denylist::Key& key,
                const Denylist::AttributeKeys& attributes, ValidatorScratch& scratch,
                int64_t now) const;

  Policy policy_;
  Published<ValidatorSnapshot> published_;
  std::unique_ptr<TokenCache> cache_;
  std::shared_ptr<Denylist> denylist_;
  base::Mutex update_mu_;
  uint64_t next_generation_ ABSL_GUARDED_BY(update_mu_) = 2;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_VALIDATOR_H_
