#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "base/base64url.h"
#include "server/config/config.h"

namespace tokenwarden::server {
namespace {

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

}  // namespace
}  // namespace tokenwarden::server
