// File: core/possession.h
// -----------------------------------------------------------------------------
// Sender-constrained tokens: a token whose `cnf` (RFC 7800) names a key or a certificate is
// accepted only from a request that proves it holds that key or certificate.
//   cnf.jkt         RFC 9449 §6.1: the RFC 7638 thumbprint of the DPoP key; the request must
//                   come with the DPoP scheme and a proof by that key (§7.1), never as Bearer
//                   (§7.2: no downgrade).
//   cnf["x5t#S256"] RFC 8705 §3.1: base64url SHA-256 of the client certificate (DER); the
//                   request must come over mutual TLS with that certificate (here: forwarded
//                   by a trusted gateway).
// A token with no binding presented with a DPoP proof is refused too: the DPoP scheme says
// the token is DPoP-bound, and one that is not was issued to be a bearer token.
#ifndef TOKENWARDEN_CORE_POSSESSION_H_
#define TOKENWARDEN_CORE_POSSESSION_H_

#include <string>
#include <string_view>

#include "core/claims.h"
#include "core/error.h"

namespace tokenwarden {

// Possession is what one request proved. Views must outlive the check.
struct Possession {
  // dpop_jkt: the thumbprint of the key of the request's verified DPoP proof
  // (DpopProof::jkt); empty when the token came without one.
  std::string_view dpop_jkt;
  // certificate_thumbprint: base64url SHA-256 of the DER client certificate the request came
  // with (CertificateThumbprint); empty when none.
  std::string_view certificate_thumbprint;
  // dpop_required: this resource accepts DPoP-bound tokens only.
  bool dpop_required = false;
};

// IsDpopBound: `claims` carry cnf.jkt (RFC 9449 §6). Introspection then reports token_type
// "DPoP" (§6.2).
bool IsDpopBound(const Claims& claims);

// CertificateThumbprint is the x5t#S256 of a DER certificate: base64url SHA-256, unpadded.
std::string CertificateThumbprint(std::string_view der);

// CheckPossession applies the rules above to verified `claims`: kOk, or
// kProofOfPossessionRequired, kDpopKeyMismatch or kCertificateMismatch with `detail`
// (static storage).
Error CheckPossession(const Possession& possession, const Claims& claims, std::string_view& detail);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_POSSESSION_H_
