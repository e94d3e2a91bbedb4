// Private to core: private JWKs (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2), read only to make a
// JwsSigner (core/jws_signer.h). Verification keys never go through here.
#ifndef TOKENWARDEN_CORE_INTERNAL_PRIVATE_JWK_H_
#define TOKENWARDEN_CORE_INTERNAL_PRIVATE_JWK_H_

#include <cstddef>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <openssl/base.h>
#include <simdjson.h>

namespace tokenwarden::internal {

// kP256Bytes is the size of a P-256 coordinate and private scalar (RFC 7518 §6.2.1.2,
// §6.2.2.1), and of r and s in an ES256 signature (§3.4); kEd25519Bytes that of an Ed25519
// private seed and public key (RFC 8037 §2).
inline constexpr size_t kP256Bytes = 32;
inline constexpr size_t kEd25519Bytes = 32;

// BoringSslError clears BoringSSL's error queue after a failed call and returns `code` with
// `what`, which says what failed and never holds key material.
absl::Status BoringSslError(absl::StatusCode code, std::string_view what);

// EvpFromPrivateJwk builds the private key of the JWK object `jwk`: an RSA key with every CRT
// member (and no multi-prime `oth`), an EC key on P-256, or an Ed25519 key; the public members
// must belong to the private ones (checked by BoringSSL, or by deriving the Ed25519 public
// key). `use`, when present, must be "sig" and `key_ops` must include "sign". A public JWK, a
// symmetric one and every other kind are refused (kInvalidArgument, naming the problem and
// never a key value). Decoded private bytes are wiped once BoringSSL holds them.
absl::StatusOr<bssl::UniquePtr<EVP_PKEY>> EvpFromPrivateJwk(simdjson::dom::object jwk);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_PRIVATE_JWK_H_
