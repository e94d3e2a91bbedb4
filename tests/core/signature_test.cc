#include "core/signature.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>

#include "base/base64url.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using testing::AllAlgorithms;
using testing::BitsToFlip;
using testing::EcKey;
using testing::Ed25519Key;
using testing::FlipBit;
using testing::KeyFor;
using testing::RsaKey;
using testing::RsaKeyB;
using testing::TestKey;

constexpr std::string_view kInput = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ";

Error Verify(Algorithm alg, const Key& key, std::string_view input, std::string_view sig) {
  return VerifySignature(
      alg, key, input,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
}

std::string AlgName(const ::testing::TestParamInfo<Algorithm>& info) {
  return std::string(AlgorithmName(info.param));
}

Key HmacKeyCopy() { return testing::HmacKey().PublicKey(); }

class SignatureAlgorithmTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  Algorithm alg() const { return GetParam(); }
  const TestKey& signer() const { return KeyFor(alg()); }
  Key key() const { return signer().PublicKey(); }
};

TEST_P(SignatureAlgorithmTest, VerifiesOwnSignature) {
  const Key k = key();
  const std::string sig = signer().Sign(alg(), kInput);
  EXPECT_EQ(Verify(alg(), k, kInput, sig), Error::kOk);
}

// Every bit for the short signatures (HS*, EdDSA, ES256); 128 spread bits for RSA (2048 bits)
// and ES384 / ES512, where each verification is slower.
TEST_P(SignatureAlgorithmTest, RejectsEveryFlippedBit) {
  const Key k = key();
  const std::string sig = signer().Sign(alg(), kInput);
  ASSERT_EQ(Verify(alg(), k, kInput, sig), Error::kOk);
  const size_t max_all = RequiredKeyType(alg()) == KeyType::kRsa || alg() == Algorithm::kEs384 ||
                                 alg() == Algorithm::kEs512
                             ? 0
                             : 1024;
  const std::vector<size_t> bits = BitsToFlip(sig.size() * 8, max_all, 128);
  ASSERT_GE(bits.size(), 64u);
  for (size_t bit : bits) {
    EXPECT_EQ(Verify(alg(), k, kInput, FlipBit(sig, bit)), Error::kInvalidSignature)
        << "bit " << bit;
  }
}

TEST_P(SignatureAlgorithmTest, RejectsTruncatedAndExtendedSignature) {
  const Key k = key();
  const std::string sig = signer().Sign(alg(), kInput);
  EXPECT_EQ(Verify(alg(), k, kInput, ""), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, sig.substr(0, sig.size() - 1)), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, sig.substr(1)), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, sig.substr(0, sig.size() / 2)), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, sig + '\0'), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, std::string(1, '\0') + sig), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, sig + sig), Error::kInvalidSignature);
}

TEST_P(SignatureAlgorithmTest, RejectsChangedSigningInput) {
  const Key k = key();
  const std::string sig = signer().Sign(alg(), kInput);
  std::string input(kInput);
  input[5] ^= 1;
  EXPECT_EQ(Verify(alg(), k, input, sig), Error::kInvalidSignature);
  // Appended in place: GCC 12 misreads string(kInput) + "." as an out-of-bounds copy.
  std::string longer(kInput);
  longer.push_back('.');
  EXPECT_EQ(Verify(alg(), k, longer, sig), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput.substr(1), sig), Error::kInvalidSignature);
}

TEST_P(SignatureAlgorithmTest, RejectsAllZeroSignature) {
  const Key k = key();
  const std::string sig = signer().Sign(alg(), kInput);
  EXPECT_EQ(Verify(alg(), k, kInput, std::string(sig.size(), '\0')), Error::kInvalidSignature);
  EXPECT_EQ(Verify(alg(), k, kInput, std::string(sig.size(), '\xff')), Error::kInvalidSignature);
}

TEST_P(SignatureAlgorithmTest, RejectsSignatureOfAnotherKey) {
  const TestKey* other = nullptr;
  static const TestKey* const p384b = new TestKey(TestKey::GenerateEc(Algorithm::kEs384));
  static const TestKey* const p521b = new TestKey(TestKey::GenerateEc(Algorithm::kEs512));
  static const TestKey* const edb = new TestKey(TestKey::GenerateEd25519());
  static const TestKey* const hsb = new TestKey(TestKey::Hmac(std::string(64, 'z')));
  switch (alg()) {
    case Algorithm::kEs256:
      other = &testing::EcKeyB();
      break;
    case Algorithm::kEs384:
      other = p384b;
      break;
    case Algorithm::kEs512:
      other = p521b;
      break;
    case Algorithm::kEdDsa:
      other = edb;
      break;
    case Algorithm::kHs256:
    case Algorithm::kHs384:
    case Algorithm::kHs512:
      other = hsb;
      break;
    default:
      other = &RsaKeyB();
  }
  EXPECT_EQ(Verify(alg(), key(), kInput, other->Sign(alg(), kInput)), Error::kInvalidSignature);
}

// A key that does not fit `alg` answers kInvalidSignature, never another code or a crash.
TEST_P(SignatureAlgorithmTest, RejectsKeyThatDoesNotFit) {
  const std::string sig = signer().Sign(alg(), kInput);
  for (Algorithm other : AllAlgorithms()) {
    if (&KeyFor(other) == &signer()) {
      continue;  // the same key (RSA for RS*/PS*, the 64-byte secret for HS*) fits
    }
    const Key wrong = KeyFor(other).PublicKey();
    EXPECT_EQ(Verify(alg(), wrong, kInput, sig), Error::kInvalidSignature) << AlgorithmName(other);
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SignatureAlgorithmTest, ::testing::ValuesIn(AllAlgorithms()),
                         AlgName);

TEST(SignatureTest, RejectsSignatureUnderSiblingAlgorithm) {
  const Key rsa = RsaKey().PublicKey();
  const std::string rs256 = RsaKey().Sign(Algorithm::kRs256, kInput);
  EXPECT_EQ(Verify(Algorithm::kRs384, rsa, kInput, rs256), Error::kInvalidSignature);
  EXPECT_EQ(Verify(Algorithm::kPs256, rsa, kInput, rs256), Error::kInvalidSignature);
  const std::string ps256 = RsaKey().Sign(Algorithm::kPs256, kInput);
  EXPECT_EQ(Verify(Algorithm::kRs256, rsa, kInput, ps256), Error::kInvalidSignature);
  EXPECT_EQ(Verify(Algorithm::kPs384, rsa, kInput, ps256), Error::kInvalidSignature);
  const Key hmac = testing::HmacKey().PublicKey();
  const std::string hs256 = testing::HmacKey().Sign(Algorithm::kHs256, kInput);
  EXPECT_EQ(Verify(Algorithm::kHs384, hmac, kInput, hs256), Error::kInvalidSignature);
}

// RFC 7518 §3.5: the salt is exactly the hash length and MGF1 uses the same hash.
TEST(SignatureTest, RejectsPssWithWrongSaltLength) {
  const Key rsa = RsaKey().PublicKey();
  for (Algorithm alg : {Algorithm::kPs256, Algorithm::kPs384, Algorithm::kPs512}) {
    const int hash_len = static_cast<int>(HashLength(alg));
    ASSERT_EQ(Verify(alg, rsa, kInput, RsaKey().SignPss(alg, alg, hash_len, kInput)), Error::kOk);
    for (int salt : {0, 20, hash_len - 1, hash_len + 1}) {
      EXPECT_EQ(Verify(alg, rsa, kInput, RsaKey().SignPss(alg, alg, salt, kInput)),
                Error::kInvalidSignature)
          << AlgorithmName(alg) << " salt " << salt;
    }
  }
}

TEST(SignatureTest, RejectsPssWithOtherMgf1Hash) {
  const Key rsa = RsaKey().PublicKey();
  EXPECT_EQ(Verify(Algorithm::kPs256, rsa, kInput,
                   RsaKey().SignPss(Algorithm::kPs256, Algorithm::kPs512, 32, kInput)),
            Error::kInvalidSignature);
}

// ECDSA values outside [1, n-1] must fail (CVE-2022-21449 "psychic signatures").
class EcdsaRangeTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  const TestKey& signer() const { return EcKey(GetParam()); }
  std::string Scalar(const BIGNUM* v) const {
    std::string out(signer().ec_half(), '\0');
    EXPECT_EQ(BN_bn2bin_padded(reinterpret_cast<uint8_t*>(out.data()), out.size(), v), 1);
    return out;
  }
  std::string Order() const {
    return Scalar(EC_GROUP_get0_order(EC_KEY_get0_group(signer().ec())));
  }
};

TEST_P(EcdsaRangeTest, RejectsOutOfRangeScalars) {
  const Key key = signer().PublicKey();
  const std::string sig = signer().Sign(GetParam(), kInput);
  ASSERT_EQ(Verify(GetParam(), key, kInput, sig), Error::kOk);
  const size_t half = signer().ec_half();
  const std::string r = sig.substr(0, half);
  const std::string s = sig.substr(half);
  const std::string zero(half, '\0');
  std::string one(half, '\0');
  one.back() = 1;
  const std::string n = Order();
  const std::string all_ones(half, '\xff');
  const struct {
    std::string_view name;
    std::string sig;
  } kCases[] = {
      {"r=s=0", zero + zero}, {"r=0", zero + s},       {"s=0", r + zero},
      {"r=n", n + s},         {"s=n", r + n},          {"r=s=n", n + n},
      {"r=s=1", one + one},   {"r=max", all_ones + s}, {"s=max", r + all_ones},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(Verify(GetParam(), key, kInput, c.sig), Error::kInvalidSignature) << c.name;
  }
}

TEST_P(EcdsaRangeTest, RejectsDerEncodedSignature) {
  const Key key = signer().PublicKey();
  const std::string der = signer().SignEcdsaDer(GetParam(), kInput);
  ASSERT_EQ(static_cast<uint8_t>(der[0]), 0x30);
  EXPECT_EQ(Verify(GetParam(), key, kInput, der), Error::kInvalidSignature);
}

INSTANTIATE_TEST_SUITE_P(Curves, EcdsaRangeTest,
                         ::testing::Values(Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEs512),
                         AlgName);

TEST(SignatureTest, RejectsEd25519NonCanonicalS) {
  const Key key = Ed25519Key().PublicKey();
  std::string sig = Ed25519Key().Sign(Algorithm::kEdDsa, kInput);
  ASSERT_EQ(Verify(Algorithm::kEdDsa, key, kInput, sig), Error::kOk);
  // S + L (little endian), L = 2^252 + 27742317777372353535851937790883648493.
  static constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                     0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    const unsigned v = static_cast<uint8_t>(sig[32 + i]) + kL[i] + carry;
    sig[32 + i] = static_cast<char>(v & 0xff);
    carry = v >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_EQ(Verify(Algorithm::kEdDsa, key, kInput, sig), Error::kInvalidSignature);
}

// HMAC keys fit only the hashes they are at least as long as (RFC 7518 §3.2).
TEST(SignatureTest, AppliesHmacKeyLengthRules) {
  const struct {
    size_t len;
    bool hs256, hs384, hs512;
  } kCases[] = {{32, true, false, false}, {48, true, true, false}, {64, true, true, true}};
  for (const auto& c : kCases) {
    const TestKey secret = TestKey::Hmac(std::string(c.len, 'h'));
    const Key key = secret.PublicKey();
    const bool want[] = {c.hs256, c.hs384, c.hs512};
    const Algorithm algs[] = {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512};
    for (int i = 0; i < 3; ++i) {
      // The MAC itself is correct; only the key-fit rule decides.
      EXPECT_EQ(Verify(algs[i], key, kInput, secret.Sign(algs[i], kInput)),
                want[i] ? Error::kOk : Error::kInvalidSignature)
          << c.len << " bytes, " << AlgorithmName(algs[i]);
    }
  }
}

// Secrets longer than the hash block are hashed first (RFC 2104 §2); compare the prepared-key
// HMAC with BoringSSL's one-shot HMAC (TestKey::Sign) across the block boundaries.
TEST(SignatureTest, VerifiesHmacForEverySecretLengthClass) {
  for (size_t len : {64u, 65u, 100u, 127u, 128u, 129u, 300u}) {
    std::string secret;
    for (size_t i = 0; i < len; ++i) {
      secret.push_back(static_cast<char>(i * 13 + 1));
    }
    const TestKey signer = TestKey::Hmac(secret);
    const Key key = signer.PublicKey();
    for (Algorithm alg : {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
      const std::string sig = signer.Sign(alg, kInput);
      EXPECT_EQ(Verify(alg, key, kInput, sig), Error::kOk) << len << " " << AlgorithmName(alg);
      EXPECT_EQ(Verify(alg, key, kInput, FlipBit(sig, sig.size() * 8 - 1)),
                Error::kInvalidSignature);
    }
  }
}

TEST(SignatureTest, MovedKeyKeepsVerifying) {
  Key key = HmacKeyCopy();
  const std::string sig = testing::HmacKey().Sign(Algorithm::kHs512, kInput);
  Key moved = std::move(key);
  EXPECT_EQ(Verify(Algorithm::kHs512, moved, kInput, sig), Error::kOk);
  Key assigned = RsaKey().PublicKey();
  assigned = std::move(moved);
  EXPECT_EQ(Verify(Algorithm::kHs512, assigned, kInput, sig), Error::kOk);
}

TEST(SignatureTest, HmacVerifiesKnownVector) {
  // RFC 7515 Appendix A.1.
  const std::string jwk =
      R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
  absl::StatusOr<Key> key = Key::FromJwk(jwk);
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  const std::optional<std::string> sig =
      base::Base64UrlDecodeToString("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(Verify(Algorithm::kHs256, *key, input, *sig), Error::kOk);
}

// OIDC Core §A.3/§A.4: at_hash of access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
// with RS256 is "77QmUPtjPfzWtF2AnpK9RQ". The other rows were computed with Python's hashlib.
TEST(SignatureTest, HashLeftHalfMatchesKnownValues) {
  constexpr std::string_view kAccessToken = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
  const struct {
    Algorithm alg;
    size_t len;
    std::string_view b64;
  } kCases[] = {
      {Algorithm::kRs256, 16, "77QmUPtjPfzWtF2AnpK9RQ"},
      {Algorithm::kEs256, 16, "77QmUPtjPfzWtF2AnpK9RQ"},
      {Algorithm::kHs256, 16, "77QmUPtjPfzWtF2AnpK9RQ"},
      {Algorithm::kPs384, 24, "jtAeDp945y1dDqU3nkIVGNZP1HjH_MFs"},
      {Algorithm::kRs512, 32, "q7nS86GgvvFaZkzALLWqJYaJIKw2wCDAVfCAsm5CrBM"},
      {Algorithm::kEdDsa, 32, "q7nS86GgvvFaZkzALLWqJYaJIKw2wCDAVfCAsm5CrBM"},
  };
  for (const auto& c : kCases) {
    uint8_t out[64] = {};
    const size_t len = HashLeftHalf(c.alg, kAccessToken, out);
    ASSERT_EQ(len, c.len) << AlgorithmName(c.alg);
    EXPECT_EQ(base::Base64UrlEncode(std::span<const uint8_t>(out, len)), c.b64)
        << AlgorithmName(c.alg);
    for (size_t i = len; i < sizeof(out); ++i) {
      EXPECT_EQ(out[i], 0) << "wrote past the half at " << i;
    }
  }
}

}  // namespace
}  // namespace tokenwarden
