// JwsSigner: every key format and algorithm it takes, the tokens it makes read back by the
// core's own verifier (and refused once tampered with), the public JWK it publishes, and the
// keys and mismatches it refuses.

#include "core/jws_signer.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "core/algorithm.h"
#include "core/jwk_thumbprint.h"
#include "core/key.h"
#include "core/key_set.h"
#include "core/signature.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using ::tokenwarden::testing::BitsToFlip;
using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::EcKeyB;
using ::tokenwarden::testing::Ed25519Key;
using ::tokenwarden::testing::FlipBit;
using ::tokenwarden::testing::Rsa1024Key;
using ::tokenwarden::testing::RsaKey;
using ::tokenwarden::testing::RsaKeyB;
using ::tokenwarden::testing::Segments;
using ::tokenwarden::testing::SignatureOf;
using ::tokenwarden::testing::TestKey;

constexpr std::string_view kTyp = "token-introspection+jwt";
constexpr std::string_view kPayload = R"({"iss":"https://tw.example","token_introspection":{}})";

struct Case {
  Algorithm alg;
  const TestKey& (*key)();
};

const TestKey& P256() { return EcKey(Algorithm::kEs256); }

const Case kCases[] = {
    {Algorithm::kEs256, P256},
    {Algorithm::kRs256, RsaKey},
    {Algorithm::kPs256, RsaKey},
    {Algorithm::kEdDsa, Ed25519Key},
};

std::string Decoded(std::string_view segment) {
  return base::Base64UrlDecodeToString(segment).value_or("(not base64url)");
}

// VerifyWith checks `jws`'s signature under the published JWK of `signer`, as a relying party
// would: the key read from public_jwk(), never from the signer.
Error VerifyWith(const JwsSigner& signer, std::string_view jws, std::string_view signature) {
  absl::StatusOr<Key> key = Key::FromJwk(signer.public_jwk());
  EXPECT_TRUE(key.ok()) << key.status();
  if (!key.ok()) {
    return Error::kKeyNotFound;
  }
  const std::string_view input = jws.substr(0, jws.rfind('.'));
  const auto* bytes = reinterpret_cast<const uint8_t*>(signature.data());
  return VerifySignature(signer.alg(), *key, input,
                         std::span<const uint8_t>(bytes, signature.size()));
}

class JwsSignerAlgTest : public ::testing::TestWithParam<Case> {};

TEST_P(JwsSignerAlgTest, SignsWhatTheVerifierAccepts) {
  const Case& c = GetParam();
  absl::StatusOr<JwsSigner> signer = JwsSigner::FromPrivatePem(c.key().PrivatePem(), c.alg, "k1");
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<std::string> jws = signer->Sign(kTyp, kPayload);
  ASSERT_TRUE(jws.ok()) << jws.status();
  const std::vector<std::string> parts = Segments(*jws);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(Decoded(parts[0]), base::StrCat(R"({"alg":")", AlgorithmName(c.alg),
                                            R"(","kid":"k1","typ":"token-introspection+jwt"})"));
  EXPECT_EQ(Decoded(parts[1]), kPayload);
  const std::string signature = SignatureOf(*jws);
  EXPECT_EQ(VerifyWith(*signer, *jws, signature), Error::kOk);
  for (size_t bit : BitsToFlip(signature.size() * 8, 512, 64)) {
    EXPECT_EQ(VerifyWith(*signer, *jws, FlipBit(signature, bit)), Error::kInvalidSignature)
        << "bit " << bit;
  }
  EXPECT_EQ(VerifyWith(*signer, *jws, signature.substr(0, signature.size() - 1)),
            Error::kInvalidSignature);
}

TEST_P(JwsSignerAlgTest, LoadsThePrivateJwkAndTakesItsKid) {
  const Case& c = GetParam();
  absl::StatusOr<JwsSigner> signer =
      JwsSigner::FromPrivateJwk(c.key().PrivateJwk(R"("kid":"from-jwk")"), c.alg, "");
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->kid(), "from-jwk");
  absl::StatusOr<std::string> jws = signer->Sign(kTyp, kPayload);
  ASSERT_TRUE(jws.ok()) << jws.status();
  EXPECT_EQ(VerifyWith(*signer, *jws, SignatureOf(*jws)), Error::kOk);
}

TEST_P(JwsSignerAlgTest, PublishesOnlyPublicMembers) {
  const Case& c = GetParam();
  absl::StatusOr<JwsSigner> signer = JwsSigner::FromPrivatePem(c.key().PrivatePem(), c.alg, "k1");
  ASSERT_TRUE(signer.ok()) << signer.status();
  simdjson::dom::parser parser;
  simdjson::dom::object jwk;
  ASSERT_EQ(parser.parse(signer->public_jwk()).get_object().get(jwk), simdjson::SUCCESS);
  for (auto field : jwk) {
    for (std::string_view secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      EXPECT_NE(field.key, secret) << signer->public_jwk();
    }
  }
  // The same members as the key's public JWK, plus kid, alg and use.
  const Key expected = c.key().PublicKey();
  absl::StatusOr<Key> published = Key::FromJwk(signer->public_jwk());
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->bits(), expected.bits());
  EXPECT_TRUE(published->algorithms().Contains(c.alg));
  EXPECT_EQ(published->algorithms().ToString(), AlgorithmName(c.alg));
  absl::StatusOr<std::shared_ptr<const KeySet>> set = KeySet::FromJwks(signer->PublicJwks());
  ASSERT_TRUE(set.ok()) << set.status();
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwsSignerAlgTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(AlgorithmName(param.param.alg));
                         });

TEST(JwsSignerTest, ReadsSec1AndPkcs1Pem) {
  for (const auto& [key, alg] :
       {std::pair{&P256(), Algorithm::kEs256}, std::pair{&RsaKey(), Algorithm::kRs256}}) {
    absl::StatusOr<JwsSigner> signer = JwsSigner::FromPrivatePem(key->PrivateDerPem(), alg, "k");
    ASSERT_TRUE(signer.ok()) << signer.status();
    absl::StatusOr<std::string> jws = signer->Sign(kTyp, kPayload);
    ASSERT_TRUE(jws.ok()) << jws.status();
    EXPECT_EQ(VerifyWith(*signer, *jws, SignatureOf(*jws)), Error::kOk);
  }
}

TEST(JwsSignerTest, DefaultKidIsTheThumbprint) {
  absl::StatusOr<JwsSigner> signer =
      JwsSigner::FromPrivatePem(P256().PrivatePem(), Algorithm::kEs256, "");
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<std::string> thumbprint = JwkThumbprint(P256().Jwk());
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.status();
  EXPECT_EQ(signer->kid(), *thumbprint);
}

TEST(JwsSignerTest, EscapesKidAndTyp) {
  absl::StatusOr<JwsSigner> signer =
      JwsSigner::FromPrivatePem(P256().PrivatePem(), Algorithm::kEs256, "a\"b\\c");
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<std::string> jws = signer->Sign("t\"", "{}");
  ASSERT_TRUE(jws.ok()) << jws.status();
  EXPECT_EQ(Decoded(Segments(*jws)[0]), R"({"alg":"ES256","kid":"a\"b\\c","typ":"t\""})");
  EXPECT_NE(signer->public_jwk().find(R"("kid":"a\"b\\c")"), std::string::npos);
}

// Refuses expects creation to fail with a message containing `needle`.
void Refuses(const absl::StatusOr<JwsSigner>& signer, std::string_view needle) {
  ASSERT_FALSE(signer.ok()) << "accepted; wanted an error with: " << needle;
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument) << signer.status();
  EXPECT_NE(std::string(signer.status().message()).find(needle), std::string::npos)
      << signer.status();
}

TEST(JwsSignerTest, RefusesWeakRsa) {
  Refuses(JwsSigner::FromPrivatePem(Rsa1024Key().PrivatePem(), Algorithm::kRs256, "k"),
          "need >= 2048");
  Refuses(JwsSigner::FromPrivateJwk(Rsa1024Key().PrivateJwk(), Algorithm::kPs256, "k"),
          "need >= 2048");
}

TEST(JwsSignerTest, RefusesAlgorithmsThatDoNotFitTheKey) {
  Refuses(JwsSigner::FromPrivatePem(RsaKey().PrivatePem(), Algorithm::kEs256, "k"), "P-256");
  Refuses(JwsSigner::FromPrivatePem(P256().PrivatePem(), Algorithm::kRs256, "k"), "RSA");
  Refuses(JwsSigner::FromPrivatePem(EcKey(Algorithm::kEs384).PrivatePem(), Algorithm::kEs256, "k"),
          "P-256");
  Refuses(JwsSigner::FromPrivatePem(P256().PrivatePem(), Algorithm::kEdDsa, "k"), "Ed25519");
  Refuses(JwsSigner::FromPrivatePem(RsaKey().PrivatePem(), Algorithm::kRs512, "k"),
          "not an algorithm tokenwarden signs with");
  Refuses(JwsSigner::FromPrivatePem(RsaKey().PrivatePem(), Algorithm::kHs256, "k"),
          "not an algorithm tokenwarden signs with");
}

TEST(JwsSignerTest, RefusesPublicKeysAndOtherPem) {
  Refuses(JwsSigner::FromPrivatePem(P256().Pem(), Algorithm::kEs256, "k"), "private key");
  Refuses(JwsSigner::FromPrivatePem(P256().CertificatePem(), Algorithm::kEs256, "k"),
          "private key");
  Refuses(JwsSigner::FromPrivatePem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END "
                                    "ENCRYPTED PRIVATE KEY-----\n",
                                    Algorithm::kEs256, "k"),
          "encrypted");
  Refuses(JwsSigner::FromPrivatePem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                                    Algorithm::kEs256, "k"),
          "not a valid private key");
  Refuses(JwsSigner::FromPrivatePem("hello", Algorithm::kEs256, "k"), "no PEM");
}

TEST(JwsSignerTest, RefusesJwksThatCannotSign) {
  Refuses(JwsSigner::FromPrivateJwk(P256().Jwk(), Algorithm::kEs256, "k"), "no \"d\"");
  Refuses(JwsSigner::FromPrivateJwk(
              R"({"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"})",
              Algorithm::kEs256, "k"),
          "symmetric");
  Refuses(JwsSigner::FromPrivateJwk(P256().PrivateJwk(R"("alg":"ES384")"), Algorithm::kEs256, "k"),
          "\"alg\":\"ES384\"");
  Refuses(JwsSigner::FromPrivateJwk(P256().PrivateJwk(R"("use":"enc")"), Algorithm::kEs256, "k"),
          "\"use\"");
  Refuses(JwsSigner::FromPrivateJwk(P256().PrivateJwk(R"("key_ops":["verify"])"), Algorithm::kEs256,
                                    "k"),
          "\"sign\"");
  Refuses(JwsSigner::FromPrivateJwk(P256().PrivateJwk(R"("kid":"a")"), Algorithm::kEs256, "b"),
          "differs");
  Refuses(JwsSigner::FromPrivateJwk(R"({"kty":"EC","kty":"EC"})", Algorithm::kEs256, "k"),
          "repeats");
  Refuses(JwsSigner::FromPrivateJwk("[]", Algorithm::kEs256, "k"), "not a JSON object");
}

// A JWK whose private member belongs to another key than its public members: publishing
// those public members would make every signature fail at the relying party.
TEST(JwsSignerTest, RefusesMismatchedHalves) {
  const std::string p256_d = P256().PrivateJwk().substr(P256().PrivateJwk().find(",\"d\""));
  const std::string b_public = EcKeyB().Jwk();
  Refuses(JwsSigner::FromPrivateJwk(base::StrCat(b_public.substr(0, b_public.size() - 1), p256_d),
                                    Algorithm::kEs256, "k"),
          "does not match");
  const std::string rsa_private = RsaKey().PrivateJwk();
  const std::string rsa_b_public = RsaKeyB().Jwk();
  Refuses(JwsSigner::FromPrivateJwk(base::StrCat(rsa_b_public.substr(0, rsa_b_public.size() - 1),
                                                 rsa_private.substr(rsa_private.find(",\"d\""))),
                                    Algorithm::kRs256, "k"),
          "inconsistent");
  const std::string ed_private = Ed25519Key().PrivateJwk();
  const TestKey other = TestKey::GenerateEd25519();
  const std::string other_public = other.Jwk();
  Refuses(JwsSigner::FromPrivateJwk(base::StrCat(other_public.substr(0, other_public.size() - 1),
                                                 ed_private.substr(ed_private.find(",\"d\""))),
                                    Algorithm::kEdDsa, "k"),
          "does not match");
}

}  // namespace
}  // namespace tokenwarden
