#ifndef TOKENWARDEN_CORE_KEY_H_
#define TOKENWARDEN_CORE_KEY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <openssl/base.h>

#include "core/algorithm.h"

namespace tokenwarden {

namespace internal {
struct HmacState;
}  // namespace internal

// KeyFingerprint identifies a key by everything that decides what it verifies: its type,
// material, algorithms, kid and issuer member (128 bits of a SHA-256 over them). Two keys
// with equal fingerprints accept exactly the same tokens.
using KeyFingerprint = std::array<uint8_t, 16>;

// Key is one verification key, its BoringSSL object built once at load so that verifying
// costs no import or parse. The algorithms it may verify are fixed at load by the key-fit
// rules (RFC 7518 §3, RFC 8725 §3.1): RSA >= 2048 bits for RS*/PS*; EC P-256/P-384/P-521 for
// exactly ES256/ES384/ES512; OKP Ed25519 for EdDSA; oct of at least the hash length for HS*.
// A JWK `alg` member narrows that to one algorithm. So no algorithm confusion is possible:
// an RSA key can never serve as an HMAC secret.
// Thread-safety: immutable after creation; BoringSSL documents its key objects as safe to use
// read-only from several threads.
class Key {
 public:
  Key(Key&&) noexcept;
  Key& operator=(Key&&) noexcept;
  ~Key();

  // FromJwk parses one JWK object (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2). Returns
  // kUnimplemented for a well-formed key we do not verify with (an unsupported kty, crv or
  // alg; "use" other than "sig"; key_ops without "verify"), kInvalidArgument for a malformed
  // or too weak one. Messages name the culprit.
  static absl::StatusOr<Key> FromJwk(std::string_view json);

  // FromPem parses a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) holding an RSA, EC (P-256,
  // P-384, P-521) or Ed25519 key; without one, it takes the public key of the first PEM
  // "CERTIFICATE" (X.509), whose own contents (issuer, dates, extensions) are not checked.
  static absl::StatusOr<Key> FromPem(std::string_view pem);

  KeyType type() const { return type_; }
  const std::optional<std::string>& kid() const { return kid_; }
  // issuer is the JWK's `issuer` member, Microsoft Entra ID's extension: the issuer whose
  // tokens this key may verify, possibly a {tenantid} template (KeyIssuerMatches).
  const std::optional<std::string>& issuer() const { return issuer_; }
  AlgorithmSet algorithms() const { return algorithms_; }
  // bits is the RSA modulus size, the EC group order size, 256 for Ed25519, 8 x secret length.
  int bits() const { return bits_; }
  // Fingerprint computes the key's KeyFingerprint (a hash per call: KeySet keeps them).
  KeyFingerprint Fingerprint() const;

  // Describe says what the key is, e.g. `RSA 2048-bit key "k1"`, for messages.
  std::string Describe() const;

  // The prepared material; exactly the one matching type() is set.
  const RSA* rsa() const { return rsa_.get(); }
  const EC_KEY* ec() const { return ec_.get(); }
  const std::array<uint8_t, 32>& ed25519() const { return ed25519_; }
  std::string_view secret() const { return secret_; }
  // hmac is the prepared HMAC key schedule of an oct key (null otherwise).
  const internal::HmacState* hmac() const { return hmac_.get(); }

 private:
  friend class KeyBuilder;
  Key();

  KeyType type_ = KeyType::kRsa;
  std::optional<std::string> kid_;
  std::optional<std::string> issuer_;
  AlgorithmSet algorithms_;
  int bits_ = 0;
  bssl::UniquePtr<RSA> rsa_;
  bssl::UniquePtr<EC_KEY> ec_;
  std::array<uint8_t, 32> ed25519_{};
  std::string secret_;
  std::unique_ptr<internal::HmacState> hmac_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_KEY_H_
