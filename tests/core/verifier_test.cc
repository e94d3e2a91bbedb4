#include "core/verifier.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::AllAlgorithms;
using testing::Assemble;
using testing::B64;
using testing::BitsToFlip;
using testing::EcKey;
using testing::Ed25519Key;
using testing::FlipBit;
using testing::HmacKey;
using testing::JwksOf;
using testing::KeyFor;
using testing::kNow;
using testing::Mint;
using testing::MintAlg;
using testing::MustJwks;
using testing::MustKeyFile;
using testing::NestedJson;
using testing::RecordingTrace;
using testing::RsaKey;
using testing::RsaKeyB;
using testing::Segments;
using testing::SignatureOf;
using testing::SignSegments;
using testing::TestKey;
using testing::ValidClaims;
using testing::WithSignature;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Kid is the kid each shared test key has in the JWK Set of these tests.
std::string Kid(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
      return "ec-256";
    case Algorithm::kEs384:
      return "ec-384";
    case Algorithm::kEs512:
      return "ec-521";
    case Algorithm::kEdDsa:
      return "ed";
    case Algorithm::kHs256:
    case Algorithm::kHs384:
    case Algorithm::kHs512:
      return "hs";
    default:
      return "rsa-1";
  }
}

// AllKeys is a JWK Set with one key for every algorithm plus a second RSA key.
std::shared_ptr<const KeySet> AllKeys() {
  static const std::shared_ptr<const KeySet>* const keys =
      new std::shared_ptr<const KeySet>(MustJwks(JwksOf({
          RsaKey().Jwk("rsa-1"),
          RsaKeyB().Jwk("rsa-2"),
          EcKey(Algorithm::kEs256).Jwk("ec-256"),
          EcKey(Algorithm::kEs384).Jwk("ec-384"),
          EcKey(Algorithm::kEs512).Jwk("ec-521"),
          Ed25519Key().Jwk("ed"),
          HmacKey().Jwk("hs"),
      })));
  return *keys;
}

std::shared_ptr<const KeySet> RsaOnly() {
  return MustJwks(JwksOf({RsaKey().Jwk("rsa-1"), RsaKeyB().Jwk("rsa-2")}));
}

std::unique_ptr<Verifier> MakeVerifier(std::shared_ptr<const KeySet> keys, Policy policy = {}) {
  absl::StatusOr<Verifier> verifier = Verifier::Create(std::move(policy), std::move(keys));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  if (!verifier.ok()) {
    return nullptr;
  }
  return std::make_unique<Verifier>(*std::move(verifier));
}

// WithTrailingBits returns a header or payload JSON object, padded with a "p" member until its
// base64url form has unused trailing bits (length % 4 is 2 or 3).
std::string WithTrailingBits(std::string_view members) {
  for (int i = 0; i < 8; ++i) {
    const std::string json = StrCat("{", members, ",\"p\":\"", std::string(i, 'p'), "\"}");
    if (B64(json).size() % 4 >= 2) {
      return json;
    }
  }
  ADD_FAILURE() << "unreachable";
  return "";
}

// NonCanonical sets an unused trailing bit of a base64url segment: lenient decoders read the
// same bytes, strict ones must refuse it.
std::string NonCanonical(std::string segment) {
  EXPECT_GE(segment.size() % 4, 2u) << segment;
  const size_t v = kAlphabet.find(segment.back());
  segment.back() = kAlphabet[v | 1];
  return segment;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    base::StrAppend(&out, i == 0 ? "" : ".", parts[i]);
  }
  return out;
}

class VerifierTest : public ::testing::Test {
 protected:
  Error Run(const Verifier& verifier, std::string_view token, int64_t now = kNow) {
    return verifier.Verify(token, now, scratch_, out_);
  }
  // RunAll verifies with the all-keys JWK Set and the default policy.
  Error RunAll(std::string_view token, Policy policy = {}) {
    std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys(), std::move(policy));
    return verifier == nullptr ? Error::kRevoked : Run(*verifier, token);
  }

  VerifyScratch scratch_;
  VerifiedToken out_;
};

std::string AlgName(const ::testing::TestParamInfo<Algorithm>& info) {
  return std::string(AlgorithmName(info.param));
}

// --- Every algorithm end to end ---------------------------------------------------------------

class VerifierAlgorithmTest : public VerifierTest,
                              public ::testing::WithParamInterface<Algorithm> {};

TEST_P(VerifierAlgorithmTest, VerifiesTokenFromJwks) {
  const Algorithm alg = GetParam();
  const std::string token = MintAlg(alg, KeyFor(alg), ValidClaims(), Kid(alg));
  ASSERT_EQ(RunAll(token), Error::kOk) << out_.detail;
  ASSERT_NE(out_.key, nullptr);
  EXPECT_EQ(out_.key->kid(), Kid(alg));
  EXPECT_EQ(out_.header.alg, alg);
}

TEST_P(VerifierAlgorithmTest, VerifiesTokenWithoutKid) {
  const Algorithm alg = GetParam();
  EXPECT_EQ(RunAll(MintAlg(alg, KeyFor(alg), ValidClaims())), Error::kOk) << out_.detail;
}

TEST_P(VerifierAlgorithmTest, VerifiesTokenWithSingleKeyFile) {
  const Algorithm alg = GetParam();
  const TestKey& key = KeyFor(alg);
  const std::string file = key.type() == KeyType::kOct ? key.Jwk("other-kid") : key.Pem();
  std::unique_ptr<Verifier> verifier = MakeVerifier(MustKeyFile(file));
  ASSERT_NE(verifier, nullptr);
  // A single key file ignores the token's kid.
  EXPECT_EQ(Run(*verifier, MintAlg(alg, key, ValidClaims(), "unrelated-kid")), Error::kOk)
      << out_.detail;
}

TEST_P(VerifierAlgorithmTest, RejectsFlippedSignatureBits) {
  const Algorithm alg = GetParam();
  std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys());
  ASSERT_NE(verifier, nullptr);
  const std::string token = MintAlg(alg, KeyFor(alg), ValidClaims(), Kid(alg));
  ASSERT_EQ(Run(*verifier, token), Error::kOk);
  const std::string sig = SignatureOf(token);
  const bool slow =
      RequiredKeyType(alg) == KeyType::kRsa || alg == Algorithm::kEs384 || alg == Algorithm::kEs512;
  for (size_t bit : BitsToFlip(sig.size() * 8, slow ? 0 : 1024, 64)) {
    EXPECT_EQ(Run(*verifier, WithSignature(token, FlipBit(sig, bit))), Error::kInvalidSignature)
        << "bit " << bit;
  }
}

TEST_P(VerifierAlgorithmTest, RejectsTruncatedAndExtendedSignature) {
  const Algorithm alg = GetParam();
  std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys());
  ASSERT_NE(verifier, nullptr);
  const std::string token = MintAlg(alg, KeyFor(alg), ValidClaims(), Kid(alg));
  const std::string sig = SignatureOf(token);
  EXPECT_EQ(Run(*verifier, WithSignature(token, sig.substr(0, sig.size() - 1))),
            Error::kInvalidSignature);
  EXPECT_EQ(Run(*verifier, WithSignature(token, sig.substr(1))), Error::kInvalidSignature);
  EXPECT_EQ(Run(*verifier, WithSignature(token, "")), Error::kInvalidSignature);
  EXPECT_EQ(Run(*verifier, WithSignature(token, sig + '\0')), Error::kInvalidSignature);
  EXPECT_EQ(Run(*verifier, WithSignature(token, sig + sig)), Error::kInvalidSignature);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, VerifierAlgorithmTest, ::testing::ValuesIn(AllAlgorithms()),
                         AlgName);

// --- alg none and algorithm confusion -----------------------------------------------------------

TEST_F(VerifierTest, RejectsAlgNoneInEverySpelling) {
  std::unique_ptr<Verifier> jwks = MakeVerifier(AllKeys());
  std::unique_ptr<Verifier> key_file = MakeVerifier(MustKeyFile(RsaKey().Pem()));
  ASSERT_NE(jwks, nullptr);
  ASSERT_NE(key_file, nullptr);
  for (std::string_view alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = StrCat(R"({"alg":")", alg, R"(","typ":"JWT","kid":"rsa-1"})");
    const std::string input = StrCat(B64(header), ".", B64(ValidClaims()));
    for (const std::string& token :
         {StrCat(input, "."), StrCat(input, ".", B64("junk-signature-bytes!")),
          StrCat(input, ".", B64(RsaKey().Sign(Algorithm::kRs256, input)))}) {
      EXPECT_EQ(Run(*jwks, token), Error::kUnsupportedAlgorithm) << alg;
      EXPECT_EQ(Run(*key_file, token), Error::kUnsupportedAlgorithm) << alg;
      EXPECT_FALSE(out_.detail.empty());
      EXPECT_EQ(out_.key, nullptr);
    }
  }
}

TEST_F(VerifierTest, RejectsUnknownAlgorithmNames) {
  for (std::string_view alg :
       {"HS1", "RS1", "ES256K", "RSA-OAEP", "PS", "rs256", "Rs256", "EDDSA", "RS256 ", ""}) {
    const std::string header = StrCat(R"({"alg":")", alg, R"("})");
    const std::string token = Mint(header, ValidClaims(), RsaKey(), Algorithm::kRs256);
    EXPECT_EQ(RunAll(token), Error::kUnsupportedAlgorithm) << alg;
  }
}

// The secrets an attacker might HMAC with when the verifier holds only an RSA public key.
std::vector<std::string> ConfusionSecrets() {
  const std::string pem = RsaKey().Pem();
  const std::string jwk = RsaKey().Jwk("rsa-1");
  const size_t n = jwk.find("\"n\":\"") + 5;
  return {pem, pem.substr(0, pem.size() - 1), RsaKey().SpkiDer(),
          base::Base64UrlDecodeToString(jwk.substr(n, jwk.find('"', n) - n)).value_or(""), jwk};
}

TEST_F(VerifierTest, RejectsHs256SignedWithRsaPublicKeyAsNotAllowed) {
  std::unique_ptr<Verifier> jwks = MakeVerifier(RsaOnly());
  std::unique_ptr<Verifier> pem = MakeVerifier(MustKeyFile(RsaKey().Pem()));
  std::unique_ptr<Verifier> jwk = MakeVerifier(MustKeyFile(RsaKey().Jwk("rsa-1")));
  ASSERT_TRUE(jwks && pem && jwk);
  for (const std::string& secret : ConfusionSecrets()) {
    for (std::string_view header :
         {R"({"alg":"HS256","typ":"JWT"})", R"({"alg":"HS256","typ":"JWT","kid":"rsa-1"})"}) {
      const std::string input = StrCat(B64(header), ".", B64(ValidClaims()));
      const std::string token =
          StrCat(input, ".", B64(testing::HmacSign(Algorithm::kHs256, secret, input)));
      EXPECT_EQ(Run(*jwks, token), Error::kAlgorithmNotAllowed) << header;
      EXPECT_EQ(Run(*pem, token), Error::kAlgorithmNotAllowed) << header;
      EXPECT_EQ(Run(*jwk, token), Error::kAlgorithmNotAllowed) << header;
    }
  }
}

TEST_F(VerifierTest, RejectsHs256SignedWithRsaPublicKeyEvenWhenHs256Allowed) {
  Policy policy;
  policy.algorithms.Add(Algorithm::kHs256);
  policy.algorithms.Add(Algorithm::kRs256);
  std::unique_ptr<Verifier> jwks = MakeVerifier(RsaOnly(), policy);
  std::unique_ptr<Verifier> pem = MakeVerifier(MustKeyFile(RsaKey().Pem()), policy);
  ASSERT_TRUE(jwks && pem);
  for (const std::string& secret : ConfusionSecrets()) {
    for (std::string_view header : {R"({"alg":"HS256"})", R"({"alg":"HS256","kid":"rsa-1"})"}) {
      const std::string input = StrCat(B64(header), ".", B64(ValidClaims()));
      const std::string token =
          StrCat(input, ".", B64(testing::HmacSign(Algorithm::kHs256, secret, input)));
      // An RSA key never serves as an HMAC secret, so no key fits HS256.
      EXPECT_EQ(Run(*jwks, token), Error::kKeyNotFound) << header;
      EXPECT_EQ(Run(*pem, token), Error::kKeyNotFound) << header;
    }
  }
}

TEST_F(VerifierTest, RejectsRs256TokenAgainstHmacOnlyKeys) {
  std::unique_ptr<Verifier> verifier = MakeVerifier(MustJwks(JwksOf({HmacKey().Jwk("hs")})));
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKey(), ValidClaims())),
            Error::kAlgorithmNotAllowed);
}

// --- Signature forgeries ----------------------------------------------------------------------

TEST_F(VerifierTest, RejectsEcdsaZeroSignature) {
  for (Algorithm alg : {Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEs512}) {
    const std::string token = MintAlg(alg, EcKey(alg), ValidClaims(), Kid(alg));
    const std::string zero(2 * EcKey(alg).ec_half(), '\0');
    EXPECT_EQ(RunAll(WithSignature(token, zero)), Error::kInvalidSignature) << AlgorithmName(alg);
    // Without a kid too: every fitting key is tried, none accepts.
    EXPECT_EQ(RunAll(WithSignature(MintAlg(alg, EcKey(alg), ValidClaims()), zero)),
              Error::kInvalidSignature);
  }
}

TEST_F(VerifierTest, RejectsDerEcdsaSignature) {
  for (Algorithm alg : {Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEs512}) {
    const std::string token = MintAlg(alg, EcKey(alg), ValidClaims(), Kid(alg));
    const std::string input = token.substr(0, token.rfind('.'));
    EXPECT_EQ(RunAll(WithSignature(token, EcKey(alg).SignEcdsaDer(alg, input))),
              Error::kInvalidSignature)
        << AlgorithmName(alg);
  }
}

TEST_F(VerifierTest, RejectsSignatureFromKeyOutsideTheSet) {
  const TestKey attacker = TestKey::GenerateEc(Algorithm::kEs256);
  EXPECT_EQ(RunAll(MintAlg(Algorithm::kEs256, attacker, ValidClaims(), "ec-256")),
            Error::kInvalidSignature);
}

// Entra ID's keys carry an `issuer` member: such a key verifies only tokens whose iss fits
// it, exactly or as a {tenantid} template filled from the token's GUID tid.
TEST_F(VerifierTest, KeyIssuerMemberLimitsWhichTokensTheKeyVerifies) {
  const std::string tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const std::string other = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
  std::unique_ptr<Verifier> verifier = MakeVerifier(MustJwks(JwksOf({
      RsaKey().Jwk("template", R"("issuer":"https://login.microsoftonline.com/{tenantid}/v2.0")"),
      RsaKeyB().Jwk("fixed",
                    StrCat(R"("issuer":"https://login.microsoftonline.com/)", tenant, R"(/v2.0")")),
  })));
  ASSERT_NE(verifier, nullptr);
  auto claims = [&](std::string_view tid, std::string_view iss_tenant) {
    return StrCat(R"({"sub":"u","exp":)", kNow + 60, R"(,"tid":")", tid,
                  R"(","iss":"https://login.microsoftonline.com/)", iss_tenant, R"(/v2.0"})");
  };
  EXPECT_EQ(
      Run(*verifier, MintAlg(Algorithm::kRs256, RsaKey(), claims(tenant, tenant), "template")),
      Error::kOk);
  EXPECT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKey(), claims(other, other), "template")),
            Error::kOk);
  // The template is filled from tid: an iss of another tenant does not fit.
  EXPECT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKey(), claims(other, tenant), "template")),
            Error::kInvalidIssuer);
  EXPECT_EQ(out_.detail, kDetailKeyOfAnotherIssuer);
  EXPECT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKeyB(), claims(tenant, tenant), "fixed")),
            Error::kOk);
  EXPECT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKeyB(), claims(other, other), "fixed")),
            Error::kInvalidIssuer);
  // A token without iss cannot fit a key that names its issuer.
  EXPECT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKeyB(), ValidClaims(), "fixed")),
            Error::kInvalidIssuer);
  // A non-string issuer member makes the key malformed, not silently unrestricted.
  EXPECT_FALSE(Key::FromJwk(RsaKey().Jwk("k", R"("issuer":7)")).ok());
}

// Microsoft Graph's tokens carry a nonce in the header and are signed over a hashed form of
// it: their signatures fail everywhere but at Graph, and the detail says what they are. A
// header nonce changes nothing else: a good signature still verifies.
TEST_F(VerifierTest, SaysWhenAFailedSignatureIsAMicrosoftApiToken) {
  const std::string header = R"({"alg":"RS256","kid":"rsa-1","typ":"JWT","nonce":"AbC-1"})";
  EXPECT_EQ(RunAll(Mint(header, ValidClaims(), RsaKey(), Algorithm::kRs256)), Error::kOk);
  EXPECT_EQ(RunAll(Mint(header, ValidClaims(), RsaKeyB(), Algorithm::kRs256)),
            Error::kInvalidSignature);
  EXPECT_EQ(out_.detail, kDetailMicrosoftApiToken);
  EXPECT_EQ(RunAll(MintAlg(Algorithm::kRs256, RsaKeyB(), ValidClaims(), "rsa-1")),
            Error::kInvalidSignature);
  EXPECT_EQ(out_.detail, "the signature does not verify");
}

// RFC 8725 §3.2 / RFC 7515 §4.1.3-4.1.6: jwk, jku, x5u and x5c in the header are never used.
TEST_F(VerifierTest, NeverUsesKeyEmbeddedInHeader) {
  const TestKey& attacker = RsaKeyB();
  std::unique_ptr<Verifier> verifier = MakeVerifier(MustJwks(JwksOf({RsaKey().Jwk("rsa-1")})));
  std::unique_ptr<Verifier> key_file = MakeVerifier(MustKeyFile(RsaKey().Pem()));
  ASSERT_TRUE(verifier && key_file);
  const std::string members[] = {
      StrCat(R"("jwk":)", attacker.Jwk("attacker")),
      R"("jku":"http://127.0.0.1:9/attacker/jwks.json")",
      R"("x5u":"http://127.0.0.1:9/attacker/cert.pem")",
      StrCat(R"("x5c":[")", B64(attacker.SpkiDer()), R"("])"),
  };
  for (const std::string& member : members) {
    const std::string no_kid =
        Mint(StrCat(R"({"alg":"RS256",)", member, "}"), ValidClaims(), attacker, Algorithm::kRs256);
    EXPECT_EQ(Run(*verifier, no_kid), Error::kInvalidSignature) << member;
    EXPECT_EQ(Run(*key_file, no_kid), Error::kInvalidSignature) << member;
    const std::string legit_kid = Mint(StrCat(R"({"alg":"RS256","kid":"rsa-1",)", member, "}"),
                                       ValidClaims(), attacker, Algorithm::kRs256);
    EXPECT_EQ(Run(*verifier, legit_kid), Error::kInvalidSignature) << member;
    const std::string attacker_kid =
        Mint(StrCat(R"({"alg":"RS256","kid":"attacker",)", member, "}"), ValidClaims(), attacker,
             Algorithm::kRs256);
    EXPECT_EQ(Run(*verifier, attacker_kid), Error::kKeyNotFound) << member;
  }
  // The member itself is harmless when the signature is genuine.
  EXPECT_EQ(Run(*verifier, Mint(StrCat(R"({"alg":"RS256","kid":"rsa-1",)", members[0], "}"),
                                ValidClaims(), RsaKey(), Algorithm::kRs256)),
            Error::kOk);
}

TEST_F(VerifierTest, NeverUsesEmbeddedHmacJwk) {
  const std::string secret = "attacker-controlled-secret-0123456789";
  const std::string header =
      StrCat(R"({"alg":"HS256","jwk":{"kty":"oct","k":")", B64(secret), R"("}})");
  const std::string token = Mint(header, ValidClaims(), TestKey::Hmac(secret), Algorithm::kHs256);
  std::unique_ptr<Verifier> rsa = MakeVerifier(RsaOnly());
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(Run(*rsa, token), Error::kAlgorithmNotAllowed);
  EXPECT_EQ(RunAll(token), Error::kInvalidSignature);
}

// --- Header rules -----------------------------------------------------------------------------

TEST_F(VerifierTest, RejectsCritHeader) {
  for (std::string_view crit : {R"("crit":["exp"])", R"("crit":["b64"],"b64":false)",
                                R"("crit":["x-a","x-b"],"x-a":1,"x-b":2)"}) {
    const std::string token = Mint(StrCat(R"({"alg":"ES256","kid":"ec-256",)", crit, "}"),
                                   ValidClaims(), EcKey(Algorithm::kEs256), Algorithm::kEs256);
    EXPECT_EQ(RunAll(token), Error::kUnsupportedCriticalHeader) << crit;
    EXPECT_TRUE(out_.header.has_crit);
  }
}

TEST_F(VerifierTest, RejectsMalformedCritAsMalformed) {
  const std::string token = Mint(R"({"alg":"ES256","crit":[]})", ValidClaims(),
                                 EcKey(Algorithm::kEs256), Algorithm::kEs256);
  EXPECT_EQ(RunAll(token), Error::kMalformed);
}

TEST_F(VerifierTest, RejectsDuplicateHeaderMembers) {
  for (std::string_view header :
       {R"({"alg":"RS256","alg":"RS256"})", R"({"alg":"none","alg":"RS256"})",
        R"({"alg":"RS256","alg":"none"})", R"({"alg":"RS256","kid":"rsa-1","kid":"rsa-2"})",
        R"({"alg":"RS256","\u0061lg":"RS256"})"}) {
    EXPECT_EQ(RunAll(Mint(header, ValidClaims(), RsaKey(), Algorithm::kRs256)), Error::kMalformed)
        << header;
  }
}

TEST_F(VerifierTest, RejectsDuplicateClaims) {
  const std::string exp = StrCat(kNow + 3600);
  const std::string past = StrCat(kNow - 100);
  for (const std::string& payload :
       {StrCat(R"({"sub":"user-1","sub":"admin","exp":)", exp, "}"),
        StrCat(R"({"sub":"user-1","exp":)", past, R"(,"exp":)", exp, "}"),
        StrCat(R"({"sub":"user-1","exp":)", exp, R"(,"exp":)", past, "}"),
        StrCat(R"({"sub":"user-1","exp":)", exp, R"(,"s\u0075b":"admin"})")}) {
    EXPECT_EQ(RunAll(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload)),
              Error::kMalformed)
        << payload;
  }
}

// --- Encoding and structure ---------------------------------------------------------------------

TEST_F(VerifierTest, RejectsNonCanonicalBase64url) {
  const std::string header = WithTrailingBits(R"("alg":"ES256","kid":"ec-256")");
  const std::string payload = WithTrailingBits(StrCat(R"("sub":"user-1","exp":)", kNow + 3600));
  const TestKey& key = EcKey(Algorithm::kEs256);
  const std::string good = SignSegments(B64(header), B64(payload), key, Algorithm::kEs256);
  ASSERT_EQ(RunAll(good), Error::kOk);
  const std::vector<std::string> parts = Segments(good);
  ASSERT_EQ(parts[2].size() % 4, 2u);  // 64 bytes: 4 unused bits
  EXPECT_EQ(RunAll(SignSegments(NonCanonical(B64(header)), B64(payload), key, Algorithm::kEs256)),
            Error::kMalformed);
  EXPECT_EQ(RunAll(SignSegments(B64(header), NonCanonical(B64(payload)), key, Algorithm::kEs256)),
            Error::kMalformed);
  EXPECT_EQ(RunAll(Join({parts[0], parts[1], NonCanonical(parts[2])})), Error::kMalformed);
}

TEST_F(VerifierTest, RejectsPaddingStandardAlphabetAndWhitespace) {
  const std::string header = WithTrailingBits(R"("alg":"ES256","kid":"ec-256")");
  const std::string token =
      Mint(header, ValidClaims(), EcKey(Algorithm::kEs256), Algorithm::kEs256);
  ASSERT_EQ(RunAll(token), Error::kOk);
  const std::vector<std::string> p = Segments(token);
  auto pad = [](std::string s) { return s + std::string((4 - s.size() % 4) % 4, '='); };
  EXPECT_EQ(RunAll(Join({pad(p[0]), p[1], p[2]})), Error::kMalformed);
  EXPECT_EQ(RunAll(Join({p[0], p[1], pad(p[2])})), Error::kMalformed);
  for (std::string_view ws : {" ", "\n", "\t", "\r\n"}) {
    for (int where = 0; where < 3; ++where) {
      std::vector<std::string> q = p;
      q[where].insert(4, ws);
      EXPECT_EQ(RunAll(Join(q)), Error::kMalformed) << where;
    }
    EXPECT_EQ(RunAll(StrCat(token, ws)), Error::kMalformed);
    EXPECT_EQ(RunAll(StrCat(ws, token)), Error::kMalformed);
  }
  for (char c : {'+', '/', '*', '=', '~'}) {
    std::vector<std::string> q = p;
    q[1][3] = c;
    EXPECT_EQ(RunAll(Join(q)), Error::kMalformed) << c;
  }
  std::vector<std::string> mod1 = p;
  mod1[1] += std::string((5 - mod1[1].size() % 4) % 4, 'A');
  ASSERT_EQ(mod1[1].size() % 4, 1u);
  EXPECT_EQ(RunAll(Join(mod1)), Error::kMalformed);
}

TEST_F(VerifierTest, RejectsWrongSegmentCount) {
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), ValidClaims());
  const std::vector<std::string> p = Segments(token);
  const std::string jwe_header = B64(R"({"alg":"RSA-OAEP","enc":"A256GCM"})");
  for (const std::string& bad : {
           p[0] + p[1] + p[2],                                                // 1 segment
           Join({p[0], p[1]}),                                                // 2 segments
           Join({p[0], p[1] + p[2]}),                                         // 2, dot removed
           Join({p[0], p[1], p[2], p[2]}),                                    // 4 segments
           token + ".",                                                       // 4, trailing dot
           "." + token,                                                       // 4, leading dot
           Join({jwe_header, B64("key"), B64("iv"), B64("ct"), B64("tag")}),  // 5: JWE
           std::string("..."),
       }) {
    EXPECT_EQ(RunAll(bad), Error::kMalformed) << bad;
  }
  EXPECT_EQ(RunAll(""), Error::kMalformed);
  EXPECT_EQ(RunAll(".."), Error::kMalformed);
}

TEST_F(VerifierTest, RejectsEmptyHeaderOrPayloadSegment) {
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), ValidClaims());
  const std::vector<std::string> p = Segments(token);
  EXPECT_EQ(RunAll(SignSegments("", p[1], EcKey(Algorithm::kEs256), Algorithm::kEs256)),
            Error::kMalformed);
  EXPECT_EQ(RunAll(SignSegments(p[0], "", EcKey(Algorithm::kEs256), Algorithm::kEs256)),
            Error::kMalformed);
}

// MintOfLength returns an ES256 token of exactly `target` bytes (filler claim "pad").
std::string MintOfLength(size_t target) {
  const TestKey& key = EcKey(Algorithm::kEs256);
  for (int hpad = 0; hpad < 8; ++hpad) {
    const std::string hseg =
        B64(StrCat(R"({"alg":"ES256","kid":"ec-256","h":")", std::string(hpad, 'h'), "\"}"));
    const size_t sig_len = 86;
    const size_t need = target - hseg.size() - sig_len - 2;
    for (size_t n = need * 3 / 4 > 64 ? need * 3 / 4 - 64 : 0; n < need * 3 / 4 + 8; ++n) {
      const std::string pseg = B64(StrCat(R"({"sub":"user-1","exp":)", kNow + 3600, R"(,"pad":")",
                                          std::string(n, 'a'), "\"}"));
      if (pseg.size() == need) {
        const std::string token = SignSegments(hseg, pseg, key, Algorithm::kEs256);
        EXPECT_EQ(token.size(), target);
        return token;
      }
    }
  }
  ADD_FAILURE() << "cannot build a token of " << target << " bytes";
  return "";
}

TEST_F(VerifierTest, AcceptsTokenOfExactlyTheSizeLimit) {
  const std::string token = MintOfLength(kDefaultMaxTokenBytes);
  ASSERT_EQ(token.size(), 16384u);
  EXPECT_EQ(RunAll(token), Error::kOk) << out_.detail;
}

TEST_F(VerifierTest, RejectsTokenOneByteOverTheSizeLimit) {
  const std::string token = MintOfLength(kDefaultMaxTokenBytes + 1);
  ASSERT_EQ(token.size(), 16385u);
  EXPECT_EQ(RunAll(token), Error::kTokenTooLarge);
}

TEST_F(VerifierTest, TokenTooLargeBeatsEveryOtherCheck) {
  EXPECT_EQ(RunAll(std::string(20000, 'A')), Error::kTokenTooLarge);
  EXPECT_EQ(RunAll(StrCat(std::string(10000, '*'), ".==.", std::string(10000, '!'))),
            Error::kTokenTooLarge);
  EXPECT_EQ(RunAll(StrCat(B64(R"({"alg":"none"})"), ".", B64(std::string(20000, 'x')), ".")),
            Error::kTokenTooLarge);
}

TEST_F(VerifierTest, HonoursConfiguredSizeLimit) {
  const std::string token = MintOfLength(500);
  Policy small;
  small.max_token_bytes = 499;
  EXPECT_EQ(RunAll(token, small), Error::kTokenTooLarge);
  small.max_token_bytes = 500;
  EXPECT_EQ(RunAll(token, small), Error::kOk);
}

TEST_F(VerifierTest, LargerSizeLimitAdmitsLargerTokens) {
  // The scratch parser is sized for the default limit; a larger policy limit must still work,
  // and header views must survive the parser growing for the payload.
  const std::string token = MintOfLength(60000);
  Policy big;
  big.max_token_bytes = 65536;
  EXPECT_EQ(RunAll(token, big), Error::kOk) << out_.detail;
  EXPECT_EQ(out_.header.kid, "ec-256");
  EXPECT_EQ(out_.claims.sub, "user-1");
}

TEST_F(VerifierTest, LargerSizeLimitAdmitsLargeHeader) {
  const std::string header = StrCat(R"({"alg":"ES256","kid":"ec-256","typ":"at+jwt","x":")",
                                    std::string(30000, 'x'), "\"}");
  const std::string token =
      Mint(header, ValidClaims(), EcKey(Algorithm::kEs256), Algorithm::kEs256);
  Policy big;
  big.max_token_bytes = 65536;
  big.type = "at+jwt";
  ASSERT_EQ(RunAll(token, big), Error::kOk) << out_.detail;
  EXPECT_EQ(out_.header.kid, "ec-256");
  EXPECT_EQ(out_.header_json, header);
  // And the scratch still serves a small token afterwards.
  Policy big_untyped;
  big_untyped.max_token_bytes = 65536;
  EXPECT_EQ(RunAll(MintAlg(Algorithm::kEdDsa, Ed25519Key(), ValidClaims(), "ed"), big_untyped),
            Error::kOk);
}

// --- JSON nesting ------------------------------------------------------------------------------

TEST_F(VerifierTest, AcceptsPayloadNestedSixtyFourLevels) {
  const std::string base = StrCat(R"("sub":"u","exp":)", kNow + 3600);
  for (bool arrays : {false, true}) {
    const std::string payload = NestedJson(64, arrays, base);
    EXPECT_EQ(RunAll(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload)), Error::kOk)
        << arrays;
    EXPECT_EQ(out_.payload_json, payload);
  }
}

TEST_F(VerifierTest, RejectsPayloadNestedSixtyFiveLevels) {
  const std::string base = StrCat(R"("sub":"u","exp":)", kNow + 3600);
  for (bool arrays : {false, true}) {
    EXPECT_EQ(
        RunAll(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), NestedJson(65, arrays, base))),
        Error::kMalformed)
        << arrays;
  }
}

TEST_F(VerifierTest, AppliesNestingLimitToHeader) {
  EXPECT_EQ(RunAll(Mint(NestedJson(64, false, R"("alg":"ES256")"), ValidClaims(),
                        EcKey(Algorithm::kEs256), Algorithm::kEs256)),
            Error::kOk);
  EXPECT_EQ(RunAll(Mint(NestedJson(65, false, R"("alg":"ES256")"), ValidClaims(),
                        EcKey(Algorithm::kEs256), Algorithm::kEs256)),
            Error::kMalformed);
}

TEST_F(VerifierTest, RejectsPathologicallyDeepPayload) {
  for (std::string_view opener : {"[", "{\"a\":"}) {
    std::string payload = StrCat(R"({"sub":"u","exp":)", kNow + 3600, R"(,"d":)");
    while (payload.size() < 11000) {
      payload += opener;
    }
    const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload);
    ASSERT_LE(token.size(), kDefaultMaxTokenBytes);
    EXPECT_EQ(RunAll(token), Error::kMalformed);
  }
}

TEST_F(VerifierTest, RejectsValidlySignedPayloadThatIsNotAJsonObject) {
  for (std::string_view payload : {"[1,2,3]", "\"claims\"", "Payload", "", "null", "42",
                                   "{\"sub\":\"u\",\"exp\":", "{\"exp\":1e400}"}) {
    const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload);
    EXPECT_EQ(RunAll(token), Error::kMalformed) << payload;
    EXPECT_NE(out_.key, nullptr) << "the signature itself was valid";
  }
}

TEST_F(VerifierTest, RejectsRegisteredClaimOfWrongType) {
  for (std::string_view payload : {R"({"exp":"1800000000"})", R"({"exp":1800000000,"aud":1})",
                                   R"({"exp":1800000000,"iss":["a"]})"}) {
    EXPECT_EQ(RunAll(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload)),
              Error::kMalformed)
        << payload;
  }
}

// --- Precedence, selection, results ------------------------------------------------------------

TEST_F(VerifierTest, InvalidSignatureBeatsExpired) {
  for (Algorithm alg :
       {Algorithm::kRs256, Algorithm::kEs256, Algorithm::kEdDsa, Algorithm::kHs256}) {
    const std::string token =
        MintAlg(alg, KeyFor(alg), StrCat(R"({"sub":"u","exp":)", kNow - 3600, "}"));
    EXPECT_EQ(RunAll(token), Error::kExpired);
    EXPECT_EQ(RunAll(WithSignature(token, FlipBit(SignatureOf(token), 7))),
              Error::kInvalidSignature)
        << AlgorithmName(alg);
  }
}

TEST_F(VerifierTest, InvalidSignatureBeatsMalformedPayloadAndClaimFailures) {
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), "[1]");
  EXPECT_EQ(RunAll(WithSignature(token, FlipBit(SignatureOf(token), 100))),
            Error::kInvalidSignature);
}

TEST_F(VerifierTest, ReportsUnknownKidAsKeyNotFound) {
  for (std::string_view kid : {"nope", "RSA-1", "rsa-1 ", "", "../../etc/passwd"}) {
    EXPECT_EQ(RunAll(MintAlg(Algorithm::kRs256, RsaKey(), ValidClaims(), kid)), Error::kKeyNotFound)
        << kid;
  }
  // A kid that exists but on a key of another type.
  EXPECT_EQ(RunAll(MintAlg(Algorithm::kRs256, RsaKey(), ValidClaims(), "ec-256")),
            Error::kKeyNotFound);
}

TEST_F(VerifierTest, TokenWithoutKidIsTriedAgainstEveryFittingKey) {
  ASSERT_EQ(RunAll(MintAlg(Algorithm::kPs256, RsaKeyB(), ValidClaims())), Error::kOk);
  ASSERT_NE(out_.key, nullptr);
  EXPECT_EQ(out_.key->kid(), "rsa-2");
}

TEST_F(VerifierTest, TriesEveryKeyWithTheTokenKid) {
  // Two keys share a kid (a rotation done carelessly): the second one verifies.
  std::unique_ptr<Verifier> verifier =
      MakeVerifier(MustJwks(JwksOf({RsaKey().Jwk("same"), RsaKeyB().Jwk("same")})));
  ASSERT_NE(verifier, nullptr);
  ASSERT_EQ(Run(*verifier, MintAlg(Algorithm::kRs256, RsaKeyB(), ValidClaims(), "same")),
            Error::kOk);
  ASSERT_NE(out_.key, nullptr);
  EXPECT_EQ(out_.key, &verifier->keys().keys()[1]);
}

TEST_F(VerifierTest, JwkAlgMemberRestrictsTheKey) {
  const std::shared_ptr<const KeySet> keys =
      MustJwks(JwksOf({RsaKey().Jwk("k", R"("alg":"RS256")")}));
  std::unique_ptr<Verifier> by_default = MakeVerifier(keys);
  Policy both;
  both.algorithms.Add(Algorithm::kRs256);
  both.algorithms.Add(Algorithm::kPs256);
  std::unique_ptr<Verifier> explicit_list = MakeVerifier(keys, both);
  ASSERT_TRUE(by_default && explicit_list);
  const std::string ps256 = MintAlg(Algorithm::kPs256, RsaKey(), ValidClaims(), "k");
  EXPECT_EQ(Run(*by_default, ps256), Error::kAlgorithmNotAllowed);
  EXPECT_EQ(Run(*explicit_list, ps256), Error::kKeyNotFound);
  EXPECT_EQ(Run(*explicit_list, MintAlg(Algorithm::kRs256, RsaKey(), ValidClaims(), "k")),
            Error::kOk);
}

TEST_F(VerifierTest, TriesAtMostMaxCandidatesKeys) {
  std::vector<TestKey> secrets;
  std::vector<std::string> jwks;
  for (size_t i = 0; i <= KeySet::kMaxCandidates; ++i) {
    secrets.push_back(TestKey::Hmac(std::string(32, static_cast<char>('a' + i))));
    jwks.push_back(secrets.back().Jwk());
  }
  std::unique_ptr<Verifier> verifier = MakeVerifier(MustJwks(JwksOf(jwks)));
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(Run(*verifier,
                MintAlg(Algorithm::kHs256, secrets[KeySet::kMaxCandidates - 1], ValidClaims())),
            Error::kOk);
  // The key after the bound is never tried.
  EXPECT_EQ(
      Run(*verifier, MintAlg(Algorithm::kHs256, secrets[KeySet::kMaxCandidates], ValidClaims())),
      Error::kInvalidSignature);
}

TEST_F(VerifierTest, ExposesVerifiedToken) {
  const std::string header = R"({"alg":"ES256","kid":"ec-256","typ":"at+jwt","x-custom":[1,"2"]})";
  const std::string payload =
      StrCat(R"({"iss":"https://issuer.example","sub":"user-1","aud":["api","web"],"exp":)",
             kNow + 3600, R"(,"iat":)", kNow - 10,
             R"(,"scope":"read write","big":12345678901234567890,"s":"\u00e9\n"})");
  const std::string token = Mint(header, payload, EcKey(Algorithm::kEs256), Algorithm::kEs256);
  Policy policy;
  policy.issuer = "https://issuer.example";
  policy.audiences = {"web"};
  policy.type = "at+jwt";
  policy.required_scopes = {"write"};
  ASSERT_EQ(RunAll(token, policy), Error::kOk) << out_.detail;
  EXPECT_EQ(out_.header_json, header);
  EXPECT_EQ(out_.payload_json, payload);
  EXPECT_EQ(out_.signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(out_.signing_input.data(), token.data()) << "a view into the token";
  EXPECT_TRUE(out_.header_parsed);
  EXPECT_TRUE(out_.claims_parsed);
  EXPECT_TRUE(out_.detail.empty());
  EXPECT_EQ(out_.header.alg, Algorithm::kEs256);
  EXPECT_EQ(out_.header.kid, "ec-256");
  EXPECT_EQ(out_.header.typ, "at+jwt");
  EXPECT_EQ(out_.claims.iss, "https://issuer.example");
  EXPECT_EQ(out_.claims.sub, "user-1");
  EXPECT_EQ(out_.claims.exp, static_cast<double>(kNow + 3600));
  EXPECT_EQ(out_.claims.iat, static_cast<double>(kNow - 10));
  ASSERT_EQ(out_.claims.aud.size(), 2u);
  EXPECT_EQ(out_.claims.aud[1], "web");
  ASSERT_EQ(out_.claims.scopes.size(), 2u);
  EXPECT_EQ(out_.claims.scopes[0], "read");
  EXPECT_TRUE(out_.claims.Has("big"));
  ASSERT_NE(out_.key, nullptr);
  EXPECT_EQ(out_.key->kid(), "ec-256");
}

TEST_F(VerifierTest, KeepsParsedFieldsOnClaimRejection) {
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                                    StrCat(R"({"sub":"user-1","exp":)", kNow - 1, "}"), "ec-256");
  ASSERT_EQ(RunAll(token), Error::kExpired);
  EXPECT_TRUE(out_.header_parsed);
  EXPECT_TRUE(out_.claims_parsed);
  EXPECT_EQ(out_.claims.sub, "user-1");
  EXPECT_FALSE(out_.detail.empty());
  EXPECT_NE(out_.key, nullptr);
}

TEST_F(VerifierTest, ClearsPreviousResultAndReusesScratch) {
  ASSERT_EQ(RunAll(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                           StrCat(R"({"sub":"first","aud":"a","exp":)", kNow + 60, "}"))),
            Error::kOk);
  ASSERT_EQ(RunAll(MintAlg(Algorithm::kEdDsa, Ed25519Key(),
                           StrCat(R"({"sub":"second","exp":)", kNow + 60, "}"))),
            Error::kOk);
  EXPECT_EQ(out_.claims.sub, "second");
  EXPECT_FALSE(out_.claims.has_aud);
  EXPECT_EQ(RunAll("garbage"), Error::kMalformed);
  EXPECT_FALSE(out_.header_parsed);
  EXPECT_FALSE(out_.claims_parsed);
  EXPECT_EQ(out_.key, nullptr);
  EXPECT_TRUE(out_.payload_json.empty());
}

TEST_F(VerifierTest, EvaluatesAtTheGivenTime) {
  std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys());
  ASSERT_NE(verifier, nullptr);
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                                    StrCat(R"({"exp":)", kNow + 100, R"(,"nbf":)", kNow, "}"));
  EXPECT_EQ(Run(*verifier, token, kNow - 1), Error::kNotYetValid);
  EXPECT_EQ(Run(*verifier, token, kNow), Error::kOk);
  EXPECT_EQ(Run(*verifier, token, kNow + 99), Error::kOk);
  EXPECT_EQ(Run(*verifier, token, kNow + 100), Error::kExpired);
}

TEST_F(VerifierTest, AlgorithmNotAllowedByPolicy) {
  Policy policy;
  policy.algorithms.Add(Algorithm::kEs256);
  EXPECT_EQ(RunAll(MintAlg(Algorithm::kRs256, RsaKey(), ValidClaims(), "rsa-1"), policy),
            Error::kAlgorithmNotAllowed);
  EXPECT_EQ(RunAll(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), ValidClaims()), policy),
            Error::kOk);
}

TEST_F(VerifierTest, TraceReportsEveryStageAndKeepsFirstFailure) {
  std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys());
  ASSERT_NE(verifier, nullptr);
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                                    StrCat(R"({"sub":"u","exp":)", kNow - 1, "}"), "ec-256");
  const std::string bad_sig = WithSignature(token, FlipBit(SignatureOf(token), 3));
  RecordingTrace trace;
  EXPECT_EQ(verifier->Verify(bad_sig, kNow, scratch_, out_, &trace), Error::kInvalidSignature);
  std::vector<std::string> checks;
  for (const RecordingTrace::Entry& e : trace.entries) {
    checks.push_back(e.check);
  }
  for (std::string_view stage :
       {"size", "structure", "header", "algorithm", "key", "signature", "claims", "exp"}) {
    EXPECT_NE(std::find(checks.begin(), checks.end(), stage), checks.end()) << stage;
  }
  // The claim checks still ran and reported the expiry, but the verdict is the signature.
  bool exp_failed = false;
  for (const RecordingTrace::Entry& e : trace.entries) {
    exp_failed = exp_failed || (e.check == "exp" && e.result == Error::kExpired);
  }
  EXPECT_TRUE(exp_failed);
  EXPECT_TRUE(out_.claims_parsed);
}

// --- Precedence: README "Order, when several things are wrong" -----------------------------------

struct PrecedenceCase {
  std::string name;
  std::string header;
  std::string payload;
  bool good_signature;
  std::function<void(Policy&)> configure;
  Error want;
};

class VerifierPrecedenceTest : public VerifierTest,
                               public ::testing::WithParamInterface<PrecedenceCase> {};

TEST_P(VerifierPrecedenceTest, ReportsEarlierRule) {
  const PrecedenceCase& c = GetParam();
  std::string token = Mint(c.header, c.payload, EcKey(Algorithm::kEs256), Algorithm::kEs256);
  if (!c.good_signature) {
    token = WithSignature(token, FlipBit(SignatureOf(token), 9));
  }
  Policy policy;
  c.configure(policy);
  const Error got = RunAll(token, policy);
  EXPECT_EQ(got, c.want) << "got " << ErrorCode(got) << ", want " << ErrorCode(c.want);
  // A trace does not change the verdict.
  std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys(), policy);
  ASSERT_NE(verifier, nullptr);
  RecordingTrace trace;
  EXPECT_EQ(verifier->Verify(token, kNow, scratch_, out_, &trace), c.want);
}

std::string Exp(int64_t offset) { return StrCat(R"("exp":)", kNow + offset); }
const std::string kEc = R"({"alg":"ES256","kid":"ec-256"})";
void NoPolicy(Policy&) {}
void IdTokenPolicy(Policy& p) {
  p.audiences = {"client"};
  p.id_token = true;
  p.nonce = "n1";
  p.access_token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
  p.max_age_seconds = 60;
}

INSTANTIATE_TEST_SUITE_P(
    Pairs, VerifierPrecedenceTest,
    ::
        testing::
            Values(PrecedenceCase{"HeaderMemberTypeBeatsUnsupportedAlgorithm",
                                  R"({"alg":"none","kid":1})", ValidClaims(), true, NoPolicy,
                                  Error::kMalformed},
                   PrecedenceCase{"DuplicateHeaderBeatsUnsupportedAlgorithm",
                                  R"({"alg":"none","alg":"none"})", ValidClaims(), true, NoPolicy,
                                  Error::kMalformed},
                   PrecedenceCase{"MalformedCritBeatsUnsupportedAlgorithm",
                                  R"({"alg":"HS1","crit":[]})", ValidClaims(), true, NoPolicy,
                                  Error::kMalformed},
                   PrecedenceCase{"UnsupportedAlgorithmBeatsCrit",
                                  R"({"alg":"NONE","crit":["x"],"x":1})", ValidClaims(), true,
                                  NoPolicy, Error::kUnsupportedAlgorithm},
                   PrecedenceCase{"NotAllowedBeatsCrit", R"({"alg":"ES256","crit":["x"],"x":1})",
                                  ValidClaims(), true,
                                  [](Policy& p) { p.algorithms.Add(Algorithm::kRs256); },
                                  Error::kAlgorithmNotAllowed},
                   PrecedenceCase{"CritBeatsKeyNotFound",
                                  R"({"alg":"ES256","kid":"nope","crit":["x"],"x":1})",
                                  ValidClaims(), true, NoPolicy, Error::kUnsupportedCriticalHeader},
                   PrecedenceCase{"CritBeatsInvalidSignature",
                                  R"({"alg":"ES256","crit":["x"],"x":1})", ValidClaims(), false,
                                  NoPolicy, Error::kUnsupportedCriticalHeader},
                   PrecedenceCase{"KeyNotFoundBeatsMalformedPayload",
                                  R"({"alg":"ES256","kid":"nope"})", "[1]", true, NoPolicy,
                                  Error::kKeyNotFound},
                   PrecedenceCase{"InvalidSignatureBeatsMalformedPayload", kEc, "[1]", false,
                                  NoPolicy, Error::kInvalidSignature},
                   PrecedenceCase{"InvalidSignatureBeatsExpired", kEc, "{" + Exp(-10) + "}", false,
                                  NoPolicy, Error::kInvalidSignature},
                   PrecedenceCase{"InvalidSignatureBeatsClaimType", kEc, R"({"exp":"soon"})", false,
                                  NoPolicy, Error::kInvalidSignature},
                   PrecedenceCase{"ClaimTypeBeatsType", kEc, R"({"exp":"soon"})", true,
                                  [](Policy& p) { p.type = "at+jwt"; }, Error::kMalformed},
                   PrecedenceCase{"TypeBeatsIssuer", kEc, "{" + Exp(60) + R"(,"iss":"evil"})", true,
                                  [](Policy& p) {
                                    p.type = "at+jwt";
                                    p.issuer = "good";
                                  },
                                  Error::kInvalidType},
                   PrecedenceCase{"IssuerBeatsAudience", kEc, "{" + Exp(60) + R"(,"iss":"evil"})",
                                  true,
                                  [](Policy& p) {
                                    p.issuer = "good";
                                    p.audiences = {"api"};
                                  },
                                  Error::kInvalidIssuer},
                   PrecedenceCase{"AudienceBeatsExpired", kEc, "{" + Exp(-10) + R"(,"aud":"web"})",
                                  true, [](Policy& p) { p.audiences = {"api"}; },
                                  Error::kInvalidAudience},
                   PrecedenceCase{"ExpiredBeatsNotYetValid", kEc,
                                  "{" + Exp(-10) + ",\"nbf\":" + StrCat(kNow + 10) + "}", true,
                                  NoPolicy, Error::kExpired},
                   PrecedenceCase{"MissingExpBeatsNotYetValid", kEc,
                                  "{\"nbf\":" + StrCat(kNow + 10) + "}", true, NoPolicy,
                                  Error::kMissingClaim},
                   PrecedenceCase{"NotYetValidBeatsRequiredClaim", kEc,
                                  "{" + Exp(60) + ",\"iat\":" + StrCat(kNow + 10) + "}", true,
                                  [](Policy& p) { p.required_claims = {"jti"}; },
                                  Error::kNotYetValid},
                   PrecedenceCase{"RequiredClaimBeatsNonce", kEc,
                                  "{" + Exp(60) + R"(,"nonce":"n2"})", true,
                                  [](Policy& p) {
                                    p.required_claims = {"jti"};
                                    p.nonce = "n1";
                                  },
                                  Error::kMissingClaim},
                   PrecedenceCase{
                       "NonceBeatsAzp", kEc, "{" + Exp(60) + R"(,"nonce":"n2","aud":["client","x"],"auth_time":)" + StrCat(kNow) + "}", true, IdTokenPolicy, Error::kInvalidNonce},
                   PrecedenceCase{"AzpBeatsAtHash", kEc,
                                  "{" + Exp(60) + R"(,"nonce":"n1","aud":"client","azp":"x","at_hash":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":)" + StrCat(kNow) + "}", true, IdTokenPolicy, Error::kInvalidAudience},
                   PrecedenceCase{"AtHashBeatsAuthTime", kEc,
                                  "{" + Exp(60) +
                                      R"(,"nonce":"n1","aud":"client","at_hash":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":)" +
                                      StrCat(kNow - 3600) + "}",
                                  true,
                                  IdTokenPolicy, Error::kInvalidAtHash},
                   PrecedenceCase{"AuthTimeBeatsScope", kEc,
                                  "{" + Exp(60) + R"(,"nonce":"n1","aud":"client","auth_time":)" +
                                      StrCat(kNow - 3600) + "}",
                                  true,
                                  [](Policy& p) {
                                    IdTokenPolicy(p);
                                    p.required_scopes = {"read"};
                                  },
                                  Error::kTooOld},
                   PrecedenceCase{
                       "IdTokenPolicyPasses", kEc,
                       "{" + Exp(60) +
                           R"(,"nonce":"n1","aud":"client","at_hash":"77QmUPtjPfzWtF2AnpK9RQ","auth_time":)" +
                           StrCat(kNow - 60) + "}",
                       true, IdTokenPolicy, Error::kOk}),
    [](const ::testing::TestParamInfo<PrecedenceCase>& p) { return p.param.name; });

// --- Concurrency ---------------------------------------------------------------------------------

// One Verifier shared by threads, each with its own scratch (run under the tsan preset too).
TEST(VerifierConcurrencyTest, VerifiesConcurrentlyWithOneScratchPerThread) {
  std::unique_ptr<Verifier> verifier = MakeVerifier(AllKeys());
  ASSERT_NE(verifier, nullptr);
  std::vector<std::string> tokens;
  std::vector<Error> want;
  for (Algorithm alg : AllAlgorithms()) {
    tokens.push_back(MintAlg(alg, KeyFor(alg), ValidClaims(), Kid(alg)));
    want.push_back(Error::kOk);
    tokens.push_back(WithSignature(tokens.back(), FlipBit(SignatureOf(tokens.back()), 5)));
    want.push_back(Error::kInvalidSignature);
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      VerifyScratch scratch;
      VerifiedToken out;
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < tokens.size(); ++i) {
          const size_t j = (i + static_cast<size_t>(t) * 3) % tokens.size();
          if (verifier->Verify(tokens[j], kNow, scratch, out) != want[j]) {
            mismatches.fetch_add(1);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
}

// --- Verifier::Create --------------------------------------------------------------------------

TEST(VerifierCreateTest, RejectsInvalidPolicy) {
  Policy negative;
  negative.leeway_seconds = -1;
  absl::StatusOr<Verifier> v = Verifier::Create(negative, AllKeys());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  Policy empty_issuer;
  empty_issuer.issuer = "";
  EXPECT_EQ(Verifier::Create(empty_issuer, AllKeys()).status().code(),
            absl::StatusCode::kInvalidArgument);
  Policy negative_age;
  negative_age.max_age_seconds = -5;
  EXPECT_EQ(Verifier::Create(negative_age, AllKeys()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifierCreateTest, RejectsMissingKeySet) {
  EXPECT_EQ(Verifier::Create(Policy{}, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifierCreateTest, EmptyAllowListBecomesWhatTheKeysSupport) {
  std::shared_ptr<const KeySet> keys = RsaOnly();
  absl::StatusOr<Verifier> v = Verifier::Create(Policy{}, keys);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->policy().algorithms, keys->algorithms());
  EXPECT_EQ(&v->keys(), keys.get());
}

// core/verifier.h: an allow-list no key can serve is not a Create error; every token is then
// algorithm_not_allowed or key_not_found.
TEST(VerifierCreateTest, AllowListWithoutAnyKeyRejectsEveryToken) {
  Policy policy;
  policy.algorithms.Add(Algorithm::kEs256);
  absl::StatusOr<Verifier> v = Verifier::Create(policy, RsaOnly());
  ASSERT_TRUE(v.ok()) << v.status();
  VerifyScratch scratch;
  VerifiedToken out;
  EXPECT_EQ(v->Verify(MintAlg(Algorithm::kRs256, RsaKey(), ValidClaims()), kNow, scratch, out),
            Error::kAlgorithmNotAllowed);
  EXPECT_EQ(v->Verify(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), ValidClaims()), kNow,
                      scratch, out),
            Error::kKeyNotFound);
}

}  // namespace
}  // namespace tokenwarden
