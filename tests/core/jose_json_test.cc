#include "core/internal/jose_json.h"

#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/str_cat.h"
#include "core/internal/claims_reader.h"
#include "core/policy.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::NestedJson;

// JoseJsonTest parses with a parser configured exactly like VerifyScratch's, so the depth
// tests pin internal::kSimdjsonMaxDepth against the simdjson we link.
class JoseJsonTest : public ::testing::Test {
 protected:
  JoseJsonTest() {
    EXPECT_EQ(parser_.allocate(kDefaultMaxTokenBytes, internal::kSimdjsonMaxDepth),
              simdjson::SUCCESS);
  }

  // Parses reports whether `json` is accepted by the parser at all.
  bool Parses(std::string_view json) {
    input_ = simdjson::padded_string(json);
    simdjson::dom::element root;
    return parser_.parse(input_).get(root) == simdjson::SUCCESS;
  }

  // Header parses `json` and types it like Verify does (a parse error is kMalformed).
  Error Header(std::string_view json, internal::AlgNames names = internal::AlgNames::kJws) {
    input_ = simdjson::padded_string(json);
    simdjson::dom::element root;
    detail_ = {};
    if (parser_.parse(input_).get(root) != simdjson::SUCCESS) {
      return Error::kMalformed;
    }
    const Error error = internal::ReadHeader(root, header_, storage_, detail_, names);
    if (error != Error::kOk) {
      EXPECT_FALSE(detail_.empty()) << json;
    }
    return error;
  }

  // Payload reads `json` with the claims reader the verifier uses (one strict pass).
  Error Payload(std::string_view json) {
    payload_text_.assign(json);
    detail_ = {};
    const Error error = internal::ReadClaimsJson(payload_text_, claims_, claims_storage_, detail_);
    if (error != Error::kOk) {
      EXPECT_FALSE(detail_.empty()) << json;
    }
    return error;
  }

  std::vector<std::string> Scopes() const {
    return std::vector<std::string>(claims_.scopes.begin(), claims_.scopes.end());
  }
  std::vector<std::string> Audiences() const {
    return std::vector<std::string>(claims_.aud.begin(), claims_.aud.end());
  }

  simdjson::dom::parser parser_;
  simdjson::padded_string input_;
  internal::HeaderStorage storage_;
  internal::ClaimsStorage claims_storage_;
  std::string payload_text_;
  tokenwarden::Header header_;
  Claims claims_;
  std::string_view detail_;
};

using Strings = std::vector<std::string>;

// --- Depth ------------------------------------------------------------------------------------

TEST(JoseJsonConstantsTest, MaxDepthIsSixtyFour) { EXPECT_EQ(internal::kMaxJsonDepth, 64u); }

TEST_F(JoseJsonTest, AcceptsPayloadOfExactlySixtyFourObjectLevels) {
  const std::string json = NestedJson(64, /*arrays=*/false, "\"exp\":1");
  ASSERT_TRUE(Parses(json));
  EXPECT_EQ(Payload(json), Error::kOk);
}

TEST_F(JoseJsonTest, AcceptsPayloadOfExactlySixtyFourArrayLevels) {
  const std::string json = NestedJson(64, /*arrays=*/true, "\"exp\":1");
  ASSERT_TRUE(Parses(json));
  EXPECT_EQ(Payload(json), Error::kOk);
}

TEST_F(JoseJsonTest, RejectsPayloadOfSixtyFiveObjectLevels) {
  EXPECT_FALSE(Parses(NestedJson(65, /*arrays=*/false, "\"exp\":1")));
}

TEST_F(JoseJsonTest, RejectsPayloadOfSixtyFiveArrayLevels) {
  EXPECT_FALSE(Parses(NestedJson(65, /*arrays=*/true, "\"exp\":1")));
}

TEST_F(JoseJsonTest, AcceptsHeaderOfSixtyFourLevelsAndRejectsSixtyFive) {
  EXPECT_EQ(Header(NestedJson(64, false, "\"alg\":\"ES256\"")), Error::kOk);
  EXPECT_EQ(Header(NestedJson(65, false, "\"alg\":\"ES256\"")), Error::kMalformed);
}

TEST_F(JoseJsonTest, NestedJsonHelperCountsTopLevelAsOne) {
  EXPECT_EQ(NestedJson(2, false, ""), "{\"deep\":{}}");
  EXPECT_EQ(NestedJson(3, true, "\"a\":1"), "{\"a\":1,\"deep\":[[]]}");
}

TEST_F(JoseJsonTest, RejectsPathologicallyDeepPayload) {
  EXPECT_FALSE(Parses(StrCat("{\"d\":", std::string(10000, '['))));
  EXPECT_FALSE(Parses(StrCat("{\"d\":", std::string(5000, '['), std::string(5000, ']'), "}")));
}

// --- Header -----------------------------------------------------------------------------------

TEST_F(JoseJsonTest, ReadsHeaderMembers) {
  ASSERT_EQ(Header(R"({"alg":"ES384","kid":"k1","typ":"at+jwt","cty":"JWT","x":[1,{}]})"),
            Error::kOk);
  EXPECT_EQ(header_.alg, Algorithm::kEs384);
  EXPECT_EQ(header_.kid, "k1");
  EXPECT_EQ(header_.typ, "at+jwt");
  EXPECT_EQ(header_.cty, "JWT");
  EXPECT_FALSE(header_.has_crit);
}

TEST_F(JoseJsonTest, LeavesAbsentHeaderMembersUnset) {
  ASSERT_EQ(Header(R"({"alg":"EdDSA"})"), Error::kOk);
  EXPECT_EQ(header_.alg, Algorithm::kEdDsa);
  EXPECT_FALSE(header_.kid.has_value());
  EXPECT_FALSE(header_.typ.has_value());
  EXPECT_FALSE(header_.cty.has_value());
}

// RFC 9864's "Ed25519" is EdDSA for DPoP proofs only; a token's alg keeps RFC 8037's name.
TEST_F(JoseJsonTest, Ed25519NameOnlyWhereAsked) {
  EXPECT_EQ(Header(R"({"alg":"Ed25519"})"), Error::kUnsupportedAlgorithm);
  ASSERT_EQ(Header(R"({"alg":"Ed25519"})", internal::AlgNames::kJwsAndEd25519), Error::kOk);
  EXPECT_EQ(header_.alg, Algorithm::kEdDsa);
  for (const char* other : {R"({"alg":"ed25519"})", R"({"alg":"Ed448"})", R"({"alg":"none"})"}) {
    EXPECT_EQ(Header(other, internal::AlgNames::kJwsAndEd25519), Error::kUnsupportedAlgorithm)
        << other;
  }
}

TEST_F(JoseJsonTest, ResetsHeaderBetweenReads) {
  ASSERT_EQ(Header(R"({"alg":"ES256","kid":"k1","crit":["x"],"x":1})"), Error::kOk);
  ASSERT_EQ(Header(R"({"alg":"HS256"})"), Error::kOk);
  EXPECT_FALSE(header_.kid.has_value());
  EXPECT_FALSE(header_.has_crit);
}

TEST_F(JoseJsonTest, DecodesEscapesInHeaderStrings) {
  ASSERT_EQ(Header(R"({"\u0061lg":"RS\u0032\u00356","kid":"a\"b\\c\u00e9"})"), Error::kOk);
  EXPECT_EQ(header_.alg, Algorithm::kRs256);
  EXPECT_EQ(header_.kid, "a\"b\\c\xc3\xa9");
}

struct JsonCase {
  std::string name;
  std::string json;
  Error want;
};

std::string CaseName(const ::testing::TestParamInfo<JsonCase>& p) { return p.param.name; }

class JoseHeaderCaseTest : public JoseJsonTest, public ::testing::WithParamInterface<JsonCase> {};

TEST_P(JoseHeaderCaseTest, TypesHeader) {
  EXPECT_EQ(Header(GetParam().json), GetParam().want) << GetParam().json << " detail: " << detail_;
}

INSTANTIATE_TEST_SUITE_P(
    Alg, JoseHeaderCaseTest,
    ::testing::Values(JsonCase{"Missing", R"({"typ":"JWT"})", Error::kMalformed},
                      JsonCase{"Null", R"({"alg":null})", Error::kMalformed},
                      JsonCase{"Number", R"({"alg":256})", Error::kMalformed},
                      JsonCase{"Array", R"({"alg":["RS256"]})", Error::kMalformed},
                      JsonCase{"Object", R"({"alg":{}})", Error::kMalformed},
                      JsonCase{"Empty", R"({"alg":""})", Error::kUnsupportedAlgorithm},
                      JsonCase{"NoneLower", R"({"alg":"none"})", Error::kUnsupportedAlgorithm},
                      JsonCase{"NoneTitle", R"({"alg":"None"})", Error::kUnsupportedAlgorithm},
                      JsonCase{"NoneUpper", R"({"alg":"NONE"})", Error::kUnsupportedAlgorithm},
                      JsonCase{"NoneMixed", R"({"alg":"nOnE"})", Error::kUnsupportedAlgorithm},
                      JsonCase{"Unknown", R"({"alg":"HS1"})", Error::kUnsupportedAlgorithm},
                      JsonCase{"Lowercase", R"({"alg":"rs256"})", Error::kUnsupportedAlgorithm},
                      JsonCase{"Jwe", R"({"alg":"RSA-OAEP","enc":"A256GCM"})",
                               Error::kUnsupportedAlgorithm},
                      JsonCase{"Valid", R"({"alg":"PS512"})", Error::kOk}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Members, JoseHeaderCaseTest,
    ::testing::Values(JsonCase{"KidNumber", R"({"alg":"RS256","kid":1})", Error::kMalformed},
                      JsonCase{"KidNull", R"({"alg":"RS256","kid":null})", Error::kMalformed},
                      JsonCase{"TypArray", R"({"alg":"RS256","typ":["JWT"]})", Error::kMalformed},
                      JsonCase{"CtyTrue", R"({"alg":"RS256","cty":true})", Error::kMalformed},
                      JsonCase{"UnknownMembersAnyType",
                               R"({"alg":"RS256","jwk":{"kty":"oct"},"x5c":["AA"],"b64":false})",
                               Error::kOk}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    NotAnObject, JoseHeaderCaseTest,
    ::testing::Values(
        JsonCase{"Array", R"(["RS256"])", Error::kMalformed},
        JsonCase{"String", R"("RS256")", Error::kMalformed},
        JsonCase{"Null", "null", Error::kMalformed}, JsonCase{"Number", "42", Error::kMalformed},
        JsonCase{"Empty", "", Error::kMalformed},
        JsonCase{"TrailingGarbage", R"({"alg":"RS256"}x)", Error::kMalformed},
        JsonCase{"TwoObjects", R"({"alg":"RS256"}{})", Error::kMalformed},
        JsonCase{"TrailingComma", R"({"alg":"RS256",})", Error::kMalformed},
        JsonCase{"InvalidUtf8", "{\"alg\":\"RS256\",\"x\":\"\xff\"}", Error::kMalformed},
        JsonCase{"ControlChar", "{\"alg\":\"RS256\",\"x\":\"a\x01\"}", Error::kMalformed}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Crit, JoseHeaderCaseTest,
    ::testing::Values(
        JsonCase{"String", R"({"alg":"ES256","crit":"exp"})", Error::kMalformed},
        JsonCase{"EmptyArray", R"({"alg":"ES256","crit":[]})", Error::kMalformed},
        JsonCase{"NumberItem", R"({"alg":"ES256","crit":[1]})", Error::kMalformed},
        JsonCase{"MixedItems", R"({"alg":"ES256","crit":["x",2],"x":1})", Error::kMalformed},
        JsonCase{"Object", R"({"alg":"ES256","crit":{}})", Error::kMalformed},
        JsonCase{"Null", R"({"alg":"ES256","crit":null})", Error::kMalformed},
        JsonCase{"ValidList", R"({"alg":"ES256","crit":["b64"],"b64":false})", Error::kOk}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Duplicates, JoseHeaderCaseTest,
    ::testing::Values(
        JsonCase{"AlgTwiceSame", R"({"alg":"RS256","alg":"RS256"})", Error::kMalformed},
        JsonCase{"AlgNoneThenRs256", R"({"alg":"none","alg":"RS256"})", Error::kMalformed},
        JsonCase{"AlgRs256ThenNone", R"({"alg":"RS256","alg":"none"})", Error::kMalformed},
        JsonCase{"KidTwice", R"({"alg":"RS256","kid":"a","kid":"b"})", Error::kMalformed},
        JsonCase{"CustomTwice", R"({"alg":"RS256","x":1,"x":1})", Error::kMalformed},
        JsonCase{"AlgEscaped", R"({"alg":"RS256","\u0061lg":"RS256"})", Error::kMalformed},
        JsonCase{"CustomEscaped", R"({"alg":"RS256","a":1,"\u0061":2})", Error::kMalformed}),
    CaseName);

TEST_F(JoseJsonTest, MarksValidCritList) {
  ASSERT_EQ(Header(R"({"alg":"ES256","crit":["exp","x"],"x":1})"), Error::kOk);
  EXPECT_TRUE(header_.has_crit);
}

// --- Payload ----------------------------------------------------------------------------------

TEST_F(JoseJsonTest, ReadsEveryTypedClaim) {
  ASSERT_EQ(Payload(R"({"iss":"https://issuer.example","sub":"user-1","jti":"id-7","azp":"client",
    "client_id":"cid","nonce":"n-0","at_hash":"77QmUPtjPfzWtF2AnpK9RQ","scope":"read write",
    "exp":1700003600,"nbf":1699999000,"iat":1699999999,"auth_time":1699990000,
    "aud":["api","web"],"custom":{"nested":[1,2]}})"),
            Error::kOk);
  EXPECT_EQ(claims_.iss, "https://issuer.example");
  EXPECT_EQ(claims_.sub, "user-1");
  EXPECT_EQ(claims_.jti, "id-7");
  EXPECT_EQ(claims_.azp, "client");
  EXPECT_EQ(claims_.client_id, "cid");
  EXPECT_EQ(claims_.nonce, "n-0");
  EXPECT_EQ(claims_.at_hash, "77QmUPtjPfzWtF2AnpK9RQ");
  EXPECT_EQ(claims_.scope, "read write");
  EXPECT_EQ(claims_.exp, 1700003600.0);
  EXPECT_EQ(claims_.nbf, 1699999000.0);
  EXPECT_EQ(claims_.iat, 1699999999.0);
  EXPECT_EQ(claims_.auth_time, 1699990000.0);
  EXPECT_TRUE(claims_.has_aud);
  EXPECT_EQ(Audiences(), (Strings{"api", "web"}));
  EXPECT_EQ(Scopes(), (Strings{"read", "write"}));
  EXPECT_TRUE(claims_.Has("custom"));
  EXPECT_TRUE(claims_.Has("auth_time"));
  EXPECT_FALSE(claims_.Has("nested"));
  EXPECT_FALSE(claims_.Has("cust"));
}

TEST_F(JoseJsonTest, LeavesAbsentClaimsUnset) {
  ASSERT_EQ(Payload("{}"), Error::kOk);
  EXPECT_FALSE(claims_.iss.has_value());
  EXPECT_FALSE(claims_.exp.has_value());
  EXPECT_FALSE(claims_.nbf.has_value());
  EXPECT_FALSE(claims_.iat.has_value());
  EXPECT_FALSE(claims_.auth_time.has_value());
  EXPECT_FALSE(claims_.has_aud);
  EXPECT_TRUE(claims_.aud.empty());
  EXPECT_TRUE(claims_.scopes.empty());
  EXPECT_TRUE(claims_.members.empty());
}

TEST_F(JoseJsonTest, ListsNamesInTokenOrder) {
  ASSERT_EQ(Payload(R"({"z":1,"exp":2,"a":null,"\u0062":[]})"), Error::kOk);
  Strings names;
  for (const ClaimMember& m : claims_.members) {
    names.emplace_back(m.name);
  }
  EXPECT_EQ(names, (Strings{"z", "exp", "a", "b"}));
  EXPECT_TRUE(claims_.Has("a"));  // present with a null value
}

TEST_F(JoseJsonTest, ReadsAudienceForms) {
  ASSERT_EQ(Payload(R"({"aud":"api"})"), Error::kOk);
  EXPECT_TRUE(claims_.has_aud);
  EXPECT_EQ(Audiences(), (Strings{"api"}));
  ASSERT_EQ(Payload(R"({"aud":"a b"})"), Error::kOk);
  EXPECT_EQ(Audiences(), (Strings{"a b"})) << "aud is never split on spaces";
  ASSERT_EQ(Payload(R"({"aud":[]})"), Error::kOk);
  EXPECT_TRUE(claims_.has_aud);
  EXPECT_TRUE(claims_.aud.empty());
}

TEST_F(JoseJsonTest, ReusesStorageWithoutLeakingPreviousValues) {
  ASSERT_EQ(Payload(R"({"aud":["a","b"],"scope":"x y","q":1})"), Error::kOk);
  ASSERT_EQ(Payload(R"({"aud":"c","scp":["z"]})"), Error::kOk);
  EXPECT_EQ(Audiences(), (Strings{"c"}));
  EXPECT_EQ(Scopes(), (Strings{"z"}));
  EXPECT_FALSE(claims_.Has("q"));
  EXPECT_FALSE(claims_.scope.has_value());
}

// NumericDates (RFC 7519 §2) may be fractional; a value beyond int64 is just far away.
TEST_F(JoseJsonTest, ReadsFractionalNumericDate) {
  ASSERT_EQ(Payload(R"({"exp":1700000000.5,"nbf":1699999999.25,"iat":0.5})"), Error::kOk);
  EXPECT_EQ(claims_.exp, 1700000000.5);
  EXPECT_EQ(claims_.nbf, 1699999999.25);
  EXPECT_EQ(claims_.iat, 0.5);
}

TEST_F(JoseJsonTest, ReadsHugeNumericDate) {
  ASSERT_EQ(Payload(R"({"exp":1e300,"nbf":-1e300})"), Error::kOk);
  EXPECT_EQ(claims_.exp, 1e300);
  EXPECT_EQ(claims_.nbf, -1e300);
}

TEST_F(JoseJsonTest, ReadsIntegerNumericDatesOfEveryRange) {
  ASSERT_EQ(Payload(R"({"exp":18446744073709551615,"nbf":-9223372036854775808,"iat":-1})"),
            Error::kOk);
  EXPECT_EQ(claims_.exp, 18446744073709551615.0);
  EXPECT_EQ(claims_.nbf, -9223372036854775808.0);
  EXPECT_EQ(claims_.iat, -1.0);
}

// RFC 6749 §3.3: scope is space-separated; scp (Okta, Entra ID) is an array or a string.
TEST_F(JoseJsonTest, SplitsScopeOnSpaces) {
  ASSERT_EQ(Payload(R"({"scope":"  read   write admin "})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"read", "write", "admin"}));
  EXPECT_EQ(claims_.scope, "  read   write admin ");
}

TEST_F(JoseJsonTest, ReadsEmptyScope) {
  ASSERT_EQ(Payload(R"({"scope":""})"), Error::kOk);
  EXPECT_TRUE(claims_.scopes.empty());
  EXPECT_EQ(claims_.scope, "");
}

TEST_F(JoseJsonTest, SplitsOnlySpacesNotOtherWhitespace) {
  ASSERT_EQ(Payload(R"({"scope":"a\tb c"})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"a\tb", "c"}));
}

TEST_F(JoseJsonTest, ReadsScpArray) {
  ASSERT_EQ(Payload(R"({"scp":["openid","api.read"]})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"openid", "api.read"}));
  EXPECT_FALSE(claims_.scope.has_value());
}

TEST_F(JoseJsonTest, SplitsScpString) {
  ASSERT_EQ(Payload(R"({"scp":"User.Read Mail.Send"})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"User.Read", "Mail.Send"}));
}

TEST_F(JoseJsonTest, DoesNotSplitScpArrayItems) {
  ASSERT_EQ(Payload(R"({"scp":["a b"]})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"a b"}));
}

// IdentityServer and Duende issue `scope` as an array of strings: each item is one scope.
TEST_F(JoseJsonTest, ReadsScopeArray) {
  ASSERT_EQ(Payload(R"({"scope":["openid","api1.read"]})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"openid", "api1.read"}));
  EXPECT_FALSE(claims_.scope.has_value());
}

TEST_F(JoseJsonTest, ReadsClientIdInOrderOfPreference) {
  ASSERT_EQ(Payload(R"({"azp":"a","cid":"c","client_id":"ci"})"), Error::kOk);
  EXPECT_EQ(claims_.ClientId(), "ci");
  ASSERT_EQ(Payload(R"({"azp":"a","cid":"c"})"), Error::kOk);
  EXPECT_EQ(claims_.ClientId(), "c");
  ASSERT_EQ(Payload(R"({"azp":"a","appid":"v1"})"), Error::kOk);
  EXPECT_EQ(claims_.ClientId(), "a");
  ASSERT_EQ(Payload(R"({"appid":"v1"})"), Error::kOk);  // Entra ID v1 access tokens
  EXPECT_EQ(claims_.ClientId(), "v1");
  ASSERT_EQ(Payload(R"({"sub":"u"})"), Error::kOk);
  EXPECT_EQ(claims_.ClientId(), std::nullopt);
}

TEST_F(JoseJsonTest, ReadsSessionAndConfirmation) {
  ASSERT_EQ(
      Payload(R"({"sid":"s-1","cnf":{ "jkt" : "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" }})"),
      Error::kOk);
  EXPECT_EQ(claims_.sid, "s-1");
  EXPECT_EQ(claims_.cnf, R"({ "jkt" : "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" })");
}

// Integers beyond 64 bits are valid JSON; in claims the engine does not interpret they are
// kept as written (PyJWT, jose and jwcrypto sign such tokens).
TEST_F(JoseJsonTest, AcceptsBigIntegersInOtherClaims) {
  ASSERT_EQ(
      Payload(R"({"n":123456789012345678901234567890,"a":[-1e999,{"b":99999999999999999999999}]})"),
      Error::kOk);
  ASSERT_EQ(claims_.members.size(), 2u);
  EXPECT_EQ(claims_.members[0].value, "123456789012345678901234567890");
  // A NumericDate must still be a time: a huge integer is far away, beyond a double is not one.
  ASSERT_EQ(Payload(R"({"exp":123456789012345678901234567890})"), Error::kOk);
  EXPECT_GT(*claims_.exp, 1e29);
  EXPECT_EQ(Payload(R"({"exp":1e400})"), Error::kMalformed);
}

// The reader is strict RFC 8259 everywhere, also inside claims it does not interpret.
TEST_F(JoseJsonTest, RejectsInvalidJsonInUninterpretedClaims) {
  for (const char* json :
       {R"({"x":01})",      R"({"x":1.})",     R"({"x":.5})",       R"({"x":1e})",
        R"({"x":+1})",      R"({"x":-})",      R"({"x":tru})",      R"({"x":nul})",
        R"({"x":"\x"})",    R"({"x":"\u12"})", R"({"x":"\ud800"})", R"({"x":"\udc00\ud800"})",
        "{\"x\":\"a\tb\"}", R"({"x":[1,]})",   R"({"x":{"a":1,}})", R"({"x":{"a"}})",
        R"({"x":[1 2]})",   R"({"x":1} {})",   R"({"x":1,})",       R"({,"x":1})",
        "{\"x\":\"\xff\"}", R"({"x":NaN})",    R"({"x":Infinity})", R"({'x':1})"}) {
    EXPECT_EQ(Payload(json), Error::kMalformed) << json;
  }
  EXPECT_EQ(Payload(R"({"x":"\ud83d\ude00","y":-0.5e+10,"z":[true,false,null,{}]})"), Error::kOk);
}

TEST_F(JoseJsonTest, CombinesScopeAndScp) {
  ASSERT_EQ(Payload(R"({"scope":"a b","scp":["c"]})"), Error::kOk);
  EXPECT_EQ(Scopes(), (Strings{"a", "b", "c"}));
}

class JosePayloadCaseTest : public JoseJsonTest, public ::testing::WithParamInterface<JsonCase> {};

TEST_P(JosePayloadCaseTest, TypesClaims) {
  EXPECT_EQ(Payload(GetParam().json), GetParam().want) << GetParam().json << " detail: " << detail_;
}

// Every typed claim with each wrong JSON type is malformed.
std::vector<JsonCase> WrongTypeCases() {
  std::vector<JsonCase> cases;
  const struct {
    std::string_view claim;
    std::string_view kind;
  } kClaims[] = {
      {"exp", "number"},   {"nbf", "number"},     {"iat", "number"},       {"auth_time", "number"},
      {"iss", "string"},   {"sub", "string"},     {"jti", "string"},       {"azp", "string"},
      {"nonce", "string"}, {"at_hash", "string"}, {"client_id", "string"}, {"cid", "string"},
      {"sid", "string"},   {"scope", "strings"},  {"aud", "strings"},      {"scp", "strings"},
      {"cnf", "object"},   {"appid", "string"},
  };
  const struct {
    std::string_view name;
    std::string_view json;
    std::string_view valid_for;  // kinds this value is valid for
  } kValues[] = {
      {"String", R"("1700000000")", "string strings"},
      {"Number", "1700000000", "number"},
      {"Fraction", "1.5", "number"},
      {"True", "true", ""},
      {"Null", "null", ""},
      {"Object", "{}", "object"},
      {"EmptyArray", "[]", "strings"},
      {"StringArray", R"(["a","b"])", "strings"},
      {"ArrayWithNumber", R"(["a",1])", ""},
      {"ArrayWithNull", R"([null])", ""},
      {"NestedArray", R"([["a"]])", ""},
  };
  for (const auto& c : kClaims) {
    for (const auto& v : kValues) {
      const bool valid = v.valid_for.find(c.kind) != std::string_view::npos &&
                         !(c.kind == "string" && v.valid_for == "strings");
      std::string name;
      bool upper = true;
      for (char ch : c.claim) {
        if (ch == '_') {
          upper = true;
          continue;
        }
        name += upper ? static_cast<char>(ch - 'a' + 'A') : ch;
        upper = false;
      }
      name += v.name;
      cases.push_back(JsonCase{name, StrCat("{\"", c.claim, "\":", v.json, "}"),
                               valid ? Error::kOk : Error::kMalformed});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ClaimTypes, JosePayloadCaseTest, ::testing::ValuesIn(WrongTypeCases()),
                         CaseName);

INSTANTIATE_TEST_SUITE_P(
    Duplicates, JosePayloadCaseTest,
    ::testing::Values(
        JsonCase{"SubTwice", R"({"sub":"user-1","sub":"admin"})", Error::kMalformed},
        JsonCase{"ExpTwice", R"({"exp":1,"exp":2000000000})", Error::kMalformed},
        JsonCase{"CustomTwice", R"({"c":1,"c":2})", Error::kMalformed},
        JsonCase{"SubEscaped", R"({"sub":"user-1","s\u0075b":"admin"})", Error::kMalformed},
        JsonCase{"EscapedBoth", R"({"\u0061":1,"\u0061":2})", Error::kMalformed},
        JsonCase{"NestedDuplicatesAreNotTopLevel", R"({"o":{"k":1},"p":{"k":2}})", Error::kOk},
        // Long names sharing an eight-byte prefix (Entra's extension claims): distinct ones
        // pass, a repeat is caught whether or not the prefix collides.
        JsonCase{"LongPrefixDistinct",
                 R"({"extension_Department":"a","extension_Departmenu":"b","extension_Dept":1})",
                 Error::kOk},
        JsonCase{"LongPrefixTwice",
                 R"({"extension_Department":"a","extension_Dept":1,"extension_Department":"b"})",
                 Error::kMalformed},
        JsonCase{"LongEscapedTwice", R"({"extension_Department":"a","extension_Department":"b"})",
                 Error::kMalformed}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    NotAnObject, JosePayloadCaseTest,
    ::testing::Values(JsonCase{"Array", "[1,2,3]", Error::kMalformed},
                      JsonCase{"String", R"("Payload")", Error::kMalformed},
                      JsonCase{"Null", "null", Error::kMalformed},
                      JsonCase{"Text", "Payload", Error::kMalformed},
                      JsonCase{"Empty", "", Error::kMalformed},
                      JsonCase{"Unterminated", R"({"sub":"u","exp":)", Error::kMalformed},
                      JsonCase{"NaN", R"({"exp":NaN})", Error::kMalformed},
                      JsonCase{"SingleQuotes", "{'sub':'u'}", Error::kMalformed},
                      JsonCase{"Overlong", "{\"x\":\"\xc0\xaf\"}", Error::kMalformed},
                      JsonCase{"Surrogate", "{\"x\":\"\xed\xa0\x80\"}", Error::kMalformed},
                      JsonCase{"BadEscape", R"({"x":"\q"})", Error::kMalformed}),
    CaseName);

// Names builds a payload with `n` distinct members plus `extra` raw members.
std::string ManyNames(size_t n, std::string_view extra) {
  std::string out = "{";
  for (size_t i = 0; i < n; ++i) {
    base::StrAppend(&out, i == 0 ? "" : ",", "\"name", i, "\":", i);
  }
  base::StrAppend(&out, extra, "}");
  return out;
}

// More than 16 names takes the sort path of the duplicate check.
TEST_F(JoseJsonTest, AcceptsManyDistinctNames) {
  EXPECT_EQ(Payload(ManyNames(16, "")), Error::kOk);
  EXPECT_EQ(Payload(ManyNames(17, "")), Error::kOk);
  EXPECT_EQ(Payload(ManyNames(500, "")), Error::kOk);
  EXPECT_EQ(claims_.members.size(), 500u);
}

// The duplicate check (a hash set whose "maybe" falls back to an exact check) against a
// std::set, on generated payloads: names from a small pool, so repeats are common; long names
// sharing their first eight bytes, so the set's keys collide; typed claims among them; some
// names written with an escape. Deterministic (fixed seed).
TEST_F(JoseJsonTest, RepeatedNameVerdictMatchesAReference) {
  const std::vector<std::string> pool = {"exp",
                                         "iss",
                                         "sub",
                                         "aud",
                                         "a",
                                         "b",
                                         "client_id",
                                         "extension_Department",
                                         "extension_Departmenu",
                                         "extension_Dept",
                                         "scope",
                                         "x_1",
                                         "x_2",
                                         "nonce",
                                         "auth_time",
                                         ""};
  std::mt19937 rng(20261207);
  int repeats = 0;
  for (int round = 0; round < 3000; ++round) {
    const size_t n = 1 + rng() % 24;
    std::string json = "{";
    std::set<std::string> seen;
    bool repeated = false;
    for (size_t i = 0; i < n; ++i) {
      const std::string& name = pool[rng() % pool.size()];
      repeated |= !seen.insert(name).second;
      std::string written = name;
      if (!name.empty() && rng() % 4 == 0) {  // the same name, its first byte escaped
        constexpr std::string_view kHex = "0123456789abcdef";
        const auto first = static_cast<unsigned char>(name[0]);
        written =
            StrCat("\\u00", kHex.substr(first >> 4, 1), kHex.substr(first & 15, 1), name.substr(1));
      }
      // Values every typed claim accepts: a number for the dates, a string for the rest.
      const bool date = name == "exp" || name == "auth_time";
      base::StrAppend(&json, i == 0 ? "" : ",", "\"", written, "\":", date ? "1" : "\"v\"");
    }
    json += "}";
    repeats += repeated ? 1 : 0;
    const Error error = Payload(json);
    if (repeated) {
      ASSERT_EQ(error, Error::kMalformed) << json;
      ASSERT_EQ(detail_, "the JWT payload repeats a claim name") << json;
    } else {
      ASSERT_EQ(error, Error::kOk) << json << ": " << detail_;
      ASSERT_EQ(claims_.members.size(), n) << json;
    }
  }
  EXPECT_GT(repeats, 500);  // both verdicts were exercised
  EXPECT_LT(repeats, 2900);
}

// A name with escapes is typed by its value, like any other: "\u0065xp" is exp.
TEST_F(JoseJsonTest, TypesAClaimWhoseNameHasEscapes) {
  EXPECT_EQ(Payload(R"({"\u0065xp":1700000000,"client_\u0069d":"c","a\u0075th_time":5})"),
            Error::kOk);
  EXPECT_EQ(claims_.exp, 1700000000.0);
  EXPECT_EQ(claims_.client_id, "c");
  EXPECT_EQ(claims_.auth_time, 5.0);
  EXPECT_EQ(Payload(R"({"\u0065xp":"soon"})"), Error::kMalformed);
  EXPECT_EQ(detail_, "claim \"exp\" is not a number");
}

// Names that share a typed claim's length and first seven bytes are kept as text.
TEST_F(JoseJsonTest, KeepsNearMissesOfLongClaimNamesAsText) {
  EXPECT_EQ(Payload(R"({"client_ix":7,"auth_timf":"x"})"), Error::kOk);
  EXPECT_FALSE(claims_.client_id.has_value());
  EXPECT_FALSE(claims_.auth_time.has_value());
  EXPECT_EQ(claims_.members.size(), 2u);
}

TEST_F(JoseJsonTest, RejectsDuplicateAmongManyNames) {
  EXPECT_EQ(Payload(ManyNames(15, ",\"name0\":1")), Error::kMalformed);  // 16 names: pairwise
  EXPECT_EQ(Payload(ManyNames(16, ",\"name0\":1")), Error::kMalformed);  // 17 names: sorted
  EXPECT_EQ(Payload(ManyNames(16, ",\"name15\":1")), Error::kMalformed);
  EXPECT_EQ(Payload(ManyNames(300, ",\"n\\u0061me150\":1")), Error::kMalformed);
  EXPECT_EQ(Header(StrCat("{\"alg\":\"RS256\",", ManyNames(20, ",\"alg\":\"RS256\"").substr(1))),
            Error::kMalformed);
}

TEST(HasDuplicateNamesTest, FindsDuplicatesOnBothPaths) {
  std::vector<std::string_view> scratch;
  std::vector<std::string> storage;
  for (int i = 0; i < 40; ++i) {
    storage.push_back(StrCat("k", i));
  }
  for (size_t n : {0u, 1u, 2u, 15u, 16u, 17u, 40u}) {
    std::vector<std::string_view> names(storage.begin(), storage.begin() + n);
    EXPECT_FALSE(internal::HasDuplicateNames(names, scratch)) << n;
    if (n >= 1) {
      names.push_back(storage[n - 1]);  // duplicate of the last
      EXPECT_TRUE(internal::HasDuplicateNames(names, scratch)) << n;
      names.back() = storage[0];  // duplicate of the first
      EXPECT_TRUE(internal::HasDuplicateNames(names, scratch)) << n;
    }
  }
}

TEST(HasDuplicateNamesTest, ComparesWholeNames) {
  std::vector<std::string_view> scratch;
  const std::vector<std::string_view> names = {"a", "ab", "abc",
                                               "b", "ba", std::string_view("a\0", 2)};
  EXPECT_FALSE(internal::HasDuplicateNames(names, scratch));
  // The short-list path compares eight-byte prefixes first: names alike in their first eight
  // bytes are told apart by the rest, and equal long names are still duplicates.
  const std::vector<std::string_view> long_names = {"abcdefgh1", "abcdefgh2", "abcdefgh",
                                                    std::string_view("abcdefgh\0", 9)};
  EXPECT_FALSE(internal::HasDuplicateNames(long_names, scratch));
  const std::vector<std::string_view> repeated = {"abcdefgh1", "x", "abcdefgh1"};
  EXPECT_TRUE(internal::HasDuplicateNames(repeated, scratch));
  const std::vector<std::string_view> empty_twice = {"", "a", ""};
  EXPECT_TRUE(internal::HasDuplicateNames(empty_twice, scratch));
}

}  // namespace
}  // namespace tokenwarden
