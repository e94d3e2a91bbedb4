#ifndef TOKENWARDEN_CORE_KEY_SET_H_
#define TOKENWARDEN_CORE_KEY_SET_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "core/algorithm.h"
#include "core/key.h"

namespace tokenwarden {

// KeySet is an immutable set of verification keys: a JWK Set (RFC 7517 §5) or one key.
// Thread-safety: immutable after creation; share it as std::shared_ptr<const KeySet>.
class KeySet {
 public:
  // kMaxKeys bounds a JWK Set; real issuers publish a handful.
  static constexpr size_t kMaxKeys = 256;
  // kMaxCandidates bounds how many keys one token may be tried against (a token without a
  // kid is tried against every key that fits its alg).
  static constexpr size_t kMaxCandidates = 8;

  // FromJwks loads a JWK Set document. Keys we do not verify with (unsupported kty or curve,
  // "use":"enc", key_ops without "verify", an unknown alg) and malformed or weak keys are
  // skipped and listed in skipped(); extra members (x5c, x5t, ...) are ignored. Fails when
  // the document is not a JWK Set or no key is usable.
  static absl::StatusOr<std::shared_ptr<const KeySet>> FromJwks(std::string_view json);

  // FromKeyFile loads one key: a PEM SubjectPublicKeyInfo, the public key of a PEM X.509
  // certificate (Key::FromPem), or a single JWK object. Any
  // problem with the key is an error. A single-key set ignores the token's kid: the caller
  // named the key explicitly.
  static absl::StatusOr<std::shared_ptr<const KeySet>> FromKeyFile(std::string_view contents);

  // FromKeys wraps already built keys (tests, key rotation). With `select_by_kid` false the
  // token's kid plays no part in selection.
  static absl::StatusOr<std::shared_ptr<const KeySet>> FromKeys(std::vector<Key> keys,
                                                                bool select_by_kid);

  // Empty is the key set with no keys: every token fails with key_not_found. A server
  // publishes it for an issuer whose remote keys are not (or no longer) available, so the
  // issuer's Validator exists before its first successful fetch.
  static std::shared_ptr<const KeySet> Empty();

  std::span<const Key> keys() const { return keys_; }
  // fingerprint is `key`'s KeyFingerprint; `key` must be one of keys().
  const KeyFingerprint& fingerprint(const Key& key) const {
    return fingerprints_[static_cast<size_t>(&key - keys_.data())];
  }
  // Holds reports whether some key of the set has fingerprint `f`.
  bool Holds(const KeyFingerprint& f) const;
  bool empty() const { return keys_.empty(); }
  // skipped lists, one line per key, why a JWK Set entry was not loaded.
  std::span<const std::string> skipped() const { return skipped_; }
  // algorithms is every algorithm some key of the set can verify.
  AlgorithmSet algorithms() const { return algorithms_; }
  bool select_by_kid() const { return select_by_kid_; }

  // Select writes into `out` the keys a token with `alg` and `kid` may be verified with, in
  // set order, and returns how many (at most out.size()). With selection by kid: a token with
  // a kid matches only keys with that kid, one without a kid matches every fitting key.
  size_t Select(Algorithm alg, std::optional<std::string_view> kid,
                std::span<const Key*> out) const;

 private:
  KeySet(std::vector<Key> keys, std::vector<std::string> skipped, bool select_by_kid);

  std::vector<Key> keys_;
  std::vector<KeyFingerprint> fingerprints_;  // parallel to keys_
  std::vector<std::string> skipped_;
  AlgorithmSet algorithms_;
  bool select_by_kid_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_KEY_SET_H_
