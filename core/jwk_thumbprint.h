// File: core/jwk_thumbprint.h
// -----------------------------------------------------------------------------
// JwkThumbprint computes the RFC 7638 JWK SHA-256 thumbprint, base64url without padding: the
// hash of the key's required members, in lexicographic order, as JSON without whitespace
// (RSA: e, kty, n; EC: crv, kty, x, y; OKP: crv, kty, x, RFC 8037 §2). DPoP binds a token to
// its proof key with it (RFC 9449 §6.1, `cnf.jkt`). Any other member (kid, alg, use) does not
// count. Refused (kInvalidArgument, naming the culprit): not a JSON object, another kty, a
// required member missing or not a string, a value JSON would have to escape (no key's
// base64url or curve name does).
#ifndef TOKENWARDEN_CORE_JWK_THUMBPRINT_H_
#define TOKENWARDEN_CORE_JWK_THUMBPRINT_H_

#include <string>
#include <string_view>

#include <absl/status/statusor.h>

namespace tokenwarden {

absl::StatusOr<std::string> JwkThumbprint(std::string_view jwk_json);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_JWK_THUMBPRINT_H_
