// File: core/dpop.h
// -----------------------------------------------------------------------------
// VerifyDpopProof checks a DPoP proof (RFC 9449) against the request it came with, in the
// order of RFC 9449 §4.3:
//   1. the proof is a compact JWS of at most DpopOptions::max_proof_bytes (strict base64url,
//      JSON objects without duplicate member names), with no `crit` header;
//   2. its header has `typ` "dpop+jwt" (exactly: RFC 9449 §4.2 gives no other spelling);
//   3. `alg` is asymmetric and in DpopOptions::algorithms (never `none`, never HS*); RFC 9864's
//      "Ed25519", which DPoP clients use, counts as EdDSA;
//   4. `jwk` is a public key (no private member: d, p, q, dp, dq, qi, oth, k) that fits `alg`
//      by the same key rules as issuers' keys (RSA >= 2048 bits, the curve of ES*) and
//      verifies the signature;
//   5. the payload has `jti` (a non-empty string of at most 256 bytes), `htm`, `htu` and `iat`;
//   6. `htm` equals the request's method (case-sensitive, RFC 9110 §9.1);
//   7. `htu` equals the request's URL after NormalizeHttpUri on both (core/http_uri.h), query
//      and fragment ignored;
//   8. `iat` is at most max_age_seconds old and at most max_future_seconds ahead, each plus
//      leeway_seconds;
//   9. with an access token, `ath` is base64url(SHA-256(token)) (§4.3 item 12, §7);
//  10. with an expected nonce, `nonce` equals it (kUseDpopNonce when absent or different,
//      §9: the client retries with the server's current nonce).
// The thumbprint of the key (RFC 7638) is returned for the token binding check (cnf.jkt,
// Requirements in core/policy.h) and the replay key for DpopReplayCache: whether the jti
// was used before is the caller's check, since only it knows its cache (and whether the
// cache is shared between instances).
//
// Errors: kInvalidDpopProof with a `detail` naming the failed check (static storage), or
// kUseDpopNonce. Thread-safe: every call uses its own thread's parser.
#ifndef TOKENWARDEN_CORE_DPOP_H_
#define TOKENWARDEN_CORE_DPOP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/algorithm.h"
#include "core/error.h"

namespace tokenwarden {

// DpopAlgorithms are the algorithms a proof may use: every asymmetric one we verify.
AlgorithmSet DpopAlgorithms();

struct DpopOptions {
  AlgorithmSet algorithms = DpopAlgorithms();
  int64_t max_age_seconds = 60;
  int64_t max_future_seconds = 60;
  int64_t leeway_seconds = 0;
  size_t max_proof_bytes = 8192;
};

// DpopRequest is what the proof must match.
struct DpopRequest {
  std::string_view method;        // the request's HTTP method (htm)
  std::string_view url;           // the request's absolute URL (htu); query/fragment ignored
  std::string_view access_token;  // the token presented with the proof (ath); empty: none
  std::optional<std::string_view> nonce;  // the nonce the server expects, when it issues them
  int64_t now = 0;                        // Unix seconds
};

// DpopReplayKey identifies a proof for replay detection: 128 bits of SHA-256 over the key's
// thumbprint and the jti, so a jti reused under another key is another proof.
using DpopReplayKey = std::array<uint8_t, 16>;

struct DpopProof {
  std::string jkt;  // the RFC 7638 SHA-256 thumbprint of the proof's key, base64url
  std::string jti;
  // nonce is the proof's `nonce`, for a server that judges its own nonces (several valid at
  // once) rather than pass the one it expects in DpopRequest::nonce.
  std::optional<std::string> nonce;
  int64_t iat = 0;
  Algorithm alg = Algorithm::kEs256;
  DpopReplayKey replay_key{};
  // replay_until is when remembering the jti stops mattering: iat + max_age + leeway, after
  // which the proof is refused as too old anyway.
  int64_t replay_until = 0;
};

struct DpopResult {
  Error error = Error::kOk;
  std::string_view detail;  // which check failed (static storage); empty on success
  DpopProof proof;          // set on success
};

DpopResult VerifyDpopProof(std::string_view proof, const DpopRequest& request,
                           const DpopOptions& options = {});

// AccessTokenHash is the `ath` of `token`: base64url(SHA-256(token)) (RFC 9449 §4.2).
std::string AccessTokenHash(std::string_view token);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_DPOP_H_
