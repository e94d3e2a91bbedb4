// File: core/jws_signer.h
// -----------------------------------------------------------------------------
// JwsSigner makes compact JWS (RFC 7515 §7.1) with one private key of our own, for the
// documents tokenwarden itself signs: RFC 9701 introspection answers. Everything else in the
// core verifies; this is its only use of a private key. The key comes from a PEM (PKCS#8
// "PRIVATE KEY", SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY") or a private JWK, for
// exactly one of ES256 (P-256), RS256 / PS256 (RSA >= 2048 bits) and EdDSA (Ed25519).
//
//   absl::StatusOr<JwsSigner> signer = JwsSigner::FromPrivatePem(pem, Algorithm::kEs256, "k1");
//   if (!signer.ok()) return signer.status();
//   publish(signer->PublicJwks());  // public members only, checked at creation
//   absl::StatusOr<std::string> jws = signer->Sign("token-introspection+jwt", payload_json);
#ifndef TOKENWARDEN_CORE_JWS_SIGNER_H_
#define TOKENWARDEN_CORE_JWS_SIGNER_H_

#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <openssl/base.h>

#include "core/algorithm.h"

namespace tokenwarden {

// JwsSigner holds one private signing key, its algorithm, its kid and its public JWK.
// Creation checks that the algorithm fits the key (the same key-fit rules Key applies to
// verification keys, RSA >= 2048 bits), builds the public JWK from the public components
// only, refuses it if it holds any private member, and signs and verifies one message with
// it, so a JWK whose private and public halves disagree never reaches a caller.
// Thread-safety: immutable after creation; Sign is const and may run concurrently (BoringSSL
// documents read-only key objects as safe to share).
class JwsSigner {
 public:
  JwsSigner(JwsSigner&&) noexcept;
  JwsSigner& operator=(JwsSigner&&) noexcept;
  ~JwsSigner();

  // FromPrivatePem loads the first private-key PEM block of `pem` ("PRIVATE KEY", "EC PRIVATE
  // KEY" or "RSA PRIVATE KEY"; an encrypted one is refused, as there is no passphrase to ask
  // for) to sign with `alg` under `kid` ("" = the RFC 7638 thumbprint of the public key).
  // Errors are kInvalidArgument with a message naming the problem, never key material.
  static absl::StatusOr<JwsSigner> FromPrivatePem(std::string_view pem, Algorithm alg,
                                                  std::string_view kid);

  // FromPrivateJwk loads one private JWK object (RFC 7518 §6.2.2, §6.3.2 with every CRT
  // member, RFC 8037 §2 for Ed25519). Its `alg`, `use`, `key_ops` and `kid` members, when
  // present, must agree with `alg`, signing and `kid` (`kid` "" takes the JWK's own kid, else
  // the thumbprint).
  static absl::StatusOr<JwsSigner> FromPrivateJwk(std::string_view jwk, Algorithm alg,
                                                  std::string_view kid);

  Algorithm alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // public_jwk is the public JWK object: its public members, "kid", "alg" and "use":"sig".
  const std::string& public_jwk() const { return public_jwk_; }
  // PublicJwks returns the JWK Set (RFC 7517 §5) holding public_jwk alone.
  std::string PublicJwks() const;

  // Sign returns the compact JWS of `payload_json` under the protected header
  // {"alg":…,"kid":…,"typ":`typ`}. The payload is signed as given: the caller makes it a JSON
  // object. Fails (kInternal) only when BoringSSL does, e.g. out of memory.
  absl::StatusOr<std::string> Sign(std::string_view typ, std::string_view payload_json) const;

 private:
  friend class JwsSignerBuilder;
  JwsSigner();

  Algorithm alg_ = Algorithm::kEs256;
  std::string kid_;
  std::string public_jwk_;
  bssl::UniquePtr<EVP_PKEY> pkey_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_JWS_SIGNER_H_
