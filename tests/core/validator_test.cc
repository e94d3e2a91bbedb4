#include "core/validator.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using testing::EcKey;
using testing::EcKeyB;
using testing::JwksOf;
using testing::kNow;
using testing::MintAlg;
using testing::MustJwks;

std::string Claims(std::string_view jti, int64_t exp = kNow + 3600) {
  return base::StrCat(R"({"iss":"https://issuer.example","sub":"user-1","jti":")", jti,
                      R"(","exp":)", exp, "}");
}

std::shared_ptr<const KeySet> KeysAandB() {
  return MustJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("a"), EcKeyB().Jwk("b")}));
}

std::shared_ptr<const KeySet> KeysBOnly() { return MustJwks(JwksOf({EcKeyB().Jwk("b")})); }

std::unique_ptr<Validator> MakeValidator(std::shared_ptr<const KeySet> keys, bool cache = true) {
  Policy policy;
  policy.issuer = "https://issuer.example";
  ValidatorOptions options;
  options.cache = cache;
  absl::StatusOr<std::unique_ptr<Validator>> v = Validator::Create(policy, keys, options);
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

TEST(ValidatorTest, SecondValidationIsACacheHitWithTheSameClaims) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Claims("1"), "a");
  ASSERT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk);
  EXPECT_FALSE(r.cache_hit);
  const std::string payload(r.payload_json);
  ASSERT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk);
  EXPECT_TRUE(r.cache_hit);
  EXPECT_EQ(r.payload_json, payload);
  EXPECT_EQ(v->cache()->entries(), 1u);
}

TEST(ValidatorTest, ABoundTokenNeedsItsProofOnMissAndHitAlike) {
  // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused, and a cache hit
  // must not let the second request skip that.
  const std::string claims =
      base::StrCat(R"({"iss":"https://issuer.example","exp":)", kNow + 3600,
                   R"(,"cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}})");
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), claims, "a");
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  Possession bearer;
  Possession proven;
  proven.dpop_jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
  Requirements as_bearer;
  as_bearer.possession = &bearer;
  Requirements with_proof;
  with_proof.possession = &proven;
  for (const bool hit : {false, true}) {
    EXPECT_EQ(v->Validate(token, kNow, scratch, r, with_proof), Error::kOk) << r.detail;
    EXPECT_EQ(r.cache_hit, hit);
    EXPECT_EQ(v->Validate(token, kNow, scratch, r, as_bearer), Error::kProofOfPossessionRequired);
    EXPECT_TRUE(r.cache_hit);
  }
  // Without possession in the requirements the caller judges the binding (introspection).
  EXPECT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk);
}

TEST(ValidatorTest, IntegersBeyond64BitsValidateAndKeepTheirDigits) {
  // PyJWT, jose and jwcrypto sign such claims; they must validate and re-emit digit for digit,
  // from a verification and from a cache hit alike.
  constexpr std::string_view kBig = "123456789012345678901234567890";
  const std::string claims =
      base::StrCat(R"({"iss":"https://issuer.example","exp":)", kNow + 3600, R"(,"big":)", kBig,
                   R"(,"neg":-98765432109876543210987654321,"list":[18446744073709551616]})");
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), claims, "a");
  for (const bool cache : {true, false}) {
    SCOPED_TRACE(cache ? "cache" : "no cache");
    auto v = MakeValidator(KeysAandB(), cache);
    ValidatorScratch scratch(*v);
    ValidationResult r;
    for (const bool hit : {false, cache}) {
      ASSERT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk) << r.detail;
      EXPECT_EQ(r.cache_hit, hit);
      EXPECT_EQ(r.claims().Find("big"), kBig);
      EXPECT_EQ(r.claims().Find("neg"), "-98765432109876543210987654321");
      EXPECT_EQ(r.claims().Find("list"), "[18446744073709551616]");
      EXPECT_EQ(r.payload_json, claims);
    }
  }
}

TEST(ValidatorTest, CacheHitReappliesExpiry) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const std::string token =
      MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Claims("2", kNow + 10), "a");
  ASSERT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk);
  EXPECT_EQ(v->Validate(token, kNow + 10, scratch, r), Error::kExpired);
  EXPECT_TRUE(r.cache_hit);
}

// The bindings validate at the fractional time, with a fractional leeway (PyJWT's and jose's
// comparisons): both reach the time rules unrounded, on a miss and on a cache hit.
TEST(ValidatorTest, TimeAndLeewayKeepTheirFractionsOnMissAndHit) {
  Policy policy;
  policy.leeway_seconds = 1.5;
  absl::StatusOr<std::unique_ptr<Validator>> v = Validator::Create(policy, KeysAandB());
  ASSERT_TRUE(v.ok()) << v.status();
  ValidatorScratch scratch(**v);
  ValidationResult r;
  const std::string token =
      MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Claims("f", kNow + 10), "a");
  const double exp = static_cast<double>(kNow + 10);
  ASSERT_EQ((*v)->Validate(token, exp + 1.4, scratch, r), Error::kOk);
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ((*v)->Validate(token, exp + 1.6, scratch, r), Error::kExpired);
  EXPECT_TRUE(r.cache_hit);
  auto fresh = MakeValidator(KeysAandB(), /*cache=*/false);
  ValidatorScratch fresh_scratch(*fresh);
  EXPECT_EQ(fresh->Validate(token, exp - 0.1, fresh_scratch, r), Error::kOk);
  EXPECT_EQ(fresh->Validate(token, exp + 0.1, fresh_scratch, r), Error::kExpired);
}

TEST(ValidatorTest, InvalidTokensAreNotCached) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Claims("3"), "a");
  token[token.size() - 3] = token[token.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(v->Validate(token, kNow, scratch, r), Error::kInvalidSignature);
  EXPECT_EQ(v->Validate(token, kNow, scratch, r), Error::kInvalidSignature);
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ(v->cache()->entries(), 0u);
}

TEST(ValidatorTest, RevokedTokenIsRejectedOnACacheHit) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Claims("4"), "a");
  ASSERT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk);
  ASSERT_EQ(v->Validate(token, kNow, scratch, r), Error::kOk);
  ASSERT_TRUE(r.cache_hit);
  absl::StatusOr<bool> revoked = v->RevokeToken(token, kNow, scratch);
  ASSERT_TRUE(revoked.ok() && *revoked);
  EXPECT_EQ(v->Validate(token, kNow, scratch, r), Error::kRevoked);
  EXPECT_TRUE(r.cache_hit);
}

// A logged-out session (or a revoked subject or client) ends every token of it issued until
// the revocation's time, on cache hits as on misses; later tokens and other sessions stand.
TEST(ValidatorTest, AttributeRevocationEndsASessionsTokensOnHitsAndMisses) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const auto token = [](std::string_view sid, int64_t iat, std::string_view extra = "") {
    return MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                   base::StrCat(R"({"iss":"https://issuer.example","sub":"user-1","sid":")", sid,
                                R"(","iat":)", iat, R"(,"exp":)", kNow + 3600, extra, "}"),
                   "a");
  };
  const std::string before = token("s-1", kNow - 60);
  const std::string after = token("s-1", kNow + 1);
  const std::string other = token("s-2", kNow - 60);
  ASSERT_EQ(v->Validate(before, kNow, scratch, r), Error::kOk);
  ASSERT_EQ(v->Validate(before, kNow, scratch, r), Error::kOk);
  ASSERT_TRUE(r.cache_hit);
  ASSERT_TRUE(
      v->Revoke(Denylist::AttributeKeyFor(RevokedAttribute::kSid, "https://issuer.example", "s-1"),
                kNow + 7200, kNow, /*issued_until=*/kNow)
          .ok());
  EXPECT_EQ(v->Validate(before, kNow + 2, scratch, r), Error::kRevoked);  // a cache hit
  EXPECT_TRUE(r.cache_hit);
  EXPECT_NE(r.detail.find("session"), std::string_view::npos) << r.detail;
  EXPECT_EQ(v->Validate(after, kNow + 2, scratch, r), Error::kOk);  // issued after: stands
  EXPECT_EQ(v->Validate(other, kNow + 2, scratch, r), Error::kOk);
  // Revoking the subject ends both sessions' earlier tokens, and never becomes cached.
  ASSERT_TRUE(v->Revoke(Denylist::AttributeKeyFor(RevokedAttribute::kSub, "https://issuer.example",
                                                  "user-1"),
                        kNow + 7200, kNow, kNow)
                  .ok());
  EXPECT_EQ(v->Validate(other, kNow + 2, scratch, r), Error::kRevoked);
  EXPECT_EQ(v->Validate(token("s-3", kNow - 5), kNow + 2, scratch, r), Error::kRevoked);  // a miss
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ(v->Validate(after, kNow + 2, scratch, r), Error::kOk);
}

TEST(ValidatorTest, ClientRevocationEndsCachedTokensWhicheverAttributesTheyHave) {
  // A hit is judged by the attribute keys its entry kept: a token with all three attributes,
  // and one whose only attribute is its client id (azp), are both ended by their client's.
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const auto token = [](std::string_view attributes) {
    return MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                   base::StrCat(R"({"iss":"https://issuer.example",)", attributes, R"(,"iat":)",
                                kNow - 60, R"(,"exp":)", kNow + 3600, "}"),
                   "a");
  };
  const std::string all = token(R"("sid":"s-1","sub":"u-1","client_id":"app")");
  const std::string only_client = token(R"("azp":"app")");
  const std::string other = token(R"("sid":"s-2","sub":"u-2","client_id":"other-app")");
  for (const std::string& t : {all, only_client, other}) {
    ASSERT_EQ(v->Validate(t, kNow, scratch, r), Error::kOk);
    ASSERT_EQ(v->Validate(t, kNow, scratch, r), Error::kOk);
    ASSERT_TRUE(r.cache_hit);
  }
  ASSERT_TRUE(v->Revoke(Denylist::AttributeKeyFor(RevokedAttribute::kClientId,
                                                  "https://issuer.example", "app"),
                        kNow + 7200, kNow, /*issued_until=*/kNow)
                  .ok());
  for (const std::string& t : {all, only_client}) {
    EXPECT_EQ(v->Validate(t, kNow + 1, scratch, r), Error::kRevoked);
    EXPECT_TRUE(r.cache_hit);
    EXPECT_NE(r.detail.find("client"), std::string_view::npos) << r.detail;
  }
  EXPECT_EQ(v->Validate(other, kNow + 1, scratch, r), Error::kOk);
  EXPECT_TRUE(r.cache_hit);
}

TEST(ValidatorTest, RevocationCoversAReencodedEcdsaSignature) {
  // s -> n - s gives a second valid signature, hence a second token string. Without a jti the
  // revocation key is the signing input, so the copy is revoked too.
  auto v = MakeValidator(KeysAandB(), /*cache=*/false);
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const std::string claims =
      R"({"iss":"https://issuer.example","exp":)" + std::to_string(kNow + 3600) + "}";
  const std::string token = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), claims, "a");
  std::string sig = testing::SignatureOf(token);
  bssl::UniquePtr<BIGNUM> s(
      BN_bin2bn(reinterpret_cast<const uint8_t*>(sig.data()) + 32, 32, nullptr));
  bssl::UniquePtr<BIGNUM> n_minus_s(BN_new());
  ASSERT_TRUE(BN_sub(n_minus_s.get(),
                     EC_GROUP_get0_order(EC_KEY_get0_group(EcKey(Algorithm::kEs256).ec())),
                     s.get()));
  ASSERT_TRUE(BN_bn2bin_padded(reinterpret_cast<uint8_t*>(sig.data()) + 32, 32, n_minus_s.get()));
  const std::string twin = testing::WithSignature(token, sig);
  ASSERT_NE(twin, token);
  ASSERT_EQ(v->Validate(twin, kNow, scratch, r), Error::kOk);  // a valid second encoding
  ASSERT_TRUE(*v->RevokeToken(token, kNow, scratch));
  EXPECT_EQ(v->Validate(token, kNow, scratch, r), Error::kRevoked);
  EXPECT_EQ(v->Validate(twin, kNow, scratch, r), Error::kRevoked);
}

TEST(ValidatorTest, RevokingAnInvalidTokenDoesNothing) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  absl::StatusOr<bool> revoked = v->RevokeToken("not.a.token", kNow, scratch);
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(*revoked);
  EXPECT_TRUE(v->denylist().empty());
}

TEST(ValidatorTest, RotatedOutKeyStopsValidatingEvenFromCache) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const std::string by_a = MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), Claims("5"), "a");
  const std::string by_b = MintAlg(Algorithm::kEs256, EcKeyB(), Claims("6"), "b");
  ASSERT_EQ(v->Validate(by_a, kNow, scratch, r), Error::kOk);
  ASSERT_EQ(v->Validate(by_a, kNow, scratch, r), Error::kOk);
  ASSERT_TRUE(r.cache_hit);
  ASSERT_TRUE(v->UpdateKeys(KeysBOnly()).ok());
  EXPECT_EQ(v->Validate(by_a, kNow, scratch, r), Error::kKeyNotFound);
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kOk);
}

// A rotation drops only what it must: tokens of a key that stays keep hitting the cache
// (no cold burst at every JWKS refresh), while a token whose key changed under the same kid,
// or now has another key tried first, is verified afresh.
TEST(ValidatorTest, RotationKeepsCachedTokensOfKeysThatStay) {
  auto v = MakeValidator(KeysAandB());
  ValidatorScratch scratch(*v);
  ValidationResult r;
  const std::string by_b = MintAlg(Algorithm::kEs256, EcKeyB(), Claims("8"), "b");
  ASSERT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kOk);
  ASSERT_FALSE(r.cache_hit);

  ASSERT_TRUE(v->UpdateKeys(KeysBOnly()).ok());  // "a" rotated out, "b" stays
  EXPECT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kOk);
  EXPECT_TRUE(r.cache_hit);
  EXPECT_EQ(r.token.claims.jti, "8");
  ASSERT_TRUE(v->UpdateKeys(KeysAandB()).ok());  // and "a" back in
  EXPECT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kOk);
  EXPECT_TRUE(r.cache_hit);

  // kid "b" now names other material: the cached verdict must not survive.
  ASSERT_TRUE(v->UpdateKeys(MustJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("b")}))).ok());
  EXPECT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kInvalidSignature);
  EXPECT_FALSE(r.cache_hit);

  // Back to "b", then a set where another key with kid "b" is tried first: verified afresh
  // (with the real "b", second in line), not served from the cache.
  ASSERT_TRUE(v->UpdateKeys(KeysBOnly()).ok());
  ASSERT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kOk);
  ASSERT_TRUE(
      v->UpdateKeys(MustJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("b"), EcKeyB().Jwk("b")}))).ok());
  EXPECT_EQ(v->Validate(by_b, kNow, scratch, r), Error::kOk);
  EXPECT_FALSE(r.cache_hit);
}

// A remote issuer's Validator starts with the empty set before its first fetch: every token
// fails as key_not_found until keys arrive, then validates without a new Validator.
TEST(ValidatorTest, EmptyKeySetFindsNoKeyUntilKeysArrive) {
  Policy policy;
  policy.issuer = "https://issuer.example";
  policy.algorithms.Add(Algorithm::kEs256);
  absl::StatusOr<std::unique_ptr<Validator>> v = Validator::Create(policy, KeySet::Empty());
  ASSERT_TRUE(v.ok()) << v.status();
  ValidatorScratch scratch(**v);
  ValidationResult r;
  const std::string by_b = MintAlg(Algorithm::kEs256, EcKeyB(), Claims("7"), "b");
  EXPECT_TRUE(KeySet::Empty()->empty());
  EXPECT_EQ((*v)->Validate(by_b, kNow, scratch, r), Error::kKeyNotFound);
  ASSERT_TRUE((*v)->UpdateKeys(KeysBOnly()).ok());
  EXPECT_EQ((*v)->Validate(by_b, kNow, scratch, r), Error::kOk);
  ASSERT_TRUE((*v)->UpdateKeys(KeySet::Empty()).ok());
  EXPECT_EQ((*v)->Validate(by_b, kNow, scratch, r), Error::kKeyNotFound);
}

// Readers validate from two threads while a writer rotates keys, revokes and the cache evicts;
// run under the tsan preset this is the data-race check of the whole hot path.
TEST(ValidatorTest, ConcurrentValidationRotationAndRevocation) {
  TokenCacheOptions small;
  small.max_entries = 16;  // force evictions
  Policy policy;
  policy.issuer = "https://issuer.example";
  ValidatorOptions options;
  options.cache_options = small;
  auto v = *Validator::Create(policy, KeysAandB(), options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) {
    tokens.push_back(MintAlg(Algorithm::kEs256, EcKeyB(), Claims("c" + std::to_string(i)), "b"));
  }
  const std::string revoked_token = tokens[0];
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::atomic<int> validations{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      ValidatorScratch scratch(*v);
      ValidationResult r;
      size_t i = static_cast<size_t>(t);
      while (!stop.load()) {
        const std::string& tok = tokens[i++ % tokens.size()];
        const Error e = v->Validate(tok, kNow, scratch, r);
        if (e != Error::kOk && !(e == Error::kRevoked && tok == revoked_token)) {
          ++wrong;
        }
        ++validations;
      }
    });
  }
  ValidatorScratch writer_scratch(*v);
  // Bounded: until the readers did 20000 validations (rotating keys all along), at most 10 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int round = 0; validations.load() < 20000 && std::chrono::steady_clock::now() < deadline;
       ++round) {
    ASSERT_TRUE(v->UpdateKeys(round % 2 == 0 ? KeysBOnly() : KeysAandB()).ok());
    if (round == 50) {
      ASSERT_TRUE(*v->RevokeToken(revoked_token, kNow, writer_scratch));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  stop = true;
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  ValidationResult r;
  EXPECT_EQ(v->Validate(revoked_token, kNow, writer_scratch, r), Error::kRevoked);
}

}  // namespace
}  // namespace tokenwarden
