// VerifySecret and HashSecret: the two stored forms of a client secret (SecretHash in
// server/config/config.h) and how a presented secret is checked against them.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "server/auth/client_auth.h"

namespace tokenwarden::server {
namespace {

constexpr size_t kDigestLen = 32;  // SHA-256, and the PBKDF2 output length we store
constexpr size_t kSaltLen = 16;

// Derive computes the digest `stored`'s scheme gives `secret` under `stored.salt`. False when
// the scheme cannot run (PBKDF2 with zero iterations, an allocation failure).
bool Derive(const SecretHash& stored, std::string_view secret, uint8_t (&out)[kDigestLen]) {
  switch (stored.scheme) {
    case SecretHash::Scheme::kSha256: {
      SHA256_CTX ctx;
      SHA256_Init(&ctx);
      SHA256_Update(&ctx, stored.salt.data(), stored.salt.size());
      SHA256_Update(&ctx, secret.data(), secret.size());
      SHA256_Final(out, &ctx);
      return true;
    }
    case SecretHash::Scheme::kPbkdf2Sha256:
      if (stored.iterations == 0 ||
          PKCS5_PBKDF2_HMAC(secret.data(), secret.size(), stored.salt.data(), stored.salt.size(),
                            stored.iterations, EVP_sha256(), kDigestLen, out) != 1) {
        ERR_clear_error();
        return false;
      }
      return true;
  }
  return false;
}

}  // namespace

bool VerifySecret(const SecretHash& stored, std::string_view secret) {
  uint8_t derived[kDigestLen];
  // Derive even for an empty secret or a malformed digest, so those answers take as long.
  const bool derived_ok = Derive(stored, secret, derived);
  // Only the (public) digest length decides whether the compare runs; its content does not.
  if (stored.digest.size() != kDigestLen) {
    return false;
  }
  const bool equal = CRYPTO_memcmp(derived, stored.digest.data(), kDigestLen) == 0;
  OPENSSL_cleanse(derived, sizeof(derived));
  // HashSecret never stores an empty secret; refuse one whatever the configuration says.
  return derived_ok && equal && !secret.empty();
}

std::string HashSecret(std::string_view secret, uint32_t iterations) {
  if (secret.empty()) {
    return "";
  }
  SecretHash hash;
  hash.scheme = iterations == 0 ? SecretHash::Scheme::kSha256 : SecretHash::Scheme::kPbkdf2Sha256;
  hash.iterations = iterations;
  hash.salt.resize(kSaltLen);
  // BoringSSL's RAND_bytes draws from the OS and aborts rather than fail.
  RAND_bytes(hash.salt.data(), hash.salt.size());
  uint8_t digest[kDigestLen];
  if (!Derive(hash, secret, digest)) {
    return "";
  }
  const std::string salt = base::Base64UrlEncode(hash.salt);
  const std::string encoded_digest = base::Base64UrlEncode(std::span<const uint8_t>(digest));
  OPENSSL_cleanse(digest, sizeof(digest));
  if (iterations == 0) {
    return base::StrCat("sha256$", salt, "$", encoded_digest);
  }
  return base::StrCat("pbkdf2-sha256$", iterations, "$", salt, "$", encoded_digest);
}

}  // namespace tokenwarden::server
