// File: server/config/secret_hash.h
// -----------------------------------------------------------------------------
// The stored form of a client secret, defined once: the configuration parses it
// (ParseSecretHash), caller authentication checks presented secrets against it
// (VerifySecret), and `tokenwarden hash-secret` makes it (HashSecret). Never the secret itself:
//   "sha256$<salt>$<digest>"                       digest = SHA-256(salt || secret)
//   "pbkdf2-sha256$<iterations>$<salt>$<digest>"   digest = PBKDF2-HMAC-SHA256, 32 bytes
// salt and digest in unpadded base64url; salt >= 16 bytes, digest 32 bytes, iterations
// between kMinSecretHashIterations and kMaxSecretHashIterations in canonical decimal.
#ifndef TOKENWARDEN_SERVER_CONFIG_SECRET_HASH_H_
#define TOKENWARDEN_SERVER_CONFIG_SECRET_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

namespace tokenwarden::server {

// The PBKDF2 iteration counts ParseSecretHash accepts: the floor keeps a leaked configuration
// costly to brute-force, the ceiling keeps one check under a few seconds.
inline constexpr uint32_t kMinSecretHashIterations = 10000;
inline constexpr uint32_t kMaxSecretHashIterations = 10000000;

// SecretHash is a parsed stored form (see above).
struct SecretHash {
  enum class Scheme { kSha256, kPbkdf2Sha256 };
  Scheme scheme = Scheme::kSha256;
  uint32_t iterations = 0;  // PBKDF2 only (>= kMinSecretHashIterations)
  std::vector<uint8_t> salt;
  std::vector<uint8_t> digest;
};

// ParseSecretHash reads the stored form above; errors say what is wrong (not the value).
absl::StatusOr<SecretHash> ParseSecretHash(std::string_view text);

// VerifySecret reports whether `secret` matches `stored`. The final comparison is constant
// time. PBKDF2 costs `iterations` HMACs: callers memoize successes (ClientRegistry
// does).
bool VerifySecret(const SecretHash& stored, std::string_view secret);

// HashSecret makes the stored form of `secret` with a fresh random salt (the
// `tokenwarden hash-secret` command). `iterations` 0 picks "sha256", else "pbkdf2-sha256"
// (ParseSecretHash accepts kMinSecretHashIterations or more). An empty `secret` has no stored
// form: the result is "", which ParseSecretHash rejects, so an empty secret never
// authenticates.
std::string HashSecret(std::string_view secret, uint32_t iterations);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_CONFIG_SECRET_HASH_H_
