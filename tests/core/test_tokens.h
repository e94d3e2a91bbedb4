// Test helpers shared by the core and server suites: key generation with BoringSSL, public key
// export (JWK, PEM SubjectPublicKeyInfo), JWS signing in the exact RFC 7518 encodings, and hand
// assembly of compact tokens (so tests can build tokens no honest library would produce).
#ifndef TOKENWARDEN_TESTS_CORE_TEST_TOKENS_H_
#define TOKENWARDEN_TESTS_CORE_TEST_TOKENS_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/base.h>

#include "core/algorithm.h"
#include "core/error.h"
#include "core/key.h"
#include "core/key_set.h"
#include "core/trace.h"

namespace tokenwarden {

// PrintTo makes GoogleTest print an Error as its wire code ("expired") in failure messages.
inline void PrintTo(Error error, std::ostream* os) { *os << ErrorCode(error); }

}  // namespace tokenwarden

namespace tokenwarden::testing {

// kNow is the evaluation time every test uses (2023-11-14T22:13:20Z).
inline constexpr int64_t kNow = 1700000000;

// TestKey is a private signing key plus exports of its public half.
// Thread-safety: immutable after creation.
class TestKey {
 public:
  TestKey(TestKey&&) noexcept;
  TestKey& operator=(TestKey&&) noexcept;
  ~TestKey();

  // GenerateRsa makes a fresh RSA key of `bits` (e = 65537).
  static TestKey GenerateRsa(int bits);
  // FromRsaPrivateKey loads a base64 PKCS#1 RSAPrivateKey DER.
  static TestKey FromRsaPrivateKey(std::string_view base64_der);
  // GenerateEc makes a fresh key on the curve ES256 / ES384 / ES512 use.
  static TestKey GenerateEc(Algorithm alg);
  // GenerateEd25519 makes a fresh Ed25519 key.
  static TestKey GenerateEd25519();
  // Hmac wraps `secret` as an oct key.
  static TestKey Hmac(std::string secret);

  KeyType type() const { return type_; }

  // Sign returns the JWS signature (raw bytes, RFC 7518 encoding) of `input` under `alg`.
  std::string Sign(Algorithm alg, std::string_view input) const;
  // SignPss signs with RSASSA-PSS using `hash_alg`'s hash for the message and `mgf1_alg`'s
  // for MGF1, with a salt of `salt_len` bytes (RFC 7518 wants the hash length).
  std::string SignPss(Algorithm hash_alg, Algorithm mgf1_alg, int salt_len,
                      std::string_view input) const;
  // SignEcdsaDer returns the ECDSA signature in DER (the wrong encoding for JWS).
  std::string SignEcdsaDer(Algorithm alg, std::string_view input) const;

  // JwkMembers returns the public JWK members without braces, e.g. `"kty":"EC","crv":...`.
  std::string JwkMembers() const;
  // Jwk returns the public JWK object, with a `kid` if given and `extra` raw members (e.g.
  // `"use":"sig"`) appended.
  std::string Jwk(std::optional<std::string_view> kid = std::nullopt,
                  std::string_view extra = "") const;
  // SpkiDer returns the DER SubjectPublicKeyInfo (asymmetric keys only).
  std::string SpkiDer() const;
  // Pem returns the PEM "PUBLIC KEY" block (64-character lines, trailing newline).
  std::string Pem() const;
  // PrivatePem returns the private key as a PEM "PRIVATE KEY" block (PKCS#8), and
  // PrivateDerPem in its type's own structure: "EC PRIVATE KEY" (SEC1) or "RSA PRIVATE KEY"
  // (PKCS#1). Asymmetric keys only.
  std::string PrivatePem() const;
  std::string PrivateDerPem() const;
  // PrivateJwk returns the private JWK object (every RSA CRT member; EC and OKP `d`), with
  // `extra` raw members (e.g. `"kid":"a"`) appended.
  std::string PrivateJwk(std::string_view extra = "") const;
  // CertificatePem returns a self-signed X.509 certificate for the key (CN tokenwarden-test,
  // valid for an hour from now) as a PEM "CERTIFICATE" block. Asymmetric keys only.
  std::string CertificatePem() const;
  // PublicKey loads the public half as a tokenwarden Key (through Key::FromJwk).
  Key PublicKey(std::optional<std::string_view> kid = std::nullopt) const;

  const RSA* rsa() const { return rsa_.get(); }
  const EC_KEY* ec() const { return ec_.get(); }
  const std::string& secret() const { return secret_; }
  // ec_half is the byte size of r and s (and of each coordinate).
  size_t ec_half() const;

 private:
  TestKey();
  // Evp returns the key (private half included) as an EVP_PKEY; null for an oct key.
  bssl::UniquePtr<EVP_PKEY> Evp() const;

  KeyType type_ = KeyType::kRsa;
  bssl::UniquePtr<RSA> rsa_;
  bssl::UniquePtr<EC_KEY> ec_;
  uint8_t ed25519_private_[64] = {};
  uint8_t ed25519_public_[32] = {};
  std::string secret_;
};

// RecordingTrace keeps every Trace::OnCheck call, in order.
class RecordingTrace : public Trace {
 public:
  struct Entry {
    std::string check;
    bool applied;
    Error result;
    std::string detail;
  };
  void OnCheck(std::string_view check, bool applied, Error result,
               std::string_view detail) override {
    entries.push_back(Entry{std::string(check), applied, result, std::string(detail)});
  }
  std::vector<Entry> entries;
};

// Shared keys, generated on first use and kept for the life of the test process.
const TestKey& RsaKey();      // RSA 2048 (fixed, see test_tokens.cc)
const TestKey& RsaKeyB();     // another RSA 2048 (fixed)
const TestKey& Rsa1024Key();  // a too-weak RSA 1024 (fixed)
const TestKey& EcKey(Algorithm alg);
const TestKey& EcKeyB();  // another P-256 key
const TestKey& Ed25519Key();
const TestKey& HmacKey();  // 64-byte secret: fits HS256, HS384 and HS512
// KeyFor returns the shared key `alg` is signed with.
const TestKey& KeyFor(Algorithm alg);

// AllAlgorithms lists every Algorithm in enum order.
std::vector<Algorithm> AllAlgorithms();

// B64 is base::Base64UrlEncode for brevity.
std::string B64(std::string_view bytes);

// Assemble joins base64url(header) . base64url(payload) . base64url(signature).
std::string Assemble(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature);
// Mint signs `header_json`.`payload_json` (both encoded as given) with `key` under `alg`.
std::string Mint(std::string_view header_json, std::string_view payload_json, const TestKey& key,
                 Algorithm alg);
// MintAlg mints with the header {"alg":"<alg>"} or {"alg":"<alg>","kid":"<kid>"}.
std::string MintAlg(Algorithm alg, const TestKey& key, std::string_view payload_json,
                    std::optional<std::string_view> kid = std::nullopt);
// SignSegments signs the already encoded `header_seg`.`payload_seg`.
std::string SignSegments(std::string_view header_seg, std::string_view payload_seg,
                         const TestKey& key, Algorithm alg);
// HmacSign computes an HS* MAC with an arbitrary `secret` (for confusion attacks).
std::string HmacSign(Algorithm alg, std::string_view secret, std::string_view input);

// Segments splits a token on '.'; helpers for tampering.
std::vector<std::string> Segments(std::string_view token);
// SignatureOf decodes the third segment of a well-formed token.
std::string SignatureOf(std::string_view token);
// WithSignature replaces the third segment with base64url(`signature`).
std::string WithSignature(std::string_view token, std::string_view signature);
// FlipBit returns `bytes` with bit `bit` (0 = MSB of byte 0) inverted.
std::string FlipBit(std::string bytes, size_t bit);
// BitsToFlip lists every bit of an `num_bits` signature when num_bits <= `max_all`, else
// `spread` bits spread evenly (first and last included).
std::vector<size_t> BitsToFlip(size_t num_bits, size_t max_all, size_t spread);

// ValidClaims is {"sub":"user-1","exp":kNow+3600}.
std::string ValidClaims();
// NestedPayload returns a claims object of total nesting `depth` (top level = 1) built from
// objects {"n":...} or arrays.
std::string NestedJson(size_t depth, bool arrays, std::string_view base_members);

// JwksOf wraps JWK objects as {"keys":[...]}.
std::string JwksOf(std::initializer_list<std::string> jwks);
std::string JwksOf(const std::vector<std::string>& jwks);
// MustJwks loads a JWK Set, failing the test (and returning nullptr) on error.
std::shared_ptr<const KeySet> MustJwks(std::string_view json);
// MustKeyFile loads a single key file.
std::shared_ptr<const KeySet> MustKeyFile(std::string_view contents);

// ReadFile returns a file's contents, or nullopt.
std::optional<std::string> ReadFile(const std::string& path);

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_CORE_TEST_TOKENS_H_
