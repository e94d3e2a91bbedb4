#include "core/dpop.h"

#include <string>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "core/dpop_replay_cache.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using testing::AllAlgorithms;
using testing::Assemble;
using testing::EcKey;
using testing::EcKeyB;
using testing::HmacKey;
using testing::KeyFor;
using testing::Mint;
using testing::Rsa1024Key;
using testing::TestKey;

// RFC 9449's own proofs: figure 2 (§4.1, a token request) and figure 13 (§7.1, a resource
// request with the access token below), with the line folding undone.
constexpr char kRfcTokenProof[] =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0Vj"
    "NoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5"
    "VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TV"
    "CIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8"
    "lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
constexpr char kRfcResourceProof[] =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0Vj"
    "NoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5"
    "VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUI"
    "iwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI"
    "2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqz"
    "hrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA";
constexpr char kRfcAccessToken[] = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
constexpr char kRfcJkt[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

constexpr int64_t kNow = 1800000000;
constexpr char kUrl[] = "https://api.test/orders";

DpopRequest RfcResourceRequest() {
  DpopRequest request;
  request.method = "GET";
  request.url = "https://resource.example.org/protectedresource";
  request.access_token = kRfcAccessToken;
  request.now = 1562262618;
  return request;
}

// Proof mints a proof with `key` under `alg`; `header_extra` and `claims` are raw JSON
// members (claims replace the defaults when given).
std::string Proof(const TestKey& key, Algorithm alg, std::string_view claims,
                  std::string_view header_extra = "", std::string_view typ = "dpop+jwt") {
  const std::string header = base::StrCat(R"({"typ":")", typ, R"(","alg":")", AlgorithmName(alg),
                                          R"(","jwk":)", key.Jwk(), header_extra, "}");
  return Mint(header, base::StrCat("{", claims, "}"), key, alg);
}

std::string Claims(int64_t iat = kNow, std::string_view extra = "") {
  return base::StrCat(R"("jti":"j-1","htm":"POST","htu":")", kUrl, R"(","iat":)", iat, extra);
}

DpopRequest Request() {
  DpopRequest request;
  request.method = "POST";
  request.url = kUrl;
  request.now = kNow;
  return request;
}

TEST(DpopTest, Rfc9449TokenRequestProof) {
  DpopRequest request;
  request.method = "POST";
  request.url = "https://server.example.com/token";
  request.now = 1562262616;
  const DpopResult result = VerifyDpopProof(kRfcTokenProof, request);
  ASSERT_EQ(result.error, Error::kOk) << result.detail;
  EXPECT_EQ(result.proof.jkt, kRfcJkt);
  EXPECT_EQ(result.proof.jti, "-BwC3ESc6acc2lTc");
  EXPECT_EQ(result.proof.iat, 1562262616);
  EXPECT_EQ(result.proof.alg, Algorithm::kEs256);
  EXPECT_EQ(result.proof.replay_until, 1562262616 + 60);
}

TEST(DpopTest, Rfc9449ResourceRequestProofAndItsAth) {
  EXPECT_EQ(AccessTokenHash(kRfcAccessToken), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
  const DpopResult result = VerifyDpopProof(kRfcResourceProof, RfcResourceRequest());
  ASSERT_EQ(result.error, Error::kOk) << result.detail;
  EXPECT_EQ(result.proof.jkt, kRfcJkt);

  DpopRequest other_token = RfcResourceRequest();
  other_token.access_token = "another-token";
  EXPECT_EQ(VerifyDpopProof(kRfcResourceProof, other_token).error, Error::kInvalidDpopProof);
  DpopRequest post = RfcResourceRequest();
  post.method = "POST";
  EXPECT_EQ(VerifyDpopProof(kRfcResourceProof, post).detail,
            "the DPoP proof's htm is not the request's method");
  DpopRequest elsewhere = RfcResourceRequest();
  elsewhere.url = "https://resource.example.org/other";
  EXPECT_EQ(VerifyDpopProof(kRfcResourceProof, elsewhere).detail,
            "the DPoP proof's htu is not the request's URL");
  DpopRequest spelled = RfcResourceRequest();
  spelled.url = "HTTPS://Resource.Example.ORG:443/protectedresource?page=2";
  EXPECT_EQ(VerifyDpopProof(kRfcResourceProof, spelled).error, Error::kOk);
  DpopRequest later = RfcResourceRequest();
  later.now += 3600;
  EXPECT_EQ(VerifyDpopProof(kRfcResourceProof, later).detail,
            "the DPoP proof is too old (its iat)");
  std::string tampered = kRfcResourceProof;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyDpopProof(tampered, RfcResourceRequest()).detail,
            "the DPoP proof's signature does not verify with its jwk");
}

TEST(DpopTest, EveryAsymmetricAlgorithm) {
  for (const Algorithm alg : AllAlgorithms()) {
    if (RequiredKeyType(alg) == KeyType::kOct) {
      continue;
    }
    const DpopResult result = VerifyDpopProof(Proof(KeyFor(alg), alg, Claims()), Request());
    EXPECT_EQ(result.error, Error::kOk) << AlgorithmName(alg) << ": " << result.detail;
    EXPECT_EQ(result.proof.alg, alg);
  }
}

// panva's dpop and oidc-provider sign an Ed25519 key's proofs with alg "Ed25519" (RFC 9864
// §2.2): EdDSA under its fully-specified name, taken where EdDSA is allowed.
TEST(DpopTest, Ed25519IsEdDsaByItsFullySpecifiedName) {
  const TestKey& ed = KeyFor(Algorithm::kEdDsa);
  const std::string proof = Mint(R"({"typ":"dpop+jwt","alg":"Ed25519","jwk":)" + ed.Jwk() + "}",
                                 "{" + Claims() + "}", ed, Algorithm::kEdDsa);
  const DpopResult result = VerifyDpopProof(proof, Request());
  EXPECT_EQ(result.error, Error::kOk) << result.detail;
  EXPECT_EQ(result.proof.alg, Algorithm::kEdDsa);
  DpopOptions no_eddsa;
  no_eddsa.algorithms = AlgorithmSet();
  no_eddsa.algorithms.Add(Algorithm::kEs256);
  EXPECT_EQ(VerifyDpopProof(proof, Request(), no_eddsa).detail,
            "the DPoP proof's alg is not an allowed asymmetric algorithm");
  // The name fits an Ed25519 jwk only.
  const TestKey& ec = EcKey(Algorithm::kEs256);
  EXPECT_EQ(VerifyDpopProof(Mint(R"({"typ":"dpop+jwt","alg":"Ed25519","jwk":)" + ec.Jwk() + "}",
                                 "{" + Claims() + "}", ed, Algorithm::kEdDsa),
                            Request())
                .detail,
            "the DPoP proof's jwk is not a public key that fits its alg");
}

TEST(DpopTest, HeaderChecks) {
  const TestKey& key = EcKey(Algorithm::kEs256);
  const auto detail = [](const std::string& proof) {
    return std::string(VerifyDpopProof(proof, Request()).detail);
  };
  EXPECT_EQ(detail(Proof(key, Algorithm::kEs256, Claims(), "", "JWT")),
            "the DPoP proof's typ is not dpop+jwt");
  EXPECT_EQ(detail(Proof(key, Algorithm::kEs256, Claims(), "", "application/dpop+jwt")),
            "the DPoP proof's typ is not dpop+jwt");
  EXPECT_EQ(detail(Proof(key, Algorithm::kEs256, Claims(), R"(,"crit":["x"],"x":1)")),
            "the DPoP proof lists a critical header parameter we do not understand");
  // HMAC: an oct jwk is a private key, and HS256 is never a DPoP algorithm.
  const std::string hmac = Mint(
      R"({"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}})",
      "{" + Claims() + "}", HmacKey(), Algorithm::kHs256);
  EXPECT_EQ(detail(hmac), "the DPoP proof's alg is not an allowed asymmetric algorithm");
  const std::string none = Assemble(R"({"typ":"dpop+jwt","alg":"none","jwk":)" + key.Jwk() + "}",
                                    "{" + Claims() + "}", "");
  EXPECT_EQ(VerifyDpopProof(none, Request()).error, Error::kInvalidDpopProof);
  // No jwk, a private jwk, the key of another proof, a key that does not fit alg.
  EXPECT_EQ(detail(Mint(R"({"typ":"dpop+jwt","alg":"ES256"})", "{" + Claims() + "}", key,
                        Algorithm::kEs256)),
            "the DPoP proof's header has no jwk object");
  const std::string private_jwk = key.Jwk().substr(0, key.Jwk().size() - 1) + R"(,"d":"AAAA"})";
  EXPECT_EQ(detail(Mint(R"({"typ":"dpop+jwt","alg":"ES256","jwk":)" + private_jwk + "}",
                        "{" + Claims() + "}", key, Algorithm::kEs256)),
            "the DPoP proof's jwk holds a private key");
  EXPECT_EQ(detail(Mint(R"({"typ":"dpop+jwt","alg":"ES256","jwk":)" + EcKeyB().Jwk() + "}",
                        "{" + Claims() + "}", key, Algorithm::kEs256)),
            "the DPoP proof's signature does not verify with its jwk");
  EXPECT_EQ(detail(Mint(R"({"typ":"dpop+jwt","alg":"ES384","jwk":)" + key.Jwk() + "}",
                        "{" + Claims() + "}", EcKey(Algorithm::kEs384), Algorithm::kEs384)),
            "the DPoP proof's jwk is not a public key that fits its alg");
  EXPECT_EQ(detail(Mint(R"({"typ":"dpop+jwt","alg":"RS256","jwk":)" + Rsa1024Key().Jwk() + "}",
                        "{" + Claims() + "}", Rsa1024Key(), Algorithm::kRs256)),
            "the DPoP proof's jwk is not a public key that fits its alg");
}

TEST(DpopTest, PayloadChecks) {
  const TestKey& key = EcKey(Algorithm::kEs256);
  const auto detail = [&](std::string_view claims) {
    return std::string(VerifyDpopProof(Proof(key, Algorithm::kEs256, claims), Request()).detail);
  };
  EXPECT_EQ(detail(R"("htm":"POST","htu":"https://api.test/orders","iat":1800000000)"),
            "the DPoP proof lacks jti, htm, htu or iat (RFC 9449 section 4.2)");
  EXPECT_EQ(detail(R"("jti":"","htm":"POST","htu":"https://api.test/orders","iat":1800000000)"),
            "the DPoP proof's jti is empty or longer than 256 bytes");
  EXPECT_EQ(detail(Claims(kNow, R"(,"jti":"again")")),
            "the DPoP proof's payload has a duplicate member name");
  EXPECT_EQ(detail(R"("jti":"j","htm":"POST","htu":"https://api.test/orders","iat":"1800000000")"),
            "the DPoP proof's iat is not a number");
  EXPECT_EQ(detail(R"("jti":1,"htm":"POST","htu":"https://api.test/orders","iat":1800000000)"),
            "a DPoP proof's jti, htm, htu, ath and nonce must be strings");
  EXPECT_EQ(detail(R"("jti":"j","htm":"post","htu":"https://api.test/orders","iat":1800000000)"),
            "the DPoP proof's htm is not the request's method");
  EXPECT_EQ(detail(R"("jti":"j","htm":"POST","htu":"/orders","iat":1800000000)"),
            "the DPoP proof's htu is not an http or https URL");
}

TEST(DpopTest, IatWindowWithLeeway) {
  const TestKey& key = EcKey(Algorithm::kEs256);
  const auto error = [&](int64_t iat, DpopOptions options = {}) {
    return VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims(iat)), Request(), options).error;
  };
  EXPECT_EQ(error(kNow - 60), Error::kOk);
  EXPECT_EQ(error(kNow - 61), Error::kInvalidDpopProof);
  EXPECT_EQ(error(kNow + 60), Error::kOk);
  EXPECT_EQ(error(kNow + 61), Error::kInvalidDpopProof);
  DpopOptions lenient;
  lenient.leeway_seconds = 5;
  EXPECT_EQ(error(kNow - 65, lenient), Error::kOk);
  EXPECT_EQ(error(kNow + 66, lenient), Error::kInvalidDpopProof);
  EXPECT_EQ(VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims(kNow - 10)), Request(), lenient)
                .proof.replay_until,
            kNow - 10 + 60 + 5);
}

TEST(DpopTest, AthAndNonce) {
  const TestKey& key = EcKey(Algorithm::kEs256);
  DpopRequest with_token = Request();
  with_token.access_token = "the-token";
  EXPECT_EQ(VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims()), with_token).detail,
            "the DPoP proof lacks ath, the hash of the access token");
  const std::string ath = base::StrCat(R"(,"ath":")", AccessTokenHash("the-token"), R"(")");
  EXPECT_EQ(VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims(kNow, ath)), with_token).error,
            Error::kOk);

  DpopRequest with_nonce = Request();
  with_nonce.nonce = "n-2";
  EXPECT_EQ(VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims()), with_nonce).error,
            Error::kUseDpopNonce);
  EXPECT_EQ(
      VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims(kNow, R"(,"nonce":"n-1")")), with_nonce)
          .error,
      Error::kUseDpopNonce);
  EXPECT_EQ(
      VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims(kNow, R"(,"nonce":"n-2")")), with_nonce)
          .error,
      Error::kOk);
}

TEST(DpopTest, MalformedAndOversizedProofs) {
  for (const char* proof : {"", "a.b", "a.b.c.d", "not.a.jwt", "eyJ9.eyJ9.AAAA", "..."}) {
    EXPECT_EQ(VerifyDpopProof(proof, Request()).error, Error::kInvalidDpopProof) << proof;
  }
  EXPECT_EQ(VerifyDpopProof(std::string(9000, 'a'), Request()).detail,
            "the DPoP proof is larger than the configured maximum");
}

TEST(DpopTest, ReplayKeysDifferByJtiAndKey) {
  const TestKey& key = EcKey(Algorithm::kEs256);
  const DpopProof a = VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims()), Request()).proof;
  const DpopProof again = VerifyDpopProof(Proof(key, Algorithm::kEs256, Claims()), Request()).proof;
  const DpopProof other_jti =
      VerifyDpopProof(
          Proof(key, Algorithm::kEs256,
                R"("jti":"j-2","htm":"POST","htu":"https://api.test/orders","iat":1800000000)"),
          Request())
          .proof;
  const DpopProof other_key =
      VerifyDpopProof(Proof(EcKeyB(), Algorithm::kEs256, Claims()), Request()).proof;
  EXPECT_EQ(a.replay_key, again.replay_key);
  EXPECT_NE(a.replay_key, other_jti.replay_key);
  EXPECT_NE(a.replay_key, other_key.replay_key);
}

TEST(DpopReplayCacheTest, AcceptsOnceUntilItsTime) {
  DpopReplayCache cache(1000);
  const DpopReplayKey key{1, 2, 3};
  EXPECT_EQ(cache.Remember(key, 160, 100), DpopReplayCache::Outcome::kFresh);
  EXPECT_EQ(cache.Remember(key, 160, 150), DpopReplayCache::Outcome::kReplayed);
  EXPECT_EQ(cache.Remember(key, 160, 160), DpopReplayCache::Outcome::kReplayed);
  // Past its time the proof is refused as too old anyway; the slot may serve again.
  EXPECT_EQ(cache.Remember(key, 300, 161), DpopReplayCache::Outcome::kFresh);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(DpopReplayCacheTest, FullOfLiveProofsRefusesRatherThanForget) {
  DpopReplayCache cache(16);  // one per shard
  DpopReplayKey first{};
  first[0] = 5;
  DpopReplayKey second = first;
  second[1] = 1;  // the same shard
  EXPECT_EQ(cache.Remember(first, 200, 100), DpopReplayCache::Outcome::kFresh);
  EXPECT_EQ(cache.Remember(second, 200, 100), DpopReplayCache::Outcome::kFull);
  EXPECT_EQ(cache.Remember(first, 200, 150), DpopReplayCache::Outcome::kReplayed);
  // Once the first has expired, it is swept to make room.
  EXPECT_EQ(cache.Remember(second, 400, 201), DpopReplayCache::Outcome::kFresh);
}

}  // namespace
}  // namespace tokenwarden
