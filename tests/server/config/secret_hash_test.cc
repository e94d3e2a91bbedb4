// The stored form of a client secret (server/config/secret_hash.h), all three sides of it:
// parsing (every accepted and refused spelling, messages that never echo the value),
// checking (known answers, bit flips, malformed stored forms) and making (HashSecret's output
// parses and verifies, so the maker and the parser cannot drift apart).
#include "server/config/secret_hash.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "base/base64url.h"

namespace tokenwarden::server {
namespace {

// Parsing.

std::string Encoded(size_t len, uint8_t fill) {
  return base::Base64UrlEncode(std::vector<uint8_t>(len, fill));
}

const std::string kSalt = Encoded(16, 0x5a);    // 22 characters
const std::string kDigest = Encoded(32, 0xc3);  // 43 characters

TEST(SecretHashTest, ParsesSha256) {
  absl::StatusOr<SecretHash> hash = ParseSecretHash("sha256$" + kSalt + "$" + kDigest);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->scheme, SecretHash::Scheme::kSha256);
  EXPECT_EQ(hash->iterations, 0u);
  EXPECT_EQ(hash->salt, std::vector<uint8_t>(16, 0x5a));
  EXPECT_EQ(hash->digest, std::vector<uint8_t>(32, 0xc3));
}

TEST(SecretHashTest, ParsesPbkdf2Sha256) {
  const std::string salt = Encoded(32, 0x01);
  absl::StatusOr<SecretHash> hash = ParseSecretHash("pbkdf2-sha256$600000$" + salt + "$" + kDigest);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->scheme, SecretHash::Scheme::kPbkdf2Sha256);
  EXPECT_EQ(hash->iterations, 600000u);
  EXPECT_EQ(hash->salt, std::vector<uint8_t>(32, 0x01));
  EXPECT_EQ(hash->digest, std::vector<uint8_t>(32, 0xc3));
}

TEST(SecretHashTest, AcceptsIterationBounds) {
  for (const char* iterations : {"10000", "10000000"}) {
    absl::StatusOr<SecretHash> hash =
        ParseSecretHash(std::string("pbkdf2-sha256$") + iterations + "$" + kSalt + "$" + kDigest);
    EXPECT_TRUE(hash.ok()) << iterations << ": " << hash.status();
  }
}

struct BadHash {
  std::string name;
  std::string text;
  std::string message;
};

void PrintTo(const BadHash& c, std::ostream* os) { *os << c.name; }

std::string TestName(const testing::TestParamInfo<BadHash>& param) { return param.param.name; }

class SecretHashRejectTest : public testing::TestWithParam<BadHash> {};

TEST_P(SecretHashRejectTest, RejectsWithoutEchoingTheValue) {
  const BadHash& c = GetParam();
  absl::StatusOr<SecretHash> hash = ParseSecretHash(c.text);
  ASSERT_FALSE(hash.ok());
  EXPECT_EQ(hash.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(hash.status().message());
  EXPECT_EQ(message, c.message);
  // The stored form is credential material: neither it nor its salt or digest may leak.
  EXPECT_EQ(message.find(kSalt.substr(0, 8)), std::string::npos) << message;
  EXPECT_EQ(message.find(kDigest.substr(0, 8)), std::string::npos) << message;
}

const std::string kIterationsMessage =
    "pbkdf2-sha256 iterations must be a decimal integer between 10000 and 10000000";
const std::string kSha256Form = "a sha256 secret hash has the form \"sha256$<salt>$<digest>\"";
const std::string kPbkdf2Form =
    "a pbkdf2-sha256 secret hash has the form \"pbkdf2-sha256$<iterations>$<salt>$<digest>\"";
const std::string kUnknownScheme =
    "unknown secret hash scheme; expected \"sha256$<salt>$<digest>\" or "
    "\"pbkdf2-sha256$<iterations>$<salt>$<digest>\"";

INSTANTIATE_TEST_SUITE_P(
    All, SecretHashRejectTest,
    testing::Values(
        BadHash{"Empty", "", kUnknownScheme},
        BadHash{"PlainSecret", "hunter2-" + kSalt, kUnknownScheme},
        BadHash{"UnknownScheme", "md5$" + kSalt + "$" + kDigest, kUnknownScheme},
        BadHash{"SchemeCase", "SHA256$" + kSalt + "$" + kDigest, kUnknownScheme},
        BadHash{"Sha256TooFewParts", "sha256$" + kSalt + kDigest, kSha256Form},
        BadHash{"Sha256TooManyParts", "sha256$" + kSalt + "$" + kDigest + "$", kSha256Form},
        BadHash{"Sha256WithIterations", "sha256$10000$" + kSalt + "$" + kDigest, kSha256Form},
        BadHash{"Pbkdf2WithoutIterations", "pbkdf2-sha256$" + kSalt + "$" + kDigest, kPbkdf2Form},
        BadHash{"IterationsTooLow", "pbkdf2-sha256$9999$" + kSalt + "$" + kDigest,
                kIterationsMessage},
        BadHash{"IterationsTooHigh", "pbkdf2-sha256$10000001$" + kSalt + "$" + kDigest,
                kIterationsMessage},
        BadHash{"IterationsLeadingZero", "pbkdf2-sha256$010000$" + kSalt + "$" + kDigest,
                kIterationsMessage},
        BadHash{"IterationsSign", "pbkdf2-sha256$+10000$" + kSalt + "$" + kDigest,
                kIterationsMessage},
        BadHash{"IterationsExponent", "pbkdf2-sha256$1e5$" + kSalt + "$" + kDigest,
                kIterationsMessage},
        BadHash{"IterationsEmpty", "pbkdf2-sha256$$" + kSalt + "$" + kDigest, kIterationsMessage},
        BadHash{"IterationsHuge", "pbkdf2-sha256$99999999999999999999$" + kSalt + "$" + kDigest,
                kIterationsMessage},
        BadHash{"SaltPadded", "sha256$" + kSalt + "==$" + kDigest,
                "salt is not canonical unpadded base64url"},
        BadHash{"SaltStandardAlphabet", "sha256$" + kSalt.substr(0, 20) + "+/$" + kDigest,
                "salt is not canonical unpadded base64url"},
        BadHash{"SaltWhitespace", "sha256$" + kSalt + " $" + kDigest,
                "salt is not canonical unpadded base64url"},
        // 22 characters carry 132 bits for 128: the last character's low 4 bits must be 0.
        BadHash{"SaltNonCanonicalTail", "sha256$" + kSalt.substr(0, 21) + "B$" + kDigest,
                "salt is not canonical unpadded base64url"},
        BadHash{"SaltImpossibleLength", "sha256$" + kSalt.substr(0, 21) + "$" + kDigest,
                "salt is not canonical unpadded base64url"},
        BadHash{"SaltEmpty", "sha256$$" + kDigest, "salt must be at least 16 bytes, got 0"},
        BadHash{"SaltTooShort", "sha256$" + Encoded(15, 0x5a) + "$" + kDigest,
                "salt must be at least 16 bytes, got 15"},
        BadHash{"DigestPadded", "sha256$" + kSalt + "$" + kDigest + "=",
                "digest is not canonical unpadded base64url"},
        BadHash{"DigestBadCharacter", "sha256$" + kSalt + "$" + kDigest.substr(0, 42) + "*",
                "digest is not canonical unpadded base64url"},
        BadHash{"DigestTooShort", "sha256$" + kSalt + "$" + Encoded(31, 0xc3),
                "digest must be 32 bytes (SHA-256), got 31"},
        BadHash{"DigestTooLong", "pbkdf2-sha256$10000$" + kSalt + "$" + Encoded(33, 0xc3),
                "digest must be 32 bytes (SHA-256), got 33"}),
    TestName);

// Checking.

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
  absl::StatusOr<SecretHash> h = ParseSecretHash(stored);
  ASSERT_TRUE(h.ok()) << h.status() << " for " << stored;
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
  absl::StatusOr<SecretHash> h = ParseSecretHash(stored);
  ASSERT_TRUE(h.ok()) << h.status() << " for " << stored;
  EXPECT_EQ(h->scheme, SecretHash::Scheme::kPbkdf2Sha256);
  EXPECT_EQ(h->iterations, 10000u);
  EXPECT_EQ(h->salt.size(), 16u);
  EXPECT_EQ(h->digest.size(), 32u);
  EXPECT_TRUE(VerifySecret(*h, "s3cret"));
  EXPECT_FALSE(VerifySecret(*h, "s3cre"));
}

TEST(SecretHashTest, HashSecretUsesAFreshSalt) {
  absl::StatusOr<SecretHash> a = ParseSecretHash(HashSecret("same", 0));
  absl::StatusOr<SecretHash> b = ParseSecretHash(HashSecret("same", 0));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->digest, b->digest);
}

// Making, read back by the parser.

TEST(StoredFormTest, ParseSecretHashAcceptsHashSecretOutput) {
  for (const uint32_t iterations : {0u, 10000u, 600000u}) {
    const std::string stored = HashSecret("client-secret-0123456789", iterations);
    absl::StatusOr<SecretHash> parsed = ParseSecretHash(stored);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << " for " << stored;
    EXPECT_EQ(parsed->iterations, iterations);
    EXPECT_TRUE(VerifySecret(*parsed, "client-secret-0123456789"));
    EXPECT_FALSE(VerifySecret(*parsed, "client-secret-012345678"));
  }
}

TEST(StoredFormTest, EmptySecretHasNoStoredForm) {
  EXPECT_FALSE(ParseSecretHash(HashSecret("", 0)).ok());
}

}  // namespace
}  // namespace tokenwarden::server
