#include "core/jwk_thumbprint.h"

#include <gtest/gtest.h>

#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using testing::EcKey;
using testing::EcKeyB;
using testing::Ed25519Key;

// RFC 7638 §3.1's example key and its thumbprint.
constexpr char kRfc7638Jwk[] =
    R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})";

TEST(JwkThumbprintTest, Rfc7638Example) {
  EXPECT_EQ(JwkThumbprint(kRfc7638Jwk).value(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkThumbprintTest, Rfc9449ExampleKey) {
  // RFC 9449 §4.1's proof key; §6.1's jkt is its thumbprint.
  EXPECT_EQ(JwkThumbprint(R"({"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",)"
                          R"("y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"})")
                .value(),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
}

TEST(JwkThumbprintTest, OnlyTheRequiredMembersCount) {
  const std::string plain = EcKey(Algorithm::kEs256).Jwk();
  const std::string decorated = EcKey(Algorithm::kEs256).Jwk("k1", R"("use":"sig")");
  EXPECT_EQ(JwkThumbprint(plain).value(), JwkThumbprint(decorated).value());
  EXPECT_NE(JwkThumbprint(plain).value(), JwkThumbprint(EcKeyB().Jwk()).value());
  EXPECT_TRUE(JwkThumbprint(Ed25519Key().Jwk()).ok());
  EXPECT_EQ(JwkThumbprint(Ed25519Key().Jwk())->size(), 43u);
}

TEST(JwkThumbprintTest, RefusesWhatHasNone) {
  for (const char* jwk :
       {"", "[]", R"({"kty":"oct","k":"AAAA"})", R"({"kty":"EC","crv":"P-256","x":"a"})",
        R"({"kty":"RSA","n":1,"e":"AQAB"})", R"({"n":"a","e":"AQAB"})",
        R"({"kty":"RSA","n":"a\"b","e":"AQAB"})"}) {
    EXPECT_FALSE(JwkThumbprint(jwk).ok()) << jwk;
  }
}

}  // namespace
}  // namespace tokenwarden
