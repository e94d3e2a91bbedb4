// File: core/dpop_nonce.h
// -----------------------------------------------------------------------------
// Server-provided DPoP nonces (RFC 9449 §9): a server that hands them out (tokenwarden serve's
// `dpop.nonce`) wants every proof to carry one it gave in a DPoP-Nonce header, which bounds
// how long a proof made in advance can serve (§11.2). Stateless, so every worker and every instance
// with the same secret agrees without sharing anything: a nonce is base64url(slot || tag), where
// slot = now / lifetime (8 bytes, big-endian) and tag = the first 16 bytes of HMAC-SHA256(secret,
// "tokenwarden-dpop-nonce" || slot). A nonce is valid during its slot and the next one, so a
// client that just got one is not refused at a slot boundary.
#ifndef TOKENWARDEN_CORE_DPOP_NONCE_H_
#define TOKENWARDEN_CORE_DPOP_NONCE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tokenwarden {

// CurrentDpopNonce is the nonce to hand out at `now`.
std::string CurrentDpopNonce(std::string_view secret, uint32_t lifetime_seconds, int64_t now);

// IsValidDpopNonce: `nonce` was made with `secret` in the current slot or the one before.
bool IsValidDpopNonce(std::string_view nonce, std::string_view secret, uint32_t lifetime_seconds,
                      int64_t now);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_DPOP_NONCE_H_
