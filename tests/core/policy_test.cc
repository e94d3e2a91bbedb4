#include "core/policy.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/str_cat.h"
#include "core/claims_json.h"
#include "core/internal/claims_reader.h"
#include "core/internal/jose_json.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::kNow;
using testing::RecordingTrace;

// T renders kNow + `offset` as a JSON number.
std::string T(int64_t offset) { return StrCat(kNow + offset); }

// TypedToken types a header and payload JSON with the core's own readers, so a policy case
// reads as the token it describes.
class TypedToken {
 public:
  TypedToken(std::string_view header_json, std::string_view payload_json)
      : header_json_(header_json), payload_text_(payload_json) {
    simdjson::dom::element root;
    std::string_view detail;
    EXPECT_EQ(header_parser_.parse(header_json_).get(root), simdjson::SUCCESS) << header_json;
    EXPECT_EQ(internal::ReadHeader(root, header_, header_storage_, detail), Error::kOk)
        << header_json << ": " << detail;
    EXPECT_EQ(internal::ReadClaimsJson(payload_text_, claims_, claims_storage_, detail), Error::kOk)
        << payload_json << ": " << detail;
  }
  const Header& header() const { return header_; }
  const Claims& claims() const { return claims_; }

 private:
  simdjson::padded_string header_json_;
  std::string payload_text_;
  simdjson::dom::parser header_parser_;
  internal::HeaderStorage header_storage_;
  internal::ClaimsStorage claims_storage_;
  Header header_;
  Claims claims_;
};

struct PolicyCase {
  std::string name;
  std::string header;
  std::string payload;
  std::function<void(Policy&)> configure;
  Error want;
};

class PolicyRuleTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyRuleTest, AppliesRule) {
  const PolicyCase& c = GetParam();
  TypedToken token(c.header, c.payload);
  Policy policy;
  c.configure(policy);
  ASSERT_TRUE(ValidatePolicy(policy).ok()) << ValidatePolicy(policy);
  std::string_view detail;
  const Error got = CheckClaims(policy, token.header(), token.claims(), kNow, nullptr, detail);
  EXPECT_EQ(got, c.want) << "got " << ErrorCode(got) << ", want " << ErrorCode(c.want)
                         << "\nheader " << c.header << "\npayload " << c.payload;
  if (c.want == Error::kOk) {
    EXPECT_TRUE(detail.empty()) << detail;
  } else {
    EXPECT_FALSE(detail.empty());
  }
  // With a trace the verdict is the same (the first failure), and every failure is reported.
  RecordingTrace trace;
  std::string_view traced_detail;
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), kNow, &trace, traced_detail), got);
  EXPECT_EQ(traced_detail, detail);
  bool first_failure_seen = false;
  for (const RecordingTrace::Entry& e : trace.entries) {
    if (!e.applied) {
      EXPECT_EQ(e.result, Error::kOk) << e.check;
    }
    if (e.result != Error::kOk && !first_failure_seen) {
      first_failure_seen = true;
      EXPECT_EQ(e.result, got) << e.check;
    }
  }
  EXPECT_EQ(first_failure_seen, got != Error::kOk);
}

std::string CaseName(const ::testing::TestParamInfo<PolicyCase>& p) { return p.param.name; }

const std::string kHeader = R"({"alg":"RS256"})";

// Valid returns a payload with exp an hour away plus `members`.
std::string Valid(std::string_view members = "") {
  return StrCat("{\"exp\":", T(3600), members.empty() ? "" : ",", members, "}");
}

void NoPolicy(Policy&) {}

// --- exp / nbf / iat ---------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    Times, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"ExpInOneSecond", kHeader, "{\"exp\":" + T(1) + "}", NoPolicy, Error::kOk},
        PolicyCase{"ExpEqualsNow", kHeader, "{\"exp\":" + T(0) + "}", NoPolicy, Error::kExpired},
        PolicyCase{"ExpOneSecondAgo", kHeader, "{\"exp\":" + T(-1) + "}", NoPolicy,
                   Error::kExpired},
        PolicyCase{"ExpHalfSecondAhead", kHeader, "{\"exp\":" + T(0) + ".5}", NoPolicy, Error::kOk},
        PolicyCase{"ExpHalfSecondAgo", kHeader, "{\"exp\":" + T(-1) + ".5}", NoPolicy,
                   Error::kExpired},
        PolicyCase{"ExpHuge", kHeader, R"({"exp":1e300})", NoPolicy, Error::kOk},
        PolicyCase{"ExpHugeNegative", kHeader, R"({"exp":-1e300})", NoPolicy, Error::kExpired},
        PolicyCase{"ExpZero", kHeader, R"({"exp":0})", NoPolicy, Error::kExpired},
        PolicyCase{"ExpWithinLeeway", kHeader, "{\"exp\":" + T(-59) + "}",
                   [](Policy& p) { p.leeway_seconds = 60; }, Error::kOk},
        PolicyCase{"ExpAtLeewayEdge", kHeader, "{\"exp\":" + T(-60) + "}",
                   [](Policy& p) { p.leeway_seconds = 60; }, Error::kExpired},
        PolicyCase{"ExpWithinFractionalLeeway", kHeader, "{\"exp\":" + T(-1) + "}",
                   [](Policy& p) { p.leeway_seconds = 1.5; }, Error::kOk},
        PolicyCase{"ExpBeyondFractionalLeeway", kHeader, "{\"exp\":" + T(-2) + "}",
                   [](Policy& p) { p.leeway_seconds = 1.5; }, Error::kExpired},
        PolicyCase{"ExpMissing", kHeader, R"({"sub":"u"})", NoPolicy, Error::kMissingClaim},
        PolicyCase{"ExpMissingAllowed", kHeader, R"({"sub":"u"})",
                   [](Policy& p) { p.require_exp = false; }, Error::kOk},
        PolicyCase{"ExpPresentStillCheckedWhenOptional", kHeader, "{\"exp\":" + T(-1) + "}",
                   [](Policy& p) { p.require_exp = false; }, Error::kExpired},
        PolicyCase{"ExpExpiredButNotChecked", kHeader, "{\"exp\":" + T(-1) + "}",
                   [](Policy& p) { p.check_exp = false; }, Error::kOk},
        PolicyCase{"ExpMissingStillRequiredWhenNotChecked", kHeader, R"({"sub":"u"})",
                   [](Policy& p) { p.check_exp = false; }, Error::kMissingClaim},
        PolicyCase{"NbfFutureButNotChecked", kHeader, Valid("\"nbf\":" + T(100)),
                   [](Policy& p) { p.check_nbf = false; }, Error::kOk},
        PolicyCase{"IatFutureButNotChecked", kHeader, Valid("\"iat\":" + T(100)),
                   [](Policy& p) { p.check_iat = false; }, Error::kOk},
        PolicyCase{"IatUncheckedStillChecksNbf", kHeader,
                   Valid("\"iat\":" + T(100) + ",\"nbf\":" + T(100)),
                   [](Policy& p) { p.check_iat = false; }, Error::kNotYetValid},
        PolicyCase{"NbfNow", kHeader, Valid("\"nbf\":" + T(0)), NoPolicy, Error::kOk},
        PolicyCase{"NbfInOneSecond", kHeader, Valid("\"nbf\":" + T(1)), NoPolicy,
                   Error::kNotYetValid},
        PolicyCase{"NbfHalfSecondAhead", kHeader, Valid("\"nbf\":" + T(0) + ".5"), NoPolicy,
                   Error::kNotYetValid},
        PolicyCase{"NbfPast", kHeader, Valid("\"nbf\":" + T(-1000)), NoPolicy, Error::kOk},
        PolicyCase{"NbfAtLeewayEdge", kHeader, Valid("\"nbf\":" + T(60)),
                   [](Policy& p) { p.leeway_seconds = 60; }, Error::kOk},
        PolicyCase{"NbfBeyondLeeway", kHeader, Valid("\"nbf\":" + T(61)),
                   [](Policy& p) { p.leeway_seconds = 60; }, Error::kNotYetValid},
        PolicyCase{"NbfHuge", kHeader, Valid(R"("nbf":1e300)"), NoPolicy, Error::kNotYetValid},
        PolicyCase{"IatNow", kHeader, Valid("\"iat\":" + T(0)), NoPolicy, Error::kOk},
        PolicyCase{"IatInOneSecond", kHeader, Valid("\"iat\":" + T(1)), NoPolicy,
                   Error::kNotYetValid},
        PolicyCase{"IatAtLeewayEdge", kHeader, Valid("\"iat\":" + T(10)),
                   [](Policy& p) { p.leeway_seconds = 10; }, Error::kOk},
        PolicyCase{"IatBeyondLeeway", kHeader, Valid("\"iat\":" + T(11)),
                   [](Policy& p) { p.leeway_seconds = 10; }, Error::kNotYetValid},
        PolicyCase{"IatLongAgo", kHeader, Valid(R"("iat":0)"), NoPolicy, Error::kOk}),
    CaseName);

// --- iss / aud / typ ---------------------------------------------------------------------------

void Issuer(Policy& p) { p.issuer = "https://issuer.example"; }

INSTANTIATE_TEST_SUITE_P(
    Issuer, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"Exact", kHeader, Valid(R"("iss":"https://issuer.example")"), Issuer,
                   Error::kOk},
        PolicyCase{"Different", kHeader, Valid(R"("iss":"https://evil.example")"), Issuer,
                   Error::kInvalidIssuer},
        PolicyCase{"TrailingSlash", kHeader, Valid(R"("iss":"https://issuer.example/")"), Issuer,
                   Error::kInvalidIssuer},
        PolicyCase{"CaseDiffers", kHeader, Valid(R"("iss":"https://Issuer.example")"), Issuer,
                   Error::kInvalidIssuer},
        PolicyCase{"Prefix", kHeader, Valid(R"("iss":"https://issuer.exampl")"), Issuer,
                   Error::kInvalidIssuer},
        PolicyCase{"Absent", kHeader, Valid(), Issuer, Error::kInvalidIssuer},
        PolicyCase{"NotRequired", kHeader, Valid(R"("iss":"anything")"), NoPolicy, Error::kOk}),
    CaseName);

void Audience(Policy& p) { p.audiences = {"api"}; }

INSTANTIATE_TEST_SUITE_P(
    Audience, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"String", kHeader, Valid(R"("aud":"api")"), Audience, Error::kOk},
        PolicyCase{"StringOther", kHeader, Valid(R"("aud":"web")"), Audience,
                   Error::kInvalidAudience},
        PolicyCase{"ArrayContaining", kHeader, Valid(R"("aud":["web","api"])"), Audience,
                   Error::kOk},
        PolicyCase{"ArrayNotContaining", kHeader, Valid(R"("aud":["web","apis"])"), Audience,
                   Error::kInvalidAudience},
        PolicyCase{"EmptyArray", kHeader, Valid(R"("aud":[])"), Audience, Error::kInvalidAudience},
        PolicyCase{"Absent", kHeader, Valid(), Audience, Error::kInvalidAudience},
        PolicyCase{"CaseDiffers", kHeader, Valid(R"("aud":"API")"), Audience,
                   Error::kInvalidAudience},
        PolicyCase{"SpaceSeparatedIsOneValue", kHeader, Valid(R"("aud":"web api")"), Audience,
                   Error::kInvalidAudience},
        PolicyCase{"AnyOfSeveralExpected", kHeader, Valid(R"("aud":"second")"),
                   [](Policy& p) {
                     p.audiences = {"first", "second"};
                   },
                   Error::kOk},
        PolicyCase{"NotRequired", kHeader, Valid(R"("aud":"whatever")"), NoPolicy, Error::kOk}),
    CaseName);

void AtJwt(Policy& p) { p.type = "at+jwt"; }

INSTANTIATE_TEST_SUITE_P(
    Type, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"Exact", R"({"alg":"RS256","typ":"at+jwt"})", Valid(), AtJwt, Error::kOk},
        PolicyCase{"MediaTypeUppercase", R"({"alg":"RS256","typ":"application/AT+JWT"})", Valid(),
                   AtJwt, Error::kOk},
        PolicyCase{"Uppercase", R"({"alg":"RS256","typ":"AT+JWT"})", Valid(), AtJwt, Error::kOk},
        PolicyCase{"PolicyWithPrefix", R"({"alg":"RS256","typ":"at+jwt"})", Valid(),
                   [](Policy& p) { p.type = "Application/at+jwt"; }, Error::kOk},
        PolicyCase{"Jwt", R"({"alg":"RS256","typ":"JWT"})", Valid(), AtJwt, Error::kInvalidType},
        PolicyCase{"Absent", kHeader, Valid(), AtJwt, Error::kInvalidType},
        PolicyCase{"TrailingSpace", R"({"alg":"RS256","typ":"at+jwt "})", Valid(), AtJwt,
                   Error::kInvalidType},
        PolicyCase{"OtherPrefix", R"({"alg":"RS256","typ":"text/at+jwt"})", Valid(), AtJwt,
                   Error::kInvalidType},
        PolicyCase{"NotRequired", R"({"alg":"RS256","typ":"anything"})", Valid(), NoPolicy,
                   Error::kOk}),
    CaseName);

// --- required claims and scopes ---------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    RequiredClaims, PolicyRuleTest,
    ::testing::Values(PolicyCase{"Present", kHeader, Valid(R"("jti":"x","roles":["a"])"),
                                 [](Policy& p) {
                                   p.required_claims = {"jti", "roles"};
                                 },
                                 Error::kOk},
                      PolicyCase{"PresentAsNull", kHeader, Valid(R"("groups":null)"),
                                 [](Policy& p) { p.required_claims = {"groups"}; }, Error::kOk},
                      PolicyCase{"Missing", kHeader, Valid(R"("jti":"x")"),
                                 [](Policy& p) {
                                   p.required_claims = {"jti", "roles"};
                                 },
                                 Error::kMissingClaim},
                      PolicyCase{"NestedDoesNotCount", kHeader, Valid(R"("realm":{"roles":[]})"),
                                 [](Policy& p) { p.required_claims = {"roles"}; },
                                 Error::kMissingClaim}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Scopes, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"FromScopeString", kHeader, Valid(R"("scope":"openid api.read")"),
                   [](Policy& p) { p.required_scopes = {"api.read"}; }, Error::kOk},
        PolicyCase{"FromScpArray", kHeader, Valid(R"("scp":["openid","api.read"])"),
                   [](Policy& p) {
                     p.required_scopes = {"api.read", "openid"};
                   },
                   Error::kOk},
        PolicyCase{"FromScpString", kHeader, Valid(R"("scp":"User.Read Mail.Send")"),
                   [](Policy& p) { p.required_scopes = {"Mail.Send"}; }, Error::kOk},
        PolicyCase{"NoScopeClaim", kHeader, Valid(),
                   [](Policy& p) { p.required_scopes = {"api.read"}; }, Error::kInsufficientScope},
        PolicyCase{"OneOfTwoMissing", kHeader, Valid(R"("scope":"api.read")"),
                   [](Policy& p) {
                     p.required_scopes = {"api.read", "api.write"};
                   },
                   Error::kInsufficientScope},
        PolicyCase{"SubstringIsNotAScope", kHeader, Valid(R"("scope":"api.readonly")"),
                   [](Policy& p) { p.required_scopes = {"api.read"}; }, Error::kInsufficientScope},
        PolicyCase{"ScopeNameIsCaseSensitive", kHeader, Valid(R"("scope":"API.READ")"),
                   [](Policy& p) { p.required_scopes = {"api.read"}; }, Error::kInsufficientScope},
        PolicyCase{"OtherClaimDoesNotGrant", kHeader, Valid(R"("scopes":"api.read")"),
                   [](Policy& p) { p.required_scopes = {"api.read"}; }, Error::kInsufficientScope}),
    CaseName);

// --- OIDC: nonce, at_hash, auth_time, azp -----------------------------------------------------

void Nonce(Policy& p) { p.nonce = "n-0S6_WzA2Mj"; }

INSTANTIATE_TEST_SUITE_P(
    Nonce, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"Matches", kHeader, Valid(R"("nonce":"n-0S6_WzA2Mj")"), Nonce, Error::kOk},
        PolicyCase{"Missing", kHeader, Valid(), Nonce, Error::kMissingClaim},
        PolicyCase{"Different", kHeader, Valid(R"("nonce":"n-0S6_WzA2Mk")"), Nonce,
                   Error::kInvalidNonce},
        PolicyCase{"Prefix", kHeader, Valid(R"("nonce":"n-0S6_WzA2M")"), Nonce,
                   Error::kInvalidNonce},
        PolicyCase{"Empty", kHeader, Valid(R"("nonce":"")"), Nonce, Error::kInvalidNonce},
        PolicyCase{"NotRequired", kHeader, Valid(R"("nonce":"x")"), NoPolicy, Error::kOk}),
    CaseName);

// OIDC Core §A.3/§A.4 example: access token and its RS256 at_hash.
void AccessToken(Policy& p) { p.access_token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"; }

INSTANTIATE_TEST_SUITE_P(
    AtHash, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"Matches", kHeader, Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RQ")"), AccessToken,
                   Error::kOk},
        PolicyCase{"MatchesWithEs256", R"({"alg":"ES256"})",
                   Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RQ")"), AccessToken, Error::kOk},
        PolicyCase{"UsesTheTokenAlgHash", R"({"alg":"ES384"})",
                   Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RQ")"), AccessToken,
                   Error::kInvalidAtHash},
        PolicyCase{"Sha384Half", R"({"alg":"PS384"})",
                   Valid(R"("at_hash":"jtAeDp945y1dDqU3nkIVGNZP1HjH_MFs")"), AccessToken,
                   Error::kOk},
        PolicyCase{"Sha512HalfForEdDsa", R"({"alg":"EdDSA"})",
                   Valid(R"("at_hash":"q7nS86GgvvFaZkzALLWqJYaJIKw2wCDAVfCAsm5CrBM")"), AccessToken,
                   Error::kOk},
        PolicyCase{"Mismatch", kHeader, Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RA")"), AccessToken,
                   Error::kInvalidAtHash},
        PolicyCase{"NonCanonicalBase64", kHeader, Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RR")"),
                   AccessToken, Error::kInvalidAtHash},
        PolicyCase{"Padded", kHeader, Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RQ==")"), AccessToken,
                   Error::kInvalidAtHash},
        PolicyCase{"Undecodable", kHeader, Valid(R"("at_hash":"77Qm!PtjPfzWtF2AnpK9RQ")"),
                   AccessToken, Error::kInvalidAtHash},
        PolicyCase{"WholeHash", kHeader,
                   Valid(R"("at_hash":"77QmUPtjPfzWtF2AnpK9RYvTNIsBlpvpRfXGXvI4P7k")"), AccessToken,
                   Error::kInvalidAtHash},
        PolicyCase{"Empty", kHeader, Valid(R"("at_hash":"")"), AccessToken, Error::kInvalidAtHash},
        PolicyCase{"AbsentIsNotChecked", kHeader, Valid(), AccessToken, Error::kOk},
        PolicyCase{"NoAccessTokenToCompare", kHeader, Valid(R"("at_hash":"AAAA")"), NoPolicy,
                   Error::kOk}),
    CaseName);

void MaxAge(Policy& p) { p.max_age_seconds = 3600; }

INSTANTIATE_TEST_SUITE_P(
    MaxAge, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"Recent", kHeader, Valid("\"auth_time\":" + T(-60)), MaxAge, Error::kOk},
        PolicyCase{"ExactlyMaxAge", kHeader, Valid("\"auth_time\":" + T(-3600)), MaxAge,
                   Error::kOk},
        PolicyCase{"OneSecondTooOld", kHeader, Valid("\"auth_time\":" + T(-3601)), MaxAge,
                   Error::kTooOld},
        PolicyCase{"WithinLeeway", kHeader, Valid("\"auth_time\":" + T(-3630)),
                   [](Policy& p) {
                     p.max_age_seconds = 3600;
                     p.leeway_seconds = 30;
                   },
                   Error::kOk},
        PolicyCase{"BeyondLeeway", kHeader, Valid("\"auth_time\":" + T(-3631)),
                   [](Policy& p) {
                     p.max_age_seconds = 3600;
                     p.leeway_seconds = 30;
                   },
                   Error::kTooOld},
        PolicyCase{"ZeroMaxAgeNow", kHeader, Valid("\"auth_time\":" + T(0)),
                   [](Policy& p) { p.max_age_seconds = 0; }, Error::kOk},
        PolicyCase{"AuthTimeAbsent", kHeader, Valid(), MaxAge, Error::kMissingClaim},
        PolicyCase{"NotRequired", kHeader, Valid(R"("auth_time":0)"), NoPolicy, Error::kOk}),
    CaseName);

void IdToken(Policy& p) {
  p.id_token = true;
  p.audiences = {"client"};
}

INSTANTIATE_TEST_SUITE_P(
    IdTokenAzp, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"SingleAudienceNoAzp", kHeader, Valid(R"("aud":"client")"), IdToken, Error::kOk},
        PolicyCase{"SeveralAudiencesNoAzp", kHeader, Valid(R"("aud":["client","other"])"), IdToken,
                   Error::kMissingClaim},
        PolicyCase{"SeveralAudiencesAzpIsClient", kHeader,
                   Valid(R"("aud":["client","other"],"azp":"client")"), IdToken, Error::kOk},
        PolicyCase{"AzpNotAnExpectedAudience", kHeader,
                   Valid(R"("aud":["client","other"],"azp":"other")"), IdToken,
                   Error::kInvalidAudience},
        PolicyCase{"SingleAudienceWrongAzp", kHeader, Valid(R"("aud":"client","azp":"other")"),
                   IdToken, Error::kInvalidAudience},
        PolicyCase{"NotAppliedWithoutIdToken", kHeader, Valid(R"("aud":["client","other"])"),
                   [](Policy& p) { p.audiences = {"client"}; }, Error::kOk},
        PolicyCase{"SeveralAudiencesNotIdToken", kHeader, Valid(R"("aud":["api","other"])"),
                   Audience, Error::kOk},
        PolicyCase{"WrongAzpNotIdToken", kHeader, Valid(R"("aud":"api","azp":"other")"), Audience,
                   Error::kOk}),
    CaseName);

// --- Provider shapes: issuer aliases and tenant templates, type claims, client_id as the
// audience, further scope claims ----------------------------------------------------------------

constexpr std::string_view kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

void Google(Policy& p) {
  p.issuer = "https://accounts.google.com";
  p.issuer_aliases = {"accounts.google.com"};
}
void EntraCommon(Policy& p) { p.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0"; }
void EntraOneTenant(Policy& p) {
  EntraCommon(p);
  p.tenants = {std::string(kTenant)};
}
void KeycloakAccess(Policy& p) { p.type_claims = {{"typ", {"Bearer"}}}; }
void CognitoAccess(Policy& p) {
  p.audiences = {"app-client"};
  p.client_id_audience = true;
  p.type_claims = {{"token_use", {"access"}}};
}
void Auth0Permissions(Policy& p) {
  p.scope_claims = {"permissions"};
  p.required_scopes = {"read:orders"};
}

std::string EntraIss(std::string_view tid) {
  return StrCat("\"iss\":\"https://login.microsoftonline.com/", tid, "/v2.0\"");
}

INSTANTIATE_TEST_SUITE_P(
    Providers, PolicyRuleTest,
    ::testing::Values(
        PolicyCase{"GoogleIssuer", kHeader, Valid(R"("iss":"https://accounts.google.com")"), Google,
                   Error::kOk},
        PolicyCase{"GoogleIssuerWithoutScheme", kHeader, Valid(R"("iss":"accounts.google.com")"),
                   Google, Error::kOk},
        PolicyCase{"AliasIsExact", kHeader, Valid(R"("iss":"accounts.google.com/")"), Google,
                   Error::kInvalidIssuer},
        PolicyCase{"TenantTemplateFilledWithTid", kHeader,
                   Valid(StrCat(EntraIss(kTenant), ",\"tid\":\"", kTenant, "\"")), EntraCommon,
                   Error::kOk},
        PolicyCase{
            "TenantTemplateOtherTid", kHeader,
            Valid(StrCat(EntraIss(kTenant), R"(,"tid":"9188040d-6c67-4c5b-b112-36a304b66dad")")),
            EntraCommon, Error::kInvalidIssuer},
        PolicyCase{"TenantTemplateNoTid", kHeader, Valid(EntraIss(kTenant)), EntraCommon,
                   Error::kInvalidIssuer},
        PolicyCase{"TenantTemplateTidNotAGuid", kHeader,
                   Valid(StrCat(EntraIss("common"), R"(,"tid":"common")")), EntraCommon,
                   Error::kInvalidIssuer},
        PolicyCase{"TenantTemplateTidNotAString", kHeader,
                   Valid(StrCat(EntraIss("1"), R"(,"tid":1)")), EntraCommon, Error::kInvalidIssuer},
        PolicyCase{"TenantTemplateLiteralPlaceholder", kHeader,
                   Valid(R"("iss":"https://login.microsoftonline.com/{tenantid}/v2.0")"),
                   EntraCommon, Error::kInvalidIssuer},
        PolicyCase{"TenantListed", kHeader,
                   Valid(StrCat(EntraIss(kTenant), ",\"tid\":\"", kTenant, "\"")), EntraOneTenant,
                   Error::kOk},
        PolicyCase{"TenantNotListed", kHeader,
                   Valid(StrCat(EntraIss("9188040d-6c67-4c5b-b112-36a304b66dad"),
                                R"(,"tid":"9188040d-6c67-4c5b-b112-36a304b66dad")")),
                   EntraOneTenant, Error::kInvalidIssuer},
        PolicyCase{"KeycloakAccessToken", kHeader, Valid(R"("typ":"Bearer")"), KeycloakAccess,
                   Error::kOk},
        PolicyCase{"KeycloakIdToken", kHeader, Valid(R"("typ":"ID")"), KeycloakAccess,
                   Error::kInvalidType},
        PolicyCase{"KeycloakRefreshToken", kHeader, Valid(R"("typ":"Refresh")"), KeycloakAccess,
                   Error::kInvalidType},
        PolicyCase{"KeycloakTypCaseMatters", kHeader, Valid(R"("typ":"bearer")"), KeycloakAccess,
                   Error::kInvalidType},
        PolicyCase{"KeycloakTypNotAString", kHeader, Valid(R"("typ":["Bearer"])"), KeycloakAccess,
                   Error::kInvalidType},
        PolicyCase{"KeycloakTypAbsent", kHeader, Valid(), KeycloakAccess, Error::kMissingClaim},
        PolicyCase{"CognitoAccessToken", kHeader,
                   Valid(R"("client_id":"app-client","token_use":"access")"), CognitoAccess,
                   Error::kOk},
        PolicyCase{"CognitoOtherClient", kHeader,
                   Valid(R"("client_id":"other","token_use":"access")"), CognitoAccess,
                   Error::kInvalidAudience},
        PolicyCase{"CognitoNoClient", kHeader, Valid(R"("token_use":"access")"), CognitoAccess,
                   Error::kInvalidAudience},
        PolicyCase{"CognitoIdToken", kHeader, Valid(R"("aud":"app-client","token_use":"id")"),
                   CognitoAccess, Error::kInvalidType},
        PolicyCase{"ClientIdDoesNotOverrideAWrongAud", kHeader,
                   Valid(R"("aud":"other","client_id":"app-client","token_use":"access")"),
                   CognitoAccess, Error::kInvalidAudience},
        PolicyCase{"ClientIdIsNotAnAudienceByDefault", kHeader,
                   Valid(R"("client_id":"app-client")"),
                   [](Policy& p) { p.audiences = {"app-client"}; }, Error::kInvalidAudience},
        PolicyCase{"Auth0PermissionsArray", kHeader,
                   Valid(R"("scope":"openid","permissions":["read:orders","write:orders"])"),
                   Auth0Permissions, Error::kOk},
        PolicyCase{"Auth0PermissionsString", kHeader,
                   Valid(R"("permissions":"write:orders read:orders")"), Auth0Permissions,
                   Error::kOk},
        PolicyCase{"Auth0PermissionMissing", kHeader,
                   Valid(R"("permissions":["write:orders"],"scope":"read:order")"),
                   Auth0Permissions, Error::kInsufficientScope},
        PolicyCase{"Auth0PermissionsOfAnotherType", kHeader,
                   Valid(R"("permissions":{"read:orders":true})"), Auth0Permissions,
                   Error::kInsufficientScope},
        PolicyCase{
            "PermissionsAreNotScopesByDefault", kHeader, Valid(R"("permissions":["read:orders"])"),
            [](Policy& p) { p.required_scopes = {"read:orders"}; }, Error::kInsufficientScope}),
    CaseName);

// A request's own scopes are granted by the issuer's scope claims too.
TEST(PolicyTest, RequirementsUseThePolicysScopeClaims) {
  TypedToken token(kHeader, Valid(R"("permissions":["a","b"],"scope":"c")"));
  Policy policy;
  policy.scope_claims = {"permissions"};
  const std::vector<std::string> wanted = {"b", "c"};
  std::string_view detail;
  EXPECT_EQ(CheckRequirements({wanted, {}}, policy, token.claims(), detail), Error::kOk);
  EXPECT_EQ(CheckRequirements({wanted, {}}, Policy(), token.claims(), detail),
            Error::kInsufficientScope);
}

// --- Introspection answers ---------------------------------------------------------------------
// An opaque token's claims come from its issuer's RFC 7662 answer, read by the same claims
// reader (ClaimsJson); the issuer's policy must hold for them as for a JWT.

struct AnswerCase {
  std::string name;
  std::string answer;
  std::function<void(Policy&)> configure;
  Error want;
};

class IntrospectedClaimsTest : public ::testing::TestWithParam<AnswerCase> {};

constexpr std::string_view kAnswerIss = "https://op.example";

// Answer returns an active answer of kAnswerIss with exp a minute away, sub, aud "api" and
// scope "read write", plus `members` (which may repeat none of these).
std::string Answer(std::string_view members = "") {
  return StrCat(R"({"active":true,"iss":")", kAnswerIss, R"(","sub":"u","aud":"api","exp":)", T(60),
                R"(,"scope":"read write")", members.empty() ? "" : ",", members, "}");
}

// Issuer is the policy of a typical opaque-token issuer: its identifier and audience.
void AnswerIssuer(Policy& p) {
  p.issuer = std::string(kAnswerIss);
  p.audiences = {"api"};
}

TEST_P(IntrospectedClaimsTest, AppliesTheIssuerPolicy) {
  const AnswerCase& c = GetParam();
  ClaimsJson json;
  ASSERT_EQ(json.Read(c.answer), Error::kOk) << c.answer << ": " << json.detail();
  Policy policy;
  c.configure(policy);
  std::string_view detail;
  const Error got = CheckIntrospectedClaims(policy, json.claims(), kNow, detail);
  EXPECT_EQ(got, c.want) << "got " << ErrorCode(got) << ", want " << ErrorCode(c.want) << "\n"
                         << c.answer;
  EXPECT_EQ(detail.empty(), c.want == Error::kOk) << detail;
  // Where the JWT rules can apply to the same claims (an `iss` present, no header or ID-token
  // rule asked for), the verdict is exactly theirs.
  const bool comparable = json.claims().iss.has_value() && !policy.type.has_value() &&
                          !policy.nonce.has_value() && !policy.id_token &&
                          !policy.max_age_seconds.has_value();
  if (comparable) {
    std::string_view jwt_detail;
    EXPECT_EQ(CheckClaims(policy, Header{}, json.claims(), kNow, nullptr, jwt_detail), got);
    EXPECT_EQ(jwt_detail, detail);
  }
}

std::string AnswerName(const ::testing::TestParamInfo<AnswerCase>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Answers, IntrospectedClaimsTest,
    ::testing::Values(
        AnswerCase{"Typical", Answer(), AnswerIssuer, Error::kOk},
        AnswerCase{"NoPolicy", R"({"active":true})", [](Policy& p) { p.require_exp = false; },
                   Error::kOk},
        // require_exp defaults to true, for answers as for JWTs.
        AnswerCase{"ExpMissing", R"({"active":true,"sub":"u","aud":"api"})", AnswerIssuer,
                   Error::kMissingClaim},
        AnswerCase{"ExpMissingAllowed", R"({"active":true,"sub":"u","aud":"api"})",
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.require_exp = false;
                   },
                   Error::kOk},
        AnswerCase{"ExpEqualsNow", StrCat(R"({"active":true,"exp":)", T(0), "}"), NoPolicy,
                   Error::kExpired},
        AnswerCase{"ExpWithinLeeway", StrCat(R"({"active":true,"exp":)", T(-59), "}"),
                   [](Policy& p) { p.leeway_seconds = 60; }, Error::kOk},
        AnswerCase{"ExpAtLeewayEdge", StrCat(R"({"active":true,"exp":)", T(-60), "}"),
                   [](Policy& p) { p.leeway_seconds = 60; }, Error::kExpired},
        AnswerCase{"NbfAhead", Answer(StrCat(R"("nbf":)", T(10))), AnswerIssuer,
                   Error::kNotYetValid},
        AnswerCase{"NbfAheadWithinLeeway", Answer(StrCat(R"("nbf":)", T(10))),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.leeway_seconds = 10;
                   },
                   Error::kOk},
        AnswerCase{"IatAhead", Answer(StrCat(R"("iat":)", T(5))), AnswerIssuer,
                   Error::kNotYetValid},
        // required_claims: ["sub"] holds for answers too.
        AnswerCase{"RequiredClaimMissing",
                   StrCat(R"({"active":true,"aud":"api","exp":)", T(60), "}"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.required_claims = {"sub"};
                   },
                   Error::kMissingClaim},
        AnswerCase{"RequiredClaimsPresent", Answer(R"("client_id":"app")"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.required_claims = {"sub", "client_id"};
                   },
                   Error::kOk},
        // RFC 7662 §2.2: iss is optional in an answer; one naming another issuer fails.
        AnswerCase{"IssAbsent", StrCat(R"({"active":true,"aud":"api","exp":)", T(60), "}"),
                   AnswerIssuer, Error::kOk},
        AnswerCase{
            "IssOther",
            StrCat(R"({"active":true,"iss":"https://op.example/","aud":"api","exp":)", T(60), "}"),
            AnswerIssuer, Error::kInvalidIssuer},
        AnswerCase{"AudMissing", StrCat(R"({"active":true,"exp":)", T(60), "}"), AnswerIssuer,
                   Error::kInvalidAudience},
        AnswerCase{"AudOther", StrCat(R"({"active":true,"aud":["web","app"],"exp":)", T(60), "}"),
                   AnswerIssuer, Error::kInvalidAudience},
        AnswerCase{"AudInArray", StrCat(R"({"active":true,"aud":["web","api"],"exp":)", T(60), "}"),
                   AnswerIssuer, Error::kOk},
        AnswerCase{"ScopeMissing", Answer(),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.required_scopes = {"admin"};
                   },
                   Error::kInsufficientScope},
        AnswerCase{"ScopeGranted", Answer(),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.required_scopes = {"write", "read"};
                   },
                   Error::kOk},
        AnswerCase{"ScopeArray",
                   StrCat(R"({"active":true,"scope":["read","admin"],"exp":)", T(60), "}"),
                   [](Policy& p) { p.required_scopes = {"admin"}; }, Error::kOk},
        // The provider shapes hold for answers as for JWTs: type claims (Keycloak answers a
        // refresh token as active, with "typ": "Refresh"), issuer aliases, client_id as the
        // audience, further scope claims.
        AnswerCase{"TypeClaimOfAnotherKind", Answer(R"("typ":"Refresh")"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.type_claims = {{"typ", {"Bearer"}}};
                   },
                   Error::kInvalidType},
        AnswerCase{"TypeClaimAccepted", Answer(R"("typ":"Bearer")"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.type_claims = {{"typ", {"Bearer"}}};
                   },
                   Error::kOk},
        AnswerCase{"IssuerAlias",
                   StrCat(R"({"active":true,"iss":"op.example","aud":"api","exp":)", T(60), "}"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.issuer_aliases = {"op.example"};
                   },
                   Error::kOk},
        AnswerCase{"ClientIdAsAudience",
                   StrCat(R"({"active":true,"client_id":"api","exp":)", T(60), "}"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.client_id_audience = true;
                   },
                   Error::kOk},
        AnswerCase{"ScopeClaim", Answer(R"("permissions":["orders:write"])"),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.scope_claims = {"permissions"};
                     p.required_scopes = {"orders:write"};
                   },
                   Error::kOk},
        // The header and ID-token rules describe a JWT: an answer has neither to check.
        AnswerCase{"TypNotApplied", Answer(),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.type = "at+jwt";
                   },
                   Error::kOk},
        AnswerCase{"NonceNotApplied", Answer(),
                   [](Policy& p) {
                     AnswerIssuer(p);
                     p.nonce = "n-0S6";
                   },
                   Error::kOk}),
    AnswerName);

// --- Policy validation and helpers -------------------------------------------------------------

TEST(PolicyTest, DefaultsAreStrict) {
  const Policy p;
  EXPECT_TRUE(p.require_exp);
  EXPECT_EQ(p.leeway_seconds, 0);
  EXPECT_TRUE(p.algorithms.empty());
  EXPECT_FALSE(p.id_token);
  EXPECT_EQ(p.max_token_bytes, kDefaultMaxTokenBytes);
  EXPECT_EQ(kDefaultMaxTokenBytes, 16384u);
  EXPECT_TRUE(ValidatePolicy(p).ok());
}

TEST(PolicyTest, ValidatePolicyRejectsConfigurationMistakes) {
  const struct {
    std::string_view name;
    std::function<void(Policy&)> configure;
  } kCases[] = {
      {"negative leeway", [](Policy& p) { p.leeway_seconds = -1; }},
      {"NaN leeway", [](Policy& p) { p.leeway_seconds = std::nan(""); }},
      {"infinite leeway", [](Policy& p) { p.leeway_seconds = HUGE_VAL; }},
      {"negative max age", [](Policy& p) { p.max_age_seconds = -1; }},
      {"empty issuer", [](Policy& p) { p.issuer = ""; }},
      {"empty audience",
       [](Policy& p) {
         p.audiences = {"api", ""};
       }},
      {"zero size limit", [](Policy& p) { p.max_token_bytes = 0; }},
      {"two placeholders", [](Policy& p) { p.issuer = "https://x/{tenantid}/{tenantid}"; }},
      {"tenants without a template",
       [](Policy& p) {
         p.issuer = "https://x";
         p.tenants = {"t"};
       }},
      {"empty alias", [](Policy& p) { p.issuer_aliases = {""}; }},
      {"template alias", [](Policy& p) { p.issuer_aliases = {"https://x/{tenantid}"}; }},
      {"type claim without values",
       [](Policy& p) {
         p.type_claims = {{"typ", {}}};
       }},
      {"client id audience without audiences", [](Policy& p) { p.client_id_audience = true; }},
  };
  for (const auto& c : kCases) {
    Policy p;
    c.configure(p);
    const absl::Status status = ValidatePolicy(p);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_FALSE(status.message().empty()) << c.name;
  }
}

// `now` keeps its fraction: half a second after a fractional exp is expired, and so is an
// integral exp 0.85 s ago. A NaN `now` (a caller's clock gone wrong) fails every time rule
// rather than passing them all.
TEST(PolicyTest, TimeRulesUseTheFractionalNowAndFailOnNaN) {
  TypedToken token(kHeader, "{\"exp\":" + T(10) + ".5,\"nbf\":" + T(-10) + ".5}");
  const double exp = static_cast<double>(kNow + 10) + 0.5;
  Policy policy;
  std::string_view detail;
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), exp - 0.2, nullptr, detail),
            Error::kOk);
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), exp + 0.2, nullptr, detail),
            Error::kExpired);
  TypedToken whole(kHeader, "{\"exp\":" + T(0) + "}");
  EXPECT_EQ(CheckClaims(policy, whole.header(), whole.claims(), static_cast<double>(kNow) - 0.1,
                        nullptr, detail),
            Error::kOk);
  EXPECT_EQ(CheckClaims(policy, whole.header(), whole.claims(), static_cast<double>(kNow) + 0.85,
                        nullptr, detail),
            Error::kExpired);
  const TimeClaims times{token.claims().exp, token.claims().nbf, std::nullopt, std::nullopt};
  EXPECT_EQ(RecheckTimes(policy, times, exp - 0.2, detail), Error::kOk);
  EXPECT_EQ(RecheckTimes(policy, times, exp + 0.2, detail), Error::kExpired);

  const double nan = std::nan("");
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), nan, nullptr, detail),
            Error::kExpired);
  EXPECT_EQ(RecheckTimes(policy, times, nan, detail), Error::kExpired);
  policy.check_exp = false;
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), nan, nullptr, detail),
            Error::kNotYetValid);
  EXPECT_EQ(RecheckTimes(policy, times, nan, detail), Error::kNotYetValid);
}

TEST(PolicyTest, ValidatePolicyAcceptsZeroLimits) {
  Policy p;
  p.max_age_seconds = 0;
  p.leeway_seconds = 0;
  p.issuer = "x";
  p.audiences = {"a"};
  p.max_token_bytes = 1;
  EXPECT_TRUE(ValidatePolicy(p).ok());
}

TEST(PolicyTest, NormalizeTypeStripsApplicationPrefixAndLowercases) {
  EXPECT_EQ(NormalizeType("application/AT+JWT"), "at+jwt");
  EXPECT_EQ(NormalizeType("Application/jwt"), "jwt");
  EXPECT_EQ(NormalizeType("JWT"), "jwt");
  EXPECT_EQ(NormalizeType("application/"), "");
  EXPECT_EQ(NormalizeType("applications/jwt"), "applications/jwt");
  EXPECT_EQ(NormalizeType("text/jwt"), "text/jwt");
  EXPECT_EQ(NormalizeType(""), "");
}

// --- Trace ------------------------------------------------------------------------------------

TEST(PolicyTest, TraceContinuesAfterFailureAndResultIsFirstFailure) {
  TypedToken token(R"({"alg":"RS256","typ":"JWT"})",
                   StrCat(R"({"iss":"https://evil.example","exp":)", T(-10), R"(,"scope":"a"})"));
  Policy policy;
  policy.issuer = "https://issuer.example";
  policy.required_claims = {"jti"};
  policy.required_scopes = {"b"};
  std::string_view plain_detail;
  const Error plain =
      CheckClaims(policy, token.header(), token.claims(), kNow, nullptr, plain_detail);
  RecordingTrace trace;
  std::string_view detail;
  const Error traced = CheckClaims(policy, token.header(), token.claims(), kNow, &trace, detail);
  EXPECT_EQ(traced, plain);
  EXPECT_EQ(detail, plain_detail);

  std::vector<std::string> failed;
  std::vector<std::string> skipped;
  for (const RecordingTrace::Entry& e : trace.entries) {
    EXPECT_FALSE(e.detail.empty()) << e.check;
    if (!e.applied) {
      skipped.push_back(e.check);
    } else if (e.result != Error::kOk) {
      failed.push_back(e.check);
    }
  }
  // Every failing rule is reported, not just the first.
  EXPECT_NE(std::find(failed.begin(), failed.end(), "iss"), failed.end());
  EXPECT_NE(std::find(failed.begin(), failed.end(), "exp"), failed.end());
  EXPECT_NE(std::find(failed.begin(), failed.end(), "required"), failed.end());
  EXPECT_NE(std::find(failed.begin(), failed.end(), "scope"), failed.end());
  EXPECT_EQ(failed.size(), 4u);
  // Rules the policy does not ask for are reported as skipped.
  for (std::string_view check :
       {"typ", "aud", "nbf", "iat", "nonce", "azp", "at_hash", "auth_time"}) {
    EXPECT_NE(std::find(skipped.begin(), skipped.end(), check), skipped.end()) << check;
  }
  // The verdict is the first failure in the order the checks ran.
  ASSERT_FALSE(failed.empty());
  for (const RecordingTrace::Entry& e : trace.entries) {
    if (e.applied && e.result != Error::kOk) {
      EXPECT_EQ(e.result, traced);
      break;
    }
  }
}

TEST(PolicyTest, WithoutTraceStopsAtFirstFailure) {
  TypedToken token(kHeader, StrCat(R"({"exp":)", T(-10), "}"));
  Policy policy;
  policy.required_claims = {"jti"};
  std::string_view detail;
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), kNow, nullptr, detail),
            Error::kExpired);
  EXPECT_FALSE(detail.empty());
}

TEST(PolicyTest, PassingTokenReportsEveryAppliedCheckAsOk) {
  TypedToken token(R"({"alg":"ES256","typ":"at+jwt"})",
                   Valid(R"("iss":"i","aud":"a","nbf":0,"iat":0,"jti":"j","scope":"s")"));
  Policy policy;
  policy.issuer = "i";
  policy.audiences = {"a"};
  policy.type = "at+jwt";
  policy.required_claims = {"jti"};
  policy.required_scopes = {"s"};
  RecordingTrace trace;
  std::string_view detail;
  EXPECT_EQ(CheckClaims(policy, token.header(), token.claims(), kNow, &trace, detail), Error::kOk);
  EXPECT_TRUE(detail.empty());
  std::vector<std::string> applied;
  for (const RecordingTrace::Entry& e : trace.entries) {
    EXPECT_EQ(e.result, Error::kOk) << e.check;
    if (e.applied) {
      applied.push_back(e.check);
    }
  }
  for (std::string_view check : {"typ", "iss", "aud", "exp", "nbf", "iat", "required", "scope"}) {
    EXPECT_NE(std::find(applied.begin(), applied.end(), check), applied.end()) << check;
  }
}

}  // namespace
}  // namespace tokenwarden
