#include "core/possession.h"

#include <string>

#include <gtest/gtest.h>

#include "core/jwk_thumbprint.h"
#include "core/policy.h"

namespace tokenwarden {
namespace {

constexpr std::string_view kJkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
constexpr std::string_view kCert = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2";

// P is a Possession: the DPoP key's thumbprint, the certificate's, whether DPoP is required.
Possession P(std::string_view jkt, std::string_view certificate = {}, bool required = false) {
  Possession possession;
  possession.dpop_jkt = jkt;
  possession.certificate_thumbprint = certificate;
  possession.dpop_required = required;
  return possession;
}

Claims WithCnf(std::optional<std::string_view> cnf) {
  Claims claims;
  claims.cnf = cnf;
  return claims;
}

Error Check(const Possession& possession, const Claims& claims, std::string* why = nullptr) {
  std::string_view detail;
  const Error error = CheckPossession(possession, claims, detail);
  if (why != nullptr) {
    *why = std::string(detail);
  }
  return error;
}

TEST(PossessionTest, DpopBoundTokenNeedsAProofByItsKey) {
  const Claims bound = WithCnf(R"({"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"})");
  std::string why;
  EXPECT_EQ(Check(P({}), bound, &why), Error::kProofOfPossessionRequired);
  EXPECT_NE(why.find("not as a bearer token"), std::string::npos) << why;
  EXPECT_EQ(Check(P(kJkt), bound), Error::kOk);
  EXPECT_EQ(Check(P("another-thumbprint"), bound), Error::kDpopKeyMismatch);
  // A certificate does not stand in for the DPoP key.
  EXPECT_EQ(Check(P({}, kCert), bound), Error::kProofOfPossessionRequired);
}

TEST(PossessionTest, UnboundTokens) {
  const Claims plain = WithCnf(std::nullopt);
  EXPECT_EQ(Check(P({}), plain), Error::kOk);
  EXPECT_EQ(Check(P({}, kCert), plain), Error::kOk);
  EXPECT_EQ(Check(P(kJkt), plain), Error::kDpopKeyMismatch);
  EXPECT_EQ(Check(P({}, {}, true), plain), Error::kProofOfPossessionRequired);
  // A cnf with neither member (say a JWE-encrypted key, RFC 7800 §3.3) binds to nothing here.
  EXPECT_EQ(Check(P({}), WithCnf(R"({"kid":"k1"})")), Error::kOk);
}

TEST(PossessionTest, CertificateBoundToken) {
  const Claims bound = WithCnf(R"({"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"})");
  EXPECT_EQ(Check(P({}), bound), Error::kProofOfPossessionRequired);
  EXPECT_EQ(Check(P({}, kCert), bound), Error::kOk);
  EXPECT_EQ(Check(P({}, "x"), bound), Error::kCertificateMismatch);
}

TEST(PossessionTest, BothBindingsMustHold) {
  const Claims bound = WithCnf(R"({"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",)"
                               R"("x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"})");
  EXPECT_EQ(Check(P(kJkt), bound), Error::kProofOfPossessionRequired);
  EXPECT_EQ(Check(P(kJkt, kCert), bound), Error::kOk);
}

TEST(PossessionTest, AMemberOfTheWrongTypeBindsToNothingPresentable) {
  EXPECT_EQ(Check(P(kJkt), WithCnf(R"({"jkt":42})")), Error::kDpopKeyMismatch);
  EXPECT_EQ(Check(P({}, kCert), WithCnf(R"({"x5t#S256":null})")), Error::kCertificateMismatch);
}

TEST(PossessionTest, CertificateThumbprintIsBase64UrlSha256) {
  // SHA-256 of the empty string, base64url.
  EXPECT_EQ(CertificateThumbprint(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

TEST(PossessionTest, RequirementsCheckPossessionFirst) {
  const std::string scope = "read";
  Requirements requirements;
  requirements.scopes = std::span<const std::string>(&scope, 1);
  const Possession none;
  requirements.possession = &none;
  EXPECT_FALSE(requirements.empty());
  std::string_view detail;
  EXPECT_EQ(CheckRequirements(requirements, Policy{},
                              WithCnf(R"({"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"})"),
                              detail),
            Error::kProofOfPossessionRequired);
}

}  // namespace
}  // namespace tokenwarden
