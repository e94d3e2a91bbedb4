#include "bindings/common/validator_handle.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden::bindings {
namespace {

using ::tokenwarden::base::StrCat;
using ::tokenwarden::testing::HmacKey;
using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::RsaKey;
using ::tokenwarden::testing::RsaKeyB;

std::string Claims(std::string_view extra = "") {
  return StrCat(R"({"iss":"https://issuer.test","aud":"api","sub":"u1","exp":)", kNow + 600, extra,
                "}");
}

HandleOptions Options() {
  HandleOptions o;
  o.keys = JwksOf({RsaKey().Jwk("k1")});
  o.issuer = "https://issuer.test";
  o.audiences = {"api"};
  o.algorithms = {"RS256"};
  return o;
}

std::string Token(std::string_view claims, std::string_view kid = "k1") {
  return MintAlg(Algorithm::kRs256, RsaKey(), claims, kid);
}

TEST(ValidatorHandleTest, ValidTokenGivesItsPayloadAndRepeatsHitTheCache) {
  auto handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok()) << handle.status();
  const std::string token = Token(Claims());
  ValidatorHandle::Outcome out;
  (*handle)->Validate(token, kNow, out);
  EXPECT_EQ(out.error, Error::kOk);
  EXPECT_FALSE(out.cache_hit);
  EXPECT_EQ(out.payload_json, Claims());
  (*handle)->Validate(token, kNow, out);
  EXPECT_EQ(out.error, Error::kOk);
  EXPECT_TRUE(out.cache_hit);
  EXPECT_EQ(out.payload_json, Claims());
  // The cached verdict still re-checks time.
  (*handle)->Validate(token, kNow + 601, out);
  EXPECT_EQ(out.error, Error::kExpired);
}

TEST(ValidatorHandleTest, EachRuleIsTheCoresVerdict) {
  auto handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok());
  ValidatorHandle::Outcome out;
  (*handle)->Validate(
      Token(R"({"iss":"https://other.test","aud":"api","exp":)" + std::to_string(kNow + 60) + "}"),
      kNow, out);
  EXPECT_EQ(out.error, Error::kInvalidIssuer);
  (*handle)->Validate(Token(Claims(), "k2"), kNow, out);
  EXPECT_EQ(out.error, Error::kKeyNotFound);
  (*handle)->Validate("not.a.token", kNow, out);
  EXPECT_EQ(out.error, Error::kMalformed);
  EXPECT_TRUE(out.payload_json.empty());
}

TEST(ValidatorHandleTest, SenderConstrainedTokensNeedWhatTheyAreBoundTo) {
  const std::string jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
  const std::string dpop_bound = Token(Claims(StrCat(R"(,"cnf":{"jkt":")", jkt, R"("})")));
  const std::string cert_bound = Token(Claims(R"(,"cnf":{"x5t#S256":"cert-1"})"));
  const std::string bearer = Token(Claims());
  const auto error = [](const ValidatorHandle& handle, const std::string& token,
                        Presented presented = {}) {
    ValidatorHandle::Outcome out;
    handle.Validate(token, kNow, out, presented);
    return out.error;
  };
  // Off (the default): judged only when the call presents something.
  auto lenient = ValidatorHandle::Create(Options());
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_EQ(error(**lenient, dpop_bound), Error::kOk);
  EXPECT_EQ(error(**lenient, dpop_bound, {jkt, {}}), Error::kOk);
  EXPECT_EQ(error(**lenient, dpop_bound, {"another", {}}), Error::kDpopKeyMismatch);
  EXPECT_EQ(error(**lenient, bearer, {jkt, {}}), Error::kDpopKeyMismatch);

  HandleOptions o = Options();
  o.check_binding = true;
  auto strict = ValidatorHandle::Create(o);
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_EQ(error(**strict, bearer), Error::kOk);
  EXPECT_EQ(error(**strict, dpop_bound), Error::kProofOfPossessionRequired);
  EXPECT_EQ(error(**strict, dpop_bound), Error::kProofOfPossessionRequired);  // a cache hit
  EXPECT_EQ(error(**strict, dpop_bound, {jkt, {}}), Error::kOk);
  EXPECT_EQ(error(**strict, cert_bound), Error::kProofOfPossessionRequired);
  EXPECT_EQ(error(**strict, cert_bound, {{}, "cert-2"}), Error::kCertificateMismatch);
  EXPECT_EQ(error(**strict, cert_bound, {{}, "cert-1"}), Error::kOk);

  o.check_binding = false;
  o.dpop_required = true;
  auto dpop_only = ValidatorHandle::Create(o);
  ASSERT_TRUE(dpop_only.ok()) << dpop_only.status();
  EXPECT_EQ(error(**dpop_only, bearer), Error::kProofOfPossessionRequired);
  EXPECT_EQ(error(**dpop_only, dpop_bound), Error::kProofOfPossessionRequired);
  EXPECT_EQ(error(**dpop_only, dpop_bound, {jkt, {}}), Error::kOk);
}

TEST(ValidatorHandleTest, MissingClaimIsNamed) {
  HandleOptions o = Options();
  o.required_claims = {"sub", "jti"};
  auto handle = ValidatorHandle::Create(o);
  ASSERT_TRUE(handle.ok());
  ValidatorHandle::Outcome out;
  (*handle)->Validate(Token(Claims()), kNow, out);
  EXPECT_EQ(out.error, Error::kMissingClaim);
  EXPECT_EQ(out.missing_claim, "jti");
  (*handle)->Validate(Token(R"({"iss":"https://issuer.test","aud":"api","sub":"u"})"), kNow, out);
  EXPECT_EQ(out.error, Error::kMissingClaim);
  EXPECT_EQ(out.missing_claim, "exp");
}

TEST(ValidatorHandleTest, TimeChecksCanBeTurnedOffOneByOne) {
  HandleOptions o = Options();
  o.check_exp = false;
  auto handle = ValidatorHandle::Create(o);
  ASSERT_TRUE(handle.ok());
  ValidatorHandle::Outcome out;
  const std::string token = Token(Claims(StrCat(",\"nbf\":", kNow + 100)));
  (*handle)->Validate(token, kNow + 1000, out);
  EXPECT_EQ(out.error, Error::kOk);  // expired, not checked; nbf passed by then
  (*handle)->Validate(token, kNow, out);
  EXPECT_EQ(out.error, Error::kNotYetValid);  // nbf still checked
}

TEST(ValidatorHandleTest, KeysAreAJwkSetOneJwkOrPem) {
  HandleOptions o = Options();
  o.keys = RsaKey().Jwk("k1");
  ASSERT_TRUE(ValidatorHandle::Create(o).ok());
  o.keys = RsaKey().Pem();
  auto pem = ValidatorHandle::Create(o);
  ASSERT_TRUE(pem.ok());
  ValidatorHandle::Outcome out;
  (*pem)->Validate(Token(Claims(), "any-kid"), kNow, out);
  EXPECT_EQ(out.error, Error::kOk);  // one explicit key: the kid plays no part
  // A JWK whose kid happens to be "keys" is still one JWK, not a set.
  o.keys = RsaKey().Jwk("keys");
  EXPECT_TRUE(ValidatorHandle::Create(o).ok());
  o.keys = "not a key";
  EXPECT_FALSE(ValidatorHandle::Create(o).ok());
  o = Options();
  o.algorithms = {"none"};
  EXPECT_FALSE(ValidatorHandle::Create(o).ok());
}

TEST(ValidatorHandleTest, UpdateKeysRotatesAndDropsCachedVerdicts) {
  auto handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok());
  const std::string token = Token(Claims());
  ValidatorHandle::Outcome out;
  (*handle)->Validate(token, kNow, out);
  ASSERT_EQ(out.error, Error::kOk);
  ASSERT_TRUE((*handle)->UpdateKeys(JwksOf({RsaKeyB().Jwk("k2")})).ok());
  (*handle)->Validate(token, kNow, out);
  EXPECT_EQ(out.error, Error::kKeyNotFound);
  EXPECT_FALSE((*handle)->UpdateKeys(R"({"keys":[]})").ok());
}

TEST(ValidatorHandleTest, RevokedTokensFailEvenFromTheCache) {
  auto handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok());
  const std::string token = Token(Claims());
  ValidatorHandle::Outcome out;
  (*handle)->Validate(token, kNow, out);
  ASSERT_EQ(out.error, Error::kOk);
  absl::StatusOr<bool> revoked = (*handle)->Revoke(token, kNow);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(*revoked);
  (*handle)->Validate(token, kNow, out);
  EXPECT_EQ(out.error, Error::kRevoked);
  revoked = (*handle)->Revoke(Token(Claims(), "k9"), kNow);
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(*revoked);
}

// A Call is read in place: its views point into the leased scratch, and say what an Outcome
// (the copy) says, failures included.
TEST(ValidatorHandleTest, CallReadsTheVerdictInPlaceAsOutcomeCopiesIt) {
  HandleOptions o = Options();
  o.required_claims = {"jti"};
  o.cache_entries = 0;
  auto handle = ValidatorHandle::Create(o);
  ASSERT_TRUE(handle.ok());
  const std::string good = Token(Claims(R"(,"jti":"j1")"));
  const std::string missing = Token(Claims());
  for (const std::string* token : {&good, &missing}) {
    ValidatorHandle::Outcome out;
    (*handle)->Validate(*token, kNow, out);
    ValidatorHandle::Call call(**handle);
    call.Run(*token, kNow);
    const Verdict verdict = call.verdict();
    EXPECT_EQ(verdict.error, out.error);
    EXPECT_EQ(verdict.payload_json, out.payload_json);
    EXPECT_EQ(verdict.header_json, out.header_json);
    EXPECT_EQ(verdict.detail, out.detail);
    EXPECT_EQ(verdict.missing_claim, out.missing_claim);
  }
  ValidatorHandle::Call call(**handle);
  call.Run(good, kNow);
  ASSERT_EQ(call.verdict().error, Error::kOk);
  EXPECT_EQ(call.verdict().payload_json, Claims(R"(,"jti":"j1")"));
  // Another call meanwhile takes another scratch: the first call's views stay as they were.
  ValidatorHandle::Call other(**handle);
  other.Run(missing, kNow);
  ASSERT_EQ(other.verdict().error, Error::kMissingClaim);
  EXPECT_EQ(other.verdict().missing_claim, "jti");
  EXPECT_EQ(call.verdict().payload_json, Claims(R"(,"jti":"j1")"));
  EXPECT_EQ(call.verdict().missing_claim, "");
}

// A caller's own scratch (NewScratch) serves Call after Call, as a leased one does.
TEST(ValidatorHandleTest, CallOnTheCallersOwnScratch) {
  auto handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok());
  std::unique_ptr<ValidatorScratch> own = (*handle)->NewScratch();
  const std::string good = Token(Claims());
  const std::string bad = Token(Claims(), "k2");
  for (int i = 0; i < 3; ++i) {  // the second good one is a cache hit
    ValidatorHandle::Call call(**handle, *own);
    call.Run(good, kNow);
    ASSERT_EQ(call.verdict().error, Error::kOk);
    EXPECT_EQ(call.verdict().payload_json, Claims());
    ValidatorHandle::Call other(**handle, *own);
    other.Run(bad, kNow);
    EXPECT_EQ(other.verdict().error, Error::kKeyNotFound);
  }
}

// Whether a validation may cost a public-key verification follows the effective allow-list:
// the policy's, or every algorithm of the current keys when the policy names none.
TEST(ValidatorHandleTest, MayVerifyPublicKeyFollowsTheEffectiveAllowList) {
  HandleOptions hmac = Options();
  hmac.keys = JwksOf({HmacKey().Jwk("h1")});
  hmac.algorithms = {"HS256", "HS512"};
  auto handle = ValidatorHandle::Create(hmac);
  ASSERT_TRUE(handle.ok()) << handle.status();
  EXPECT_FALSE((*handle)->MayVerifyPublicKey());
  hmac.algorithms = {};
  handle = ValidatorHandle::Create(hmac);
  ASSERT_TRUE(handle.ok()) << handle.status();
  EXPECT_FALSE((*handle)->MayVerifyPublicKey());
  // A rotation to keys with an RSA key makes RS256 possible: the allow-list is the keys'.
  ASSERT_TRUE((*handle)->UpdateKeys(JwksOf({HmacKey().Jwk("h1"), RsaKey().Jwk("k1")})).ok());
  EXPECT_TRUE((*handle)->MayVerifyPublicKey());
  ASSERT_TRUE((*handle)->UpdateKeys(JwksOf({HmacKey().Jwk("h2")})).ok());
  EXPECT_FALSE((*handle)->MayVerifyPublicKey());
  // A refused rotation changes nothing.
  EXPECT_FALSE((*handle)->UpdateKeys(R"({"keys":[]})").ok());
  EXPECT_FALSE((*handle)->MayVerifyPublicKey());
  HandleOptions mixed = Options();
  mixed.keys = JwksOf({HmacKey().Jwk("h1"), RsaKey().Jwk("k1")});
  mixed.algorithms = {"HS256", "RS256"};
  handle = ValidatorHandle::Create(mixed);
  ASSERT_TRUE(handle.ok()) << handle.status();
  EXPECT_TRUE((*handle)->MayVerifyPublicKey());
  handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok());
  EXPECT_TRUE((*handle)->MayVerifyPublicKey());
}

// Host threads share one handle without owning scratches (the tsan preset checks the pool).
TEST(ValidatorHandleTest, ConcurrentCallersShareOneHandle) {
  auto handle = ValidatorHandle::Create(Options());
  ASSERT_TRUE(handle.ok());
  const std::string good = Token(Claims());
  const std::string bad = Token(Claims(), "k2");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      ValidatorHandle::Outcome out;
      for (int i = 0; i < 200; ++i) {
        (*handle)->Validate(i % 2 ? good : bad, kNow, out);
        if (out.error != (i % 2 ? Error::kOk : Error::kKeyNotFound)) {
          wrong.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace tokenwarden::bindings
