#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server/auth/client_auth.h"
#include "tests/server/auth/stored_secret.h"

namespace tokenwarden::server {
namespace {

using testing::StoredSecret;

std::vector<uint8_t> Hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::vector<uint8_t> Bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

SecretHash Sha256Hash(std::string_view salt, std::string_view digest_hex) {
  SecretHash h;
  h.scheme = SecretHash::Scheme::kSha256;
  h.salt = Bytes(salt);
  h.digest = Hex(digest_hex);
  return h;
}

SecretHash Pbkdf2Hash(uint32_t iterations, std::string_view salt, std::string_view digest_hex) {
  SecretHash h = Sha256Hash(salt, digest_hex);
  h.scheme = SecretHash::Scheme::kPbkdf2Sha256;
  h.iterations = iterations;
  return h;
}

// FIPS 180-2 B.1: SHA-256("abc"). Stored as salt "a" || secret "bc", so this also pins the
// order salt-then-secret.
constexpr std::string_view kSha256Abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// RFC 7914 §11: PBKDF2-HMAC-SHA256, first 32 bytes of each 64-byte output.
constexpr std::string_view kPbkdf2Passwd =
    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc";  // c = 1
constexpr std::string_view kPbkdf2Password =
    "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56";  // c = 80000

TEST(SecretHashTest, Sha256KnownAnswer) {
  const SecretHash h = Sha256Hash("a", kSha256Abc);
  EXPECT_TRUE(VerifySecret(h, "bc"));
  EXPECT_FALSE(VerifySecret(h, "b"));
  EXPECT_FALSE(VerifySecret(h, "bcd"));
  EXPECT_FALSE(VerifySecret(Sha256Hash("", kSha256Abc), "bc"));  // salt is not optional
  EXPECT_TRUE(VerifySecret(Sha256Hash("", kSha256Abc), "abc"));
}

TEST(SecretHashTest, Pbkdf2KnownAnswers) {
  EXPECT_TRUE(VerifySecret(Pbkdf2Hash(1, "salt", kPbkdf2Passwd), "passwd"));
  EXPECT_FALSE(VerifySecret(Pbkdf2Hash(2, "salt", kPbkdf2Passwd), "passwd"));
  EXPECT_FALSE(VerifySecret(Pbkdf2Hash(1, "salt", kPbkdf2Passwd), "passwe"));
  EXPECT_TRUE(VerifySecret(Pbkdf2Hash(80000, "NaCl", kPbkdf2Password), "Password"));
  // Same digest under the other scheme does not match.
  SecretHash wrong_scheme = Pbkdf2Hash(1, "salt", kPbkdf2Passwd);
  wrong_scheme.scheme = SecretHash::Scheme::kSha256;
  EXPECT_FALSE(VerifySecret(wrong_scheme, "passwd"));
}

TEST(SecretHashTest, RejectsEveryDigestBitFlip) {
  const SecretHash good = Sha256Hash("a", kSha256Abc);
  for (size_t bit = 0; bit < 256; ++bit) {
    SecretHash h = good;
    h.digest[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(VerifySecret(h, "bc")) << bit;
  }
}

TEST(SecretHashTest, RejectsMalformedStoredForms) {
  SecretHash short_digest = Sha256Hash("a", kSha256Abc);
  short_digest.digest.pop_back();
  EXPECT_FALSE(VerifySecret(short_digest, "bc"));
  SecretHash long_digest = Sha256Hash("a", kSha256Abc);
  long_digest.digest.push_back(0);
  EXPECT_FALSE(VerifySecret(long_digest, "bc"));
  EXPECT_FALSE(VerifySecret(Pbkdf2Hash(0, "salt", kPbkdf2Passwd), "passwd"));
  EXPECT_FALSE(VerifySecret(SecretHash{}, ""));
}

TEST(SecretHashTest, EmptySecretNeverVerifies) {
  // SHA-256("") under an empty salt: the digest matches, the empty secret is still refused.
  EXPECT_FALSE(VerifySecret(
      Sha256Hash("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), ""));
  EXPECT_EQ(HashSecret("", 0), "");
  EXPECT_EQ(HashSecret("", 10000), "");
}

TEST(SecretHashTest, HashSecretSha256RoundTrips) {
  const std::string stored = HashSecret("correct horse battery staple", 0);
  ASSERT_TRUE(stored.starts_with("sha256$")) << stored;
  std::optional<SecretHash> h = StoredSecret(stored);
  ASSERT_TRUE(h.has_value()) << stored;
  EXPECT_EQ(h->scheme, SecretHash::Scheme::kSha256);
  EXPECT_EQ(h->salt.size(), 16u);
  EXPECT_EQ(h->digest.size(), 32u);
  EXPECT_TRUE(VerifySecret(*h, "correct horse battery staple"));
  EXPECT_FALSE(VerifySecret(*h, "correct horse battery stapl"));
  EXPECT_EQ(stored.find('='), std::string::npos);  // unpadded base64url
}

TEST(SecretHashTest, HashSecretPbkdf2RoundTrips) {
  const std::string stored = HashSecret("s3cret", 10000);
  ASSERT_TRUE(stored.starts_with("pbkdf2-sha256$10000$")) << stored;
  std::optional<SecretHash> h = StoredSecret(stored);
  ASSERT_TRUE(h.has_value()) << stored;
  EXPECT_EQ(h->scheme, SecretHash::Scheme::kPbkdf2Sha256);
  EXPECT_EQ(h->iterations, 10000u);
  EXPECT_EQ(h->salt.size(), 16u);
  EXPECT_EQ(h->digest.size(), 32u);
  EXPECT_TRUE(VerifySecret(*h, "s3cret"));
  EXPECT_FALSE(VerifySecret(*h, "s3cre"));
}

TEST(SecretHashTest, HashSecretUsesAFreshSalt) {
  std::optional<SecretHash> a = StoredSecret(HashSecret("same", 0));
  std::optional<SecretHash> b = StoredSecret(HashSecret("same", 0));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->digest, b->digest);
}

}  // namespace
}  // namespace tokenwarden::server
