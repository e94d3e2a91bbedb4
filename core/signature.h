#ifndef TOKENWARDEN_CORE_SIGNATURE_H_
#define TOKENWARDEN_CORE_SIGNATURE_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "core/algorithm.h"
#include "core/error.h"
#include "core/key.h"

namespace tokenwarden {

// VerifySignature checks `signature` (the decoded third segment) over `signing_input` with
// `key` under `alg`, which the key must fit. Returns kOk or kInvalidSignature, never another
// code. Encodings are exactly RFC 7518's:
// - RS*/PS*: exactly the modulus length; PS* with MGF1 of the same hash and a salt of the
//   hash length (RFC 7518 §3.5).
// - ES*: the fixed-size R||S concatenation (§3.4), never DER; r and s in [1, n-1]
//   (CVE-2022-21449: r = s = 0 must fail).
// - EdDSA: 64 bytes (RFC 8032).
// - HS*: exactly the hash length, compared in constant time.
Error VerifySignature(Algorithm alg, const Key& key, std::string_view signing_input,
                      std::span<const uint8_t> signature);

// HashLeftHalf computes the OIDC at_hash / c_hash input check (OIDC Core §3.1.3.6): the left
// half of the hash of `value` with the hash `alg` uses (SHA-512 for EdDSA), written to `out`
// (at least 32 bytes). Returns the number of bytes written.
size_t HashLeftHalf(Algorithm alg, std::string_view value, std::span<uint8_t> out);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_SIGNATURE_H_
