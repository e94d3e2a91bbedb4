// The stored form of a client secret (secret_hash.h): parsed from the configuration, checked
// against presented secrets, made by `hash-secret`. Messages never repeat the input: it is
// credential material, and it ends up in logs.
#include "server/config/secret_hash.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/base64url.h"
#include "base/str_cat.h"

namespace tokenwarden::server {
namespace {

constexpr size_t kDigestLen = 32;  // SHA-256, and the PBKDF2 output length we store
// The salt HashSecret draws, and the least ParseSecretHash accepts.
constexpr size_t kSaltLen = 16;

constexpr char kForms[] =
    "expected \"sha256$<salt>$<digest>\" or "
    "\"pbkdf2-sha256$<iterations>$<salt>$<digest>\"";

std::vector<std::string_view> SplitDollar(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dollar = text.find('$', start);
    if (dollar == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, dollar - start));
    start = dollar + 1;
  }
}

// ParseIterations accepts canonical decimal only (no sign, no leading zero), so one count has
// one spelling; eight digits already exceed kMaxSecretHashIterations, which bounds the arithmetic.
std::optional<uint32_t> ParseIterations(std::string_view text) {
  if (text.empty() || text.size() > 8 || text[0] == '0') {
    return std::nullopt;
  }
  uint32_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n < kMinSecretHashIterations || n > kMaxSecretHashIterations) {
    return std::nullopt;
  }
  return n;
}

// DecodePart decodes `text` as strict unpadded base64url (base/base64url.h: no '=', no
// whitespace, zero trailing bits) into `out`; `what` names the part in the message.
absl::Status DecodePart(std::string_view text, std::string_view what, std::vector<uint8_t>& out) {
  const std::optional<std::string> bytes = base::Base64UrlDecodeToString(text);
  if (!bytes.has_value()) {
    return absl::InvalidArgumentError(base::StrCat(what, " is not canonical unpadded base64url"));
  }
  out.assign(bytes->begin(), bytes->end());
  return absl::OkStatus();
}

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

absl::StatusOr<SecretHash> ParseSecretHash(std::string_view text) {
  const std::vector<std::string_view> parts = SplitDollar(text);
  SecretHash out;
  size_t salt_index = 1;
  if (parts[0] == "sha256") {
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          "a sha256 secret hash has the form \"sha256$<salt>$<digest>\"");
    }
    out.scheme = SecretHash::Scheme::kSha256;
  } else if (parts[0] == "pbkdf2-sha256") {
    if (parts.size() != 4) {
      return absl::InvalidArgumentError(
          "a pbkdf2-sha256 secret hash has the form "
          "\"pbkdf2-sha256$<iterations>$<salt>$<digest>\"");
    }
    const std::optional<uint32_t> iterations = ParseIterations(parts[1]);
    if (!iterations.has_value()) {
      return absl::InvalidArgumentError(
          base::StrCat("pbkdf2-sha256 iterations must be a decimal integer between ",
                       kMinSecretHashIterations, " and ", kMaxSecretHashIterations));
    }
    out.scheme = SecretHash::Scheme::kPbkdf2Sha256;
    out.iterations = *iterations;
    salt_index = 2;
  } else {
    return absl::InvalidArgumentError(base::StrCat("unknown secret hash scheme; ", kForms));
  }
  absl::Status status = DecodePart(parts[salt_index], "salt", out.salt);
  if (!status.ok()) {
    return status;
  }
  if (out.salt.size() < kSaltLen) {
    return absl::InvalidArgumentError(
        base::StrCat("salt must be at least ", kSaltLen, " bytes, got ", out.salt.size()));
  }
  status = DecodePart(parts[salt_index + 1], "digest", out.digest);
  if (!status.ok()) {
    return status;
  }
  if (out.digest.size() != kDigestLen) {
    return absl::InvalidArgumentError(
        base::StrCat("digest must be ", kDigestLen, " bytes (SHA-256), got ", out.digest.size()));
  }
  return out;
}

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
