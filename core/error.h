#ifndef TOKENWARDEN_CORE_ERROR_H_
#define TOKENWARDEN_CORE_ERROR_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace tokenwarden {

// Error is why a token was rejected. The names are the stable wire codes of the `verify` CLI,
// the server, metrics and bindings: append only, never renumber. `kOk` is zero so that
// `if (err != Error::kOk)` reads like simdjson.
enum class [[nodiscard]] Error : uint8_t {
  kOk = 0,
  kMalformed,                  // "malformed"
  kTokenTooLarge,              // "token_too_large"
  kUnsupportedAlgorithm,       // "unsupported_algorithm"
  kAlgorithmNotAllowed,        // "algorithm_not_allowed"
  kUnsupportedCriticalHeader,  // "unsupported_critical_header"
  kKeyNotFound,                // "key_not_found"
  kInvalidSignature,           // "invalid_signature"
  kExpired,                    // "expired"
  kNotYetValid,                // "not_yet_valid"
  kInvalidIssuer,              // "invalid_issuer"
  kInvalidAudience,            // "invalid_audience"
  kInvalidType,                // "invalid_type"
  kInvalidNonce,               // "invalid_nonce"
  kInvalidAtHash,              // "invalid_at_hash"
  kMissingClaim,               // "missing_claim"
  kInsufficientScope,          // "insufficient_scope"
  kTooOld,                     // "too_old"
  kRevoked,                    // "revoked"
  // Sender-constrained tokens (RFC 9449 DPoP, RFC 8705 mTLS) and their proofs.
  kInvalidDpopProof,           // "invalid_dpop_proof": the proof fails a check of RFC 9449 §4.3
  kDpopProofReplayed,          // "dpop_proof_replayed": the proof's jti was seen before
  kUseDpopNonce,               // "use_dpop_nonce": the proof lacks the server's current nonce
  kDpopKeyMismatch,            // "dpop_key_mismatch": the proof's key is not the token's cnf.jkt
  kProofOfPossessionRequired,  // "proof_of_possession_required": a bound token without proof
  kCertificateMismatch,        // "certificate_mismatch": not the cnf x5t#S256 certificate
};

// kNumErrors is one past the last enumerator; arrays indexed by Error (metrics) use it.
inline constexpr int kNumErrors = static_cast<int>(Error::kCertificateMismatch) + 1;

// ErrorCode returns the wire name of `error`, e.g. "invalid_signature", or "ok" for kOk.
// Static storage.
std::string_view ErrorCode(Error error);

// ErrorSummary returns a short human sentence for `error`, e.g. "the token has expired".
// Static storage. Callers that know more (the failing claim, the times) say more.
std::string_view ErrorSummary(Error error);

// ParseErrorCode is the inverse of ErrorCode: nullopt for an unknown name.
std::optional<Error> ParseErrorCode(std::string_view code);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_ERROR_H_
