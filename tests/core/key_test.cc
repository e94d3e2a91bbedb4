#include "core/key.h"

#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::B64;
using testing::EcKey;
using testing::EcKeyB;
using testing::Ed25519Key;
using testing::RsaKey;
using testing::TestKey;

AlgorithmSet SetOf(std::initializer_list<Algorithm> algs) {
  AlgorithmSet set;
  for (Algorithm alg : algs) {
    set.Add(alg);
  }
  return set;
}

const AlgorithmSet kRsaAlgorithms =
    SetOf({Algorithm::kRs256, Algorithm::kRs384, Algorithm::kRs512, Algorithm::kPs256,
           Algorithm::kPs384, Algorithm::kPs512});

void ExpectStatus(const absl::StatusOr<Key>& key, absl::StatusCode code, std::string_view needle) {
  ASSERT_FALSE(key.ok()) << "expected " << absl::StatusCodeToString(code);
  EXPECT_EQ(key.status().code(), code) << key.status();
  EXPECT_NE(std::string(key.status().message()).find(needle), std::string::npos)
      << "message should mention \"" << needle << "\": " << key.status();
}

const TestKey& Rsa1024() { return testing::Rsa1024Key(); }

// --- JWK --------------------------------------------------------------------------------------

TEST(KeyTest, ParsesRsaJwk) {
  absl::StatusOr<Key> key = Key::FromJwk(RsaKey().Jwk("rsa-1"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->type(), KeyType::kRsa);
  EXPECT_EQ(key->bits(), 2048);
  EXPECT_EQ(key->kid(), "rsa-1");
  EXPECT_EQ(key->algorithms(), kRsaAlgorithms);
  EXPECT_NE(key->rsa(), nullptr);
  EXPECT_EQ(key->ec(), nullptr);
  EXPECT_EQ(key->Describe(), "RSA 2048-bit key \"rsa-1\"");
}

TEST(KeyTest, ParsesFreshlyGeneratedRsaKey) {
  const TestKey fresh = TestKey::GenerateRsa(2048);
  absl::StatusOr<Key> key = Key::FromJwk(fresh.Jwk());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->bits(), 2048);
  absl::StatusOr<Key> pem = Key::FromPem(fresh.Pem());
  ASSERT_TRUE(pem.ok()) << pem.status();
}

TEST(KeyTest, ParsesEcJwkForEachCurve) {
  const struct {
    Algorithm alg;
    int bits;
  } kCurves[] = {{Algorithm::kEs256, 256}, {Algorithm::kEs384, 384}, {Algorithm::kEs512, 521}};
  for (const auto& c : kCurves) {
    absl::StatusOr<Key> key = Key::FromJwk(EcKey(c.alg).Jwk());
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->type(), KeyType::kEc);
    EXPECT_EQ(key->bits(), c.bits);
    EXPECT_EQ(key->algorithms(), SetOf({c.alg})) << "an EC key fits exactly one algorithm";
    EXPECT_FALSE(key->kid().has_value());
    EXPECT_NE(key->ec(), nullptr);
  }
}

TEST(KeyTest, ParsesEd25519Jwk) {
  absl::StatusOr<Key> key = Key::FromJwk(Ed25519Key().Jwk("ed"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->type(), KeyType::kOkp);
  EXPECT_EQ(key->bits(), 256);
  EXPECT_EQ(key->algorithms(), SetOf({Algorithm::kEdDsa}));
  EXPECT_EQ(key->Describe(), "Ed25519 256-bit key \"ed\"");
}

TEST(KeyTest, OctKeyFitsHashesItIsLongEnoughFor) {
  const struct {
    size_t len;
    AlgorithmSet want;
  } kCases[] = {
      {32, SetOf({Algorithm::kHs256})},
      {47, SetOf({Algorithm::kHs256})},
      {48, SetOf({Algorithm::kHs256, Algorithm::kHs384})},
      {64, SetOf({Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512})},
      {100, SetOf({Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512})},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<Key> key = Key::FromJwk(TestKey::Hmac(std::string(c.len, 'k')).Jwk());
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->type(), KeyType::kOct);
    EXPECT_EQ(key->algorithms(), c.want) << c.len;
    EXPECT_EQ(key->bits(), static_cast<int>(c.len * 8));
    EXPECT_EQ(key->secret(), std::string(c.len, 'k'));
  }
}

TEST(KeyTest, RejectsShortOctKey) {
  ExpectStatus(Key::FromJwk(TestKey::Hmac(std::string(31, 'k')).Jwk()),
               absl::StatusCode::kInvalidArgument, "31 bytes");
  ExpectStatus(Key::FromJwk(R"({"kty":"oct","k":""})"), absl::StatusCode::kInvalidArgument, "k");
}

TEST(KeyTest, RejectsRsa1024) {
  ExpectStatus(Key::FromJwk(Rsa1024().Jwk()), absl::StatusCode::kInvalidArgument, "1024");
}

TEST(KeyTest, RejectsRsaJwkWithoutModulusOrExponent) {
  const std::string n = B64(std::string(256, '\xc1'));
  ExpectStatus(Key::FromJwk(R"({"kty":"RSA","e":"AQAB"})"), absl::StatusCode::kInvalidArgument,
               "\"n\"");
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"RSA","n":")", n, "\"}")),
               absl::StatusCode::kInvalidArgument, "\"e\"");
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"RSA","n":")", n, R"(","e":65537})")),
               absl::StatusCode::kInvalidArgument, "\"e\"");
}

TEST(KeyTest, RejectsBadRsaExponent) {
  const std::string jwk = RsaKey().Jwk();
  const size_t e = jwk.find("\"e\":\"AQAB\"");
  ASSERT_NE(e, std::string::npos);
  for (std::string_view bad : {"AQ", "Ag", "AQAA", "AA"}) {  // 1, 2, 65536, 0
    std::string changed = jwk;
    changed.replace(e, 10, StrCat("\"e\":\"", bad, "\""));
    EXPECT_EQ(Key::FromJwk(changed).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(KeyTest, RejectsPaddedOrStandardBase64Members) {
  std::string jwk = RsaKey().Jwk();
  const size_t e = jwk.find("\"e\":\"AQAB\"");
  ASSERT_NE(e, std::string::npos);
  std::string padded = jwk;
  padded.replace(e, 10, "\"e\":\"AQAB=\"");
  EXPECT_FALSE(Key::FromJwk(padded).ok());
  // A character of the standard alphabet.
  const std::string ed = Ed25519Key().Jwk();
  const size_t x = ed.find("\"x\":\"") + 5;
  // Built by concatenation: GCC 12 at -O3 reports a false -Werror=restrict inside
  // std::string::insert here.
  const std::string bad = StrCat(ed.substr(0, x), "+", ed.substr(x));
  EXPECT_FALSE(Key::FromJwk(bad).ok());
}

TEST(KeyTest, RejectsEcCoordinateOfWrongLength) {
  // RFC 7518 §6.2.1.2: coordinates are exactly the field size, leading zeros included.
  const std::string x = std::string(31, '\x01');
  const std::string y = std::string(32, '\x02');
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"EC","crv":"P-256","x":")", B64(x), R"(","y":")",
                                   B64(y), "\"}")),
               absl::StatusCode::kInvalidArgument, "32 bytes");
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"EC","crv":"P-256","x":")",
                                   B64(std::string(1, '\0') + y), R"(","y":")", B64(y), "\"}")),
               absl::StatusCode::kInvalidArgument, "32 bytes");
  // A P-256 key labelled P-384.
  std::string jwk = EcKey(Algorithm::kEs256).Jwk();
  jwk.replace(jwk.find("P-256"), 5, "P-384");
  ExpectStatus(Key::FromJwk(jwk), absl::StatusCode::kInvalidArgument, "48 bytes");
}

TEST(KeyTest, RejectsEcPointNotOnCurve) {
  // x from one key, y from another.
  const std::string a = EcKey(Algorithm::kEs256).Jwk();
  const std::string b = EcKeyB().Jwk();
  const size_t ya = a.find("\"y\":");
  const size_t yb = b.find("\"y\":");
  const std::string mixed = a.substr(0, ya) + b.substr(yb);
  ExpectStatus(Key::FromJwk(mixed), absl::StatusCode::kInvalidArgument, "not on the curve");
}

TEST(KeyTest, RejectsUnsupportedCurves) {
  const std::string c32 = B64(std::string(32, '\x01'));
  ExpectStatus(
      Key::FromJwk(StrCat(R"({"kty":"EC","crv":"secp256k1","x":")", c32, R"(","y":")", c32, "\"}")),
      absl::StatusCode::kUnimplemented, "secp256k1");
  ExpectStatus(
      Key::FromJwk(StrCat(R"({"kty":"OKP","crv":"Ed448","x":")", B64(std::string(57, 'x')), "\"}")),
      absl::StatusCode::kUnimplemented, "Ed448");
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"OKP","crv":"X25519","x":")", c32, "\"}")),
               absl::StatusCode::kUnimplemented, "X25519");
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"EC","x":")", c32, R"(","y":")", c32, "\"}")),
               absl::StatusCode::kInvalidArgument, "crv");
}

TEST(KeyTest, RejectsEd25519KeyOfWrongLength) {
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"OKP","crv":"Ed25519","x":")",
                                   B64(std::string(31, 'x')), "\"}")),
               absl::StatusCode::kInvalidArgument, "32 bytes");
}

TEST(KeyTest, RejectsUnknownOrMissingKty) {
  ExpectStatus(Key::FromJwk(R"({"kty":"XYZ","k":"AAAA"})"), absl::StatusCode::kUnimplemented,
               "XYZ");
  ExpectStatus(Key::FromJwk(R"({"kty":"rsa","n":"AAAA","e":"AQAB"})"),
               absl::StatusCode::kUnimplemented, "rsa");
  ExpectStatus(Key::FromJwk(R"({"n":"AAAA","e":"AQAB"})"), absl::StatusCode::kInvalidArgument,
               "kty");
  ExpectStatus(Key::FromJwk(R"({"kty":1})"), absl::StatusCode::kInvalidArgument, "kty");
}

TEST(KeyTest, AlgMemberNarrowsToOneAlgorithm) {
  absl::StatusOr<Key> rsa = Key::FromJwk(RsaKey().Jwk("r", "\"alg\":\"PS384\""));
  ASSERT_TRUE(rsa.ok()) << rsa.status();
  EXPECT_EQ(rsa->algorithms(), SetOf({Algorithm::kPs384}));
  absl::StatusOr<Key> oct =
      Key::FromJwk(TestKey::Hmac(std::string(64, 's')).Jwk(std::nullopt, "\"alg\":\"HS256\""));
  ASSERT_TRUE(oct.ok()) << oct.status();
  EXPECT_EQ(oct->algorithms(), SetOf({Algorithm::kHs256}));
  absl::StatusOr<Key> ec = Key::FromJwk(EcKey(Algorithm::kEs384).Jwk("e", "\"alg\":\"ES384\""));
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_EQ(ec->algorithms(), SetOf({Algorithm::kEs384}));
}

TEST(KeyTest, RejectsAlgMemberThatDoesNotFitTheKey) {
  ExpectStatus(Key::FromJwk(EcKey(Algorithm::kEs256).Jwk(std::nullopt, "\"alg\":\"ES384\"")),
               absl::StatusCode::kInvalidArgument, "ES384");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"alg\":\"ES256\"")),
               absl::StatusCode::kInvalidArgument, "ES256");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"alg\":\"HS256\"")),
               absl::StatusCode::kInvalidArgument, "HS256");
  ExpectStatus(
      Key::FromJwk(TestKey::Hmac(std::string(32, 's')).Jwk(std::nullopt, "\"alg\":\"HS512\"")),
      absl::StatusCode::kInvalidArgument, "HS512");
  ExpectStatus(Key::FromJwk(Ed25519Key().Jwk(std::nullopt, "\"alg\":\"ES256\"")),
               absl::StatusCode::kInvalidArgument, "ES256");
}

TEST(KeyTest, RejectsAlgMemberWeDoNotImplement) {
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"alg\":\"RSA-OAEP\"")),
               absl::StatusCode::kUnimplemented, "RSA-OAEP");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"alg\":\"none\"")),
               absl::StatusCode::kUnimplemented, "none");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"alg\":\"rs256\"")),
               absl::StatusCode::kUnimplemented, "rs256");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"alg\":256")),
               absl::StatusCode::kInvalidArgument, "alg");
}

TEST(KeyTest, AcceptsSignatureUse) {
  EXPECT_TRUE(Key::FromJwk(RsaKey().Jwk("k", "\"use\":\"sig\"")).ok());
  EXPECT_TRUE(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":[\"verify\"]")).ok());
  EXPECT_TRUE(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":[\"sign\",\"verify\"]")).ok());
}

TEST(KeyTest, RejectsEncryptionUseAsUnimplemented) {
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"use\":\"enc\"")), absl::StatusCode::kUnimplemented,
               "enc");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":[\"encrypt\",\"wrapKey\"]")),
               absl::StatusCode::kUnimplemented, "verify");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":[\"sign\"]")),
               absl::StatusCode::kUnimplemented, "verify");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":[]")), absl::StatusCode::kUnimplemented,
               "verify");
}

TEST(KeyTest, RejectsMalformedUsageMembers) {
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":\"verify\"")),
               absl::StatusCode::kInvalidArgument, "key_ops");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"key_ops\":[1]")),
               absl::StatusCode::kInvalidArgument, "key_ops");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("k", "\"use\":1")), absl::StatusCode::kInvalidArgument,
               "use");
}

TEST(KeyTest, IgnoresExtraMembers) {
  absl::StatusOr<Key> key = Key::FromJwk(
      RsaKey().Jwk("k", R"("x5c":["MIIB"],"x5t":"abc","x5t#S256":"def","issuer":"x","ext":true)"));
  ASSERT_TRUE(key.ok()) << key.status();
}

TEST(KeyTest, RejectsDuplicateMembers) {
  const std::string k = B64(std::string(32, 'a'));
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"oct","k":")", k, R"(","k":")", k, "\"}")),
               absl::StatusCode::kInvalidArgument, "repeats");
  ExpectStatus(Key::FromJwk(StrCat(R"({"kty":"oct","k":")", k, R"(","\u006b":")", k, "\"}")),
               absl::StatusCode::kInvalidArgument, "repeats");
  ExpectStatus(Key::FromJwk(RsaKey().Jwk("a", "\"kid\":\"b\"")), absl::StatusCode::kInvalidArgument,
               "repeats");
}

TEST(KeyTest, RejectsJwkThatIsNotAnObject) {
  EXPECT_EQ(Key::FromJwk("[]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Key::FromJwk("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Key::FromJwk("{\"kty\":").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Key::FromJwk("\"kty\"").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeyTest, RejectsJwkSetGivenAsSingleJwk) {
  ExpectStatus(Key::FromJwk(testing::JwksOf({RsaKey().Jwk("k")})),
               absl::StatusCode::kInvalidArgument, "JWK Set");
}

TEST(KeyTest, RejectsKidThatIsNotAString) {
  ExpectStatus(Key::FromJwk(RsaKey().Jwk(std::nullopt, "\"kid\":7")),
               absl::StatusCode::kInvalidArgument, "kid");
}

// --- PEM --------------------------------------------------------------------------------------

TEST(KeyTest, ParsesPemForEachKeyType) {
  const struct {
    const TestKey* key;
    KeyType type;
    AlgorithmSet algorithms;
    int bits;
  } kCases[] = {
      {&RsaKey(), KeyType::kRsa, kRsaAlgorithms, 2048},
      {&EcKey(Algorithm::kEs256), KeyType::kEc, SetOf({Algorithm::kEs256}), 256},
      {&EcKey(Algorithm::kEs384), KeyType::kEc, SetOf({Algorithm::kEs384}), 384},
      {&EcKey(Algorithm::kEs512), KeyType::kEc, SetOf({Algorithm::kEs512}), 521},
      {&Ed25519Key(), KeyType::kOkp, SetOf({Algorithm::kEdDsa}), 256},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<Key> key = Key::FromPem(c.key->Pem());
    ASSERT_TRUE(key.ok()) << key.status() << "\n" << c.key->Pem();
    EXPECT_EQ(key->type(), c.type);
    EXPECT_EQ(key->algorithms(), c.algorithms);
    EXPECT_EQ(key->bits(), c.bits);
    EXPECT_FALSE(key->kid().has_value());
  }
}

TEST(KeyTest, ParsesPemWithSurroundingTextAndCrlf) {
  std::string pem = EcKey(Algorithm::kEs256).Pem();
  std::string crlf;
  for (char c : pem) {
    if (c == '\n') {
      crlf += '\r';
    }
    crlf += c;
  }
  EXPECT_TRUE(Key::FromPem(crlf).ok());
  EXPECT_TRUE(Key::FromPem("Comment line\n" + pem + "trailing\n").ok());
}

// A certificate given as the key (a server's cert.pem, an x5c entry saved as PEM) is used
// for its public key: the same key, the same algorithms as its "PUBLIC KEY" block.
TEST(KeyTest, TakesThePublicKeyOfACertificate) {
  const struct {
    const TestKey* key;
    KeyType type;
    AlgorithmSet algorithms;
  } kCases[] = {
      {&RsaKey(), KeyType::kRsa, kRsaAlgorithms},
      {&EcKey(Algorithm::kEs256), KeyType::kEc, SetOf({Algorithm::kEs256})},
      {&EcKey(Algorithm::kEs384), KeyType::kEc, SetOf({Algorithm::kEs384})},
      {&Ed25519Key(), KeyType::kOkp, SetOf({Algorithm::kEdDsa})},
  };
  for (const auto& c : kCases) {
    const std::string cert = c.key->CertificatePem();
    ASSERT_NE(cert.find("-----BEGIN CERTIFICATE-----"), std::string::npos) << cert;
    absl::StatusOr<Key> key = Key::FromPem(cert);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->type(), c.type);
    EXPECT_EQ(key->algorithms(), c.algorithms);
    EXPECT_EQ(key->Describe(), Key::FromPem(c.key->Pem())->Describe());
    // With text before it and a chain after it: the first certificate counts.
    EXPECT_TRUE(Key::FromPem("subject=CN = x\n" + cert + EcKeyB().CertificatePem()).ok());
  }
}

TEST(KeyTest, RejectsBrokenCertificates) {
  ExpectStatus(Key::FromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
               absl::StatusCode::kInvalidArgument, "X.509 certificate");
  ExpectStatus(Key::FromPem("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
               absl::StatusCode::kInvalidArgument, "base64");
  // A certificate of a key too weak to verify with is refused for the key's reason.
  ExpectStatus(Key::FromPem(Rsa1024().CertificatePem()), absl::StatusCode::kInvalidArgument,
               "1024");
  ExpectStatus(Key::FromPem("nothing here"), absl::StatusCode::kInvalidArgument, "CERTIFICATE");
}

TEST(KeyTest, RejectsPkcs1RsaPublicKeyWithClearMessage) {
  std::string pem = RsaKey().Pem();
  // The header and footer of a PKCS#1 RSAPublicKey; the message must say how to convert.
  pem.replace(pem.find("BEGIN PUBLIC KEY"), 16, "BEGIN RSA PUBLIC KEY");
  pem.replace(pem.find("END PUBLIC KEY"), 14, "END RSA PUBLIC KEY");
  ExpectStatus(Key::FromPem(pem), absl::StatusCode::kInvalidArgument, "PKCS#1");
  ExpectStatus(Key::FromPem(pem), absl::StatusCode::kInvalidArgument, "SubjectPublicKeyInfo");
}

TEST(KeyTest, RejectsRsa1024Pem) {
  ExpectStatus(Key::FromPem(Rsa1024().Pem()), absl::StatusCode::kInvalidArgument, "1024");
}

TEST(KeyTest, RejectsBrokenPem) {
  EXPECT_FALSE(Key::FromPem("").ok());
  EXPECT_FALSE(Key::FromPem("hello").ok());
  EXPECT_FALSE(
      Key::FromPem("-----BEGIN PUBLIC KEY-----\nnot base64 !!!\n-----END PUBLIC KEY-----\n").ok());
  const std::string pem = RsaKey().Pem();
  EXPECT_FALSE(Key::FromPem(pem.substr(0, 200)).ok()) << "truncated";
  // Footer before header.
  EXPECT_FALSE(Key::FromPem("-----END PUBLIC KEY-----\n-----BEGIN PUBLIC KEY-----\n").ok());
  // A private key block is not a public key.
  EXPECT_FALSE(Key::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
}

TEST(KeyTest, RejectsSpkiWithTrailingData) {
  const std::string der = RsaKey().SpkiDer() + std::string("\x05\x00", 2);
  // Standard base64 with padding, as PEM uses.
  static constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string body;
  for (size_t i = 0; i < der.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(der[i]) << 16;
    if (i + 1 < der.size()) {
      v |= static_cast<uint8_t>(der[i + 1]) << 8;
    }
    if (i + 2 < der.size()) {
      v |= static_cast<uint8_t>(der[i + 2]);
    }
    body += kStd[v >> 18];
    body += kStd[(v >> 12) & 63];
    body += i + 1 < der.size() ? kStd[(v >> 6) & 63] : '=';
    body += i + 2 < der.size() ? kStd[v & 63] : '=';
  }
  ExpectStatus(
      Key::FromPem(StrCat("-----BEGIN PUBLIC KEY-----\n", body, "\n-----END PUBLIC KEY-----\n")),
      absl::StatusCode::kInvalidArgument, "SubjectPublicKeyInfo");
}

TEST(KeyTest, MovesWithoutLosingMaterial) {
  Key a = RsaKey().PublicKey("m");
  Key b = std::move(a);
  EXPECT_EQ(b.kid(), "m");
  EXPECT_NE(b.rsa(), nullptr);
  Key c = EcKey(Algorithm::kEs256).PublicKey();
  c = std::move(b);
  EXPECT_EQ(c.type(), KeyType::kRsa);
}

}  // namespace
}  // namespace tokenwarden
