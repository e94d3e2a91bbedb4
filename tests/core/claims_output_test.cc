// The ways verified claims leave the engine (claims_output.h) and the reader behind them
// (ClaimsJson: the same reader a token's payload gets): introspection members, claim header
// text, and the scope and audience model the policy checks.

#include "core/claims_output.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/claims_json.h"

namespace tokenwarden {
namespace {

// Reader reads a claims JSON the way an upstream answer or a token payload is read.
class Reader {
 public:
  bool Load(std::string_view json) {
    text_.assign(json);
    return json_.Read(text_) == Error::kOk;
  }
  const Claims& claims() const { return json_.claims(); }
  void AppendIntrospectionMembers(std::string& out) const {
    tokenwarden::AppendIntrospectionMembers(claims(), out);
  }
  std::optional<std::string_view> ClaimText(std::string_view name, std::string& buffer) const {
    return tokenwarden::ClaimText(claims(), name, buffer);
  }
  bool HasAnyAudience(const std::vector<std::string>& audiences) const {
    return claims().HasAnyAudience(audiences);
  }
  bool HasScope(std::string_view scope) const { return claims().HasScope(scope); }

 private:
  std::string text_;
  ClaimsJson json_;
};

// Members returns what AppendIntrospectionMembers appends for `payload`.
std::string Members(std::string_view payload) {
  Reader reader;
  EXPECT_TRUE(reader.Load(payload)) << payload;
  std::string out;
  reader.AppendIntrospectionMembers(out);
  return out;
}

std::optional<std::string> Claim(Reader& reader, std::string_view name) {
  std::string buffer = "garbage left from before";
  const std::optional<std::string_view> text = reader.ClaimText(name, buffer);
  return text.has_value() ? std::optional<std::string>(std::string(*text)) : std::nullopt;
}

// --- Load ----------------------------------------------------------------------------------

TEST(LoadTest, AcceptsObjectsOnly) {
  Reader reader;
  EXPECT_TRUE(reader.Load("{}"));
  EXPECT_TRUE(reader.Load(R"({"a":1})"));
  EXPECT_FALSE(reader.Load("[]"));
  EXPECT_FALSE(reader.Load("1"));
  EXPECT_FALSE(reader.Load(""));
  EXPECT_FALSE(reader.Load("{"));
}

TEST(LoadTest, PayloadLargerThanTheDefaultTokenSize) {
  Reader reader;
  const std::string big(40000, 'x');
  ASSERT_TRUE(reader.Load("{\"big\":\"" + big + "\",\"sub\":\"u\"}"));
  std::string buffer;
  EXPECT_EQ(reader.ClaimText("sub", buffer), "u");
}

// Integers beyond 64 bits (PyJWT, jose and jwcrypto sign them happily) are kept digit for
// digit in claims the engine does not interpret.
TEST(LoadTest, BigIntegersRoundTripExactly) {
  const std::string payload =
      R"({"n":123456789012345678901234567890,"neg":-98765432109876543210987654321,)"
      R"("e":1e400,"arr":[340282366920938463463374607431768211456]})";
  EXPECT_EQ(Members(payload),
            payload.substr(1, payload.size() - 2).insert(0, ",") + R"(,"token_type":"Bearer")");
}

TEST(LoadTest, AFailedLoadForgetsThePreviousPayload) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u","scope":"read","aud":"api"})"));
  ASSERT_FALSE(reader.Load("[1]"));
  EXPECT_EQ(Claim(reader, "sub"), std::nullopt);
  EXPECT_FALSE(reader.HasScope("read"));
  const std::vector<std::string> audiences = {"api"};
  EXPECT_FALSE(reader.HasAnyAudience(audiences));
}

// --- AppendIntrospectionMembers -----------------------------------------------------------

TEST(IntrospectionMembersTest, AppendsToExistingText) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u"})"));
  std::string out = "{\"active\":true";
  reader.AppendIntrospectionMembers(out);
  EXPECT_EQ(out, R"({"active":true,"sub":"u","token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, EmptyPayloadGetsTokenTypeOnly) {
  EXPECT_EQ(Members("{}"), R"(,"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, DpopBoundTokensAreOfTypeDpop) {
  // RFC 9449 §6.2: introspection tells the resource server the token is DPoP-bound, and its
  // cnf carries the key's thumbprint for the proof check.
  EXPECT_EQ(Members(R"({"sub":"u","cnf":{"jkt":"abc"}})"),
            R"(,"sub":"u","cnf":{"jkt":"abc"},"token_type":"DPoP")");
  EXPECT_EQ(Members(R"({"cnf":{"x5t#S256":"abc"}})"),
            R"(,"cnf":{"x5t#S256":"abc"},"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, CopiesEveryClaimInOrderWithExactValues) {
  const std::string payload =
      R"({"iss":"https://a.example","sub":"user-1","aud":["api","other"],"exp":1700003600,)"
      R"("iat":1699999000,"nbf":-5,"ratio":1.5,"quarter":0.25,"neg":-0.5,)"
      R"("big":9007199254740993,"huge":18446744073709551615,"min":-9223372036854775808,)"
      R"("yes":true,"no":false,"nothing":null,"empty_obj":{},"empty_arr":[],)"
      R"("obj":{"a":[1,{"b":"c","d":[true,null]}],"e":{"f":{}}},"zero":0})";
  EXPECT_EQ(Members(payload),
            payload.substr(1, payload.size() - 2).insert(0, ",") + R"(,"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, WhitespaceIsRemoved) {
  EXPECT_EQ(Members("{ \"sub\" : \"u\" ,\n\t\"obj\" : { \"a\" : [ 1 , 2 ] } }"),
            R"(,"sub":"u","obj":{"a":[1,2]},"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, UnicodeAndEscapesRoundTrip) {
  // Values are kept as the issuer wrote them (escapes included: same JSON value); raw UTF-8
  // passes through. Names are decoded and re-encoded.
  EXPECT_EQ(Members("{\"name\":\"J\xc3\xbcrgen \xe2\x98\x83 \xf0\x9f\x98\x80\"}"),
            ",\"name\":\"J\xc3\xbcrgen \xe2\x98\x83 \xf0\x9f\x98\x80\",\"token_type\":\"Bearer\"");
  EXPECT_EQ(Members(R"({"e":"\u00fc \u2603 \ud83d\ude00"})"),
            R"(,"e":"\u00fc \u2603 \ud83d\ude00","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"q":"say \"hi\" \\ back\/slash"})"),
            R"(,"q":"say \"hi\" \\ back\/slash","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"c":"tab\there\nnew\rret\u0001\u001f\b\f"})"),
            R"(,"c":"tab\there\nnew\rret\u0001\u001f\b\f","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"nul":"a\u0000b"})"), R"(,"nul":"a\u0000b","token_type":"Bearer")");
  // Keys are decoded and re-encoded where JSON requires.
  EXPECT_EQ(Members(R"({"k\"ey\u00e9":1})"), ",\"k\\\"ey\xc3\xa9\":1,\"token_type\":\"Bearer\"");
  EXPECT_EQ(Members(R"({"k\u0001":1})"), R"(,"k\u0001":1,"token_type":"Bearer")");
  // Spaces inside strings are data, never removed.
  EXPECT_EQ(Members(R"({"o" : {"a\nb" : [ "x\" y" ]}})"),
            R"(,"o":{"a\nb":["x\" y"]},"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, ActiveClaimIsDropped) {
  EXPECT_EQ(Members(R"({"active":false,"sub":"u"})"), R"(,"sub":"u","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"sub":"u","active":true})"), R"(,"sub":"u","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"active":{"nested":1}})"), R"(,"token_type":"Bearer")");
  // Only the top-level member: a nested "active" is data.
  EXPECT_EQ(Members(R"({"o":{"active":false}})"), R"(,"o":{"active":false},"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, ScpArrayBecomesAScopeString) {
  EXPECT_EQ(Members(R"({"sub":"u","scp":["read","write"]})"),
            R"(,"sub":"u","scp":["read","write"],"scope":"read write","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scp":["only"]})"),
            R"(,"scp":["only"],"scope":"only","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scp":[]})"), R"(,"scp":[],"scope":"","token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, ScpStringBecomesAScopeString) {
  EXPECT_EQ(Members(R"({"scp":"read write"})"),
            R"(,"scp":"read write","scope":"read write","token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, ScpIsNotCopiedToScopeWhenScopeIsPresent) {
  EXPECT_EQ(Members(R"({"scope":"a b","scp":["c"]})"),
            R"(,"scope":"a b","scp":["c"],"token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scp":["c"],"scope":"a b"})"),
            R"(,"scp":["c"],"scope":"a b","token_type":"Bearer")");
}

// `scp` and `scope` are claims the engine interprets: another type makes the whole claims set
// malformed, as it makes a token malformed (one rule for tokens and upstream answers).
TEST(IntrospectionMembersTest, ScopesOfAnotherTypeAreMalformed) {
  Reader reader;
  EXPECT_FALSE(reader.Load(R"({"scp":5})"));
  EXPECT_FALSE(reader.Load(R"({"scp":{"a":1}})"));
  EXPECT_FALSE(reader.Load(R"({"scp":null})"));
  EXPECT_FALSE(reader.Load(R"({"scp":["read",1]})"));
  EXPECT_FALSE(reader.Load(R"({"scope":["read",1]})"));
  EXPECT_FALSE(reader.Load(R"({"scope":7})"));
}

// RFC 7662's client_id is the client the token was issued to, from `cid` (Okta) or `azp`
// when the token has no `client_id`.
TEST(IntrospectionMembersTest, ClientIdFromCidOrAzp) {
  EXPECT_EQ(Members(R"({"cid":"0oa1"})"),
            R"(,"cid":"0oa1","client_id":"0oa1","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"azp":"app"})"), R"(,"azp":"app","client_id":"app","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"client_id":"c","cid":"x"})"),
            R"(,"client_id":"c","cid":"x","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"sub":"u"})"), R"(,"sub":"u","token_type":"Bearer")");
}

// IdentityServer and Duende issue `scope` as an array: RFC 7662 wants a string.
TEST(IntrospectionMembersTest, ScopeArrayBecomesAScopeString) {
  EXPECT_EQ(Members(R"({"sub":"u","scope":["openid","api1"]})"),
            R"(,"sub":"u","scope":"openid api1","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scope":["a"],"scp":["b"]})"),
            R"(,"scp":["b"],"scope":"a b","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scope":[]})"), R"(,"scope":"","token_type":"Bearer")");
  // Escapes survive the join: decoded to read the scope, escaped again to write it.
  EXPECT_EQ(Members(R"({"scp":["a\"b","c\u00e9"]})"),
            R"(,"scp":["a\"b","c\u00e9"],"scope":"a\"b cé","token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, TokenTypeIsKeptWhenPresent) {
  EXPECT_EQ(Members(R"({"token_type":"DPoP","sub":"u"})"), R"(,"token_type":"DPoP","sub":"u")");
  EXPECT_EQ(Members(R"({"sub":"u","token_type":"N_A"})"), R"(,"sub":"u","token_type":"N_A")");
}

TEST(IntrospectionMembersTest, ReaderIsReusable) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"scp":["a"],"x":1})"));
  std::string out;
  reader.AppendIntrospectionMembers(out);
  EXPECT_EQ(out, R"(,"scp":["a"],"x":1,"scope":"a","token_type":"Bearer")");
  ASSERT_TRUE(reader.Load(R"({"scope":"b"})"));
  out.clear();
  reader.AppendIntrospectionMembers(out);
  EXPECT_EQ(out, R"(,"scope":"b","token_type":"Bearer")");
}

// --- ClaimText -----------------------------------------------------------------------------

TEST(ClaimTextTest, RendersEachKind) {
  Reader reader;
  ASSERT_TRUE(reader.Load(
      R"({"sub":"user-1","roles":["admin","ops"],"one":["x"],"none":[],"mixed":["a",1,null],)"
      R"("n":42,"f":1.5,"neg":-7,"t":true,"z":null,"obj":{"a":1,"b":[true,"s"],"c":{}},)"
      R"("esc":"line\u0041 \"q\"","nested":[["a"]]})"));
  EXPECT_EQ(Claim(reader, "sub"), "user-1");
  EXPECT_EQ(Claim(reader, "roles"), "admin ops");
  EXPECT_EQ(Claim(reader, "one"), "x");
  EXPECT_EQ(Claim(reader, "none"), "");
  EXPECT_EQ(Claim(reader, "mixed"), R"(["a",1,null])");
  EXPECT_EQ(Claim(reader, "n"), "42");
  EXPECT_EQ(Claim(reader, "f"), "1.5");
  EXPECT_EQ(Claim(reader, "neg"), "-7");
  EXPECT_EQ(Claim(reader, "t"), "true");
  EXPECT_EQ(Claim(reader, "z"), "null");
  EXPECT_EQ(Claim(reader, "obj"), R"({"a":1,"b":[true,"s"],"c":{}})");
  EXPECT_EQ(Claim(reader, "esc"), "lineA \"q\"");
  EXPECT_EQ(Claim(reader, "nested"), R"([["a"]])");
  EXPECT_EQ(Claim(reader, "absent"), std::nullopt);
  EXPECT_EQ(Claim(reader, "Sub"), std::nullopt);
}

// A string without escapes is answered as a view of the payload (the common case of every
// /validate claim header): the buffer is not touched.
TEST(ClaimTextTest, PlainStringsAreViewsOfThePayload) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"user-1","esc":"a\"b"})"));
  std::string buffer = "untouched";
  EXPECT_EQ(reader.ClaimText("sub", buffer), "user-1");
  EXPECT_EQ(buffer, "untouched");
  EXPECT_EQ(reader.ClaimText("esc", buffer), "a\"b");
}

TEST(ClaimTextTest, StringsInArraysAreDecoded) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"g":["a\/b","c\u0020d"]})"));
  EXPECT_EQ(Claim(reader, "g"), "a/b c d");
}

// `scope` and `client_id` are the engine's interpreted claims: an Okta token (scp, cid) and an
// IdentityServer token (scope array) get the same headers as a token with the plain claims.
TEST(ClaimTextTest, ScopeAndClientIdAreTheInterpretedClaims) {
  Reader okta;
  ASSERT_TRUE(okta.Load(R"({"scp":["openid","orders:read"],"cid":"0oa1","uid":"00u1"})"));
  EXPECT_EQ(Claim(okta, "scope"), "openid orders:read");
  EXPECT_EQ(Claim(okta, "client_id"), "0oa1");
  EXPECT_EQ(Claim(okta, "scp"), "openid orders:read");
  Reader entra;
  ASSERT_TRUE(entra.Load(R"({"scp":"User.Read Mail.Send","azp":"app-1"})"));
  EXPECT_EQ(Claim(entra, "scope"), "User.Read Mail.Send");
  EXPECT_EQ(Claim(entra, "client_id"), "app-1");
  Reader duende;
  ASSERT_TRUE(duende.Load(R"({"scope":["api1","offline_access"],"client_id":"c","azp":"x"})"));
  EXPECT_EQ(Claim(duende, "scope"), "api1 offline_access");
  EXPECT_EQ(Claim(duende, "client_id"), "c");
  Reader both;
  ASSERT_TRUE(both.Load(R"({"scope":"a b","scp":["c"]})"));
  EXPECT_EQ(Claim(both, "scope"), "a b");  // a scope string is the answer, as in /introspect
  Reader none;
  ASSERT_TRUE(none.Load(R"({"sub":"u"})"));
  EXPECT_EQ(Claim(none, "scope"), std::nullopt);
  EXPECT_EQ(Claim(none, "client_id"), std::nullopt);
  Reader empty;
  ASSERT_TRUE(empty.Load(R"({"scp":[]})"));
  EXPECT_EQ(Claim(empty, "scope"), "");
}

// Keycloak puts roles in objects: a dotted name reaches into them. A top-level claim whose
// name has dots (a namespaced URL claim) is found as it is.
TEST(ClaimTextTest, DottedNamesReachNestedClaims) {
  Reader reader;
  ASSERT_TRUE(reader.Load(
      R"({"realm_access":{"roles":["offline_access","admin"]},)"
      R"("resource_access":{"my.app":{"roles":["view"]},"account":{"roles":["manage"]}},)"
      R"("https://example.com/roles":["r1"],"https://example.com":{"x":"wrong"},)"
      R"("n":{"d\u0065ep":{"v":1}},"s":"flat","o":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}})"));
  EXPECT_EQ(Claim(reader, "realm_access.roles"), "offline_access admin");
  EXPECT_EQ(Claim(reader, "resource_access.my.app.roles"), "view");
  EXPECT_EQ(Claim(reader, "resource_access.account.roles"), "manage");
  EXPECT_EQ(Claim(reader, "resource_access.account"), R"({"roles":["manage"]})");
  EXPECT_EQ(Claim(reader, "https://example.com/roles"), "r1");
  EXPECT_EQ(Claim(reader, "n.deep.v"), "1");  // member names compare unescaped
  EXPECT_EQ(Claim(reader, "realm_access.missing"), std::nullopt);
  EXPECT_EQ(Claim(reader, "s.x"), std::nullopt);  // not an object
  EXPECT_EQ(Claim(reader, "realm_access.roles.x"), std::nullopt);
  EXPECT_EQ(Claim(reader, "o.a.b.c.d.e.f.g.h"), R"({"i":1})");
  EXPECT_EQ(Claim(reader, "o.a.b.c.d.e.f.g.h.i"), std::nullopt);  // deeper than 8 levels
}

// --- HasAnyAudience ------------------------------------------------------------------------

TEST(HasAnyAudienceTest, StringAudience) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"aud":"api"})"));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"other", "api"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"other"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"API"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"ap"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{}));
}

TEST(HasAnyAudienceTest, ArrayAudience) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"aud":["web","7","api"]})"));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"web"}));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"7"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"web api"}));
  ASSERT_TRUE(reader.Load(R"({"aud":[]})"));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
}

TEST(HasAnyAudienceTest, AbsentOrOtherType) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u"})"));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  // `aud` of another type is malformed, for tokens and upstream answers alike.
  EXPECT_FALSE(reader.Load(R"({"aud":{"api":true}})"));
  EXPECT_FALSE(reader.Load(R"({"aud":null})"));
  EXPECT_FALSE(reader.Load(R"({"aud":["web",7]})"));
}

// --- HasScope ------------------------------------------------------------------------------

TEST(HasScopeTest, ScopeString) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"scope":"read write admin:users"})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_TRUE(reader.HasScope("admin:users"));
  EXPECT_FALSE(reader.HasScope("admin"));
  EXPECT_FALSE(reader.HasScope("rea"));
  EXPECT_FALSE(reader.HasScope("Read"));
  EXPECT_FALSE(reader.HasScope("read write"));
  EXPECT_FALSE(reader.HasScope("delete"));
}

TEST(HasScopeTest, ScpArray) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"scp":["read","write","3"]})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_TRUE(reader.HasScope("3"));
  EXPECT_FALSE(reader.HasScope("rea"));
}

TEST(HasScopeTest, ScpString) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"scp":"read write"})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_FALSE(reader.HasScope("read write"));
}

TEST(HasScopeTest, ScopeAndScpBothCount) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"scope":"read","scp":["write"]})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_FALSE(reader.HasScope("admin"));
}

TEST(HasScopeTest, NoScopes) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u"})"));
  EXPECT_FALSE(reader.HasScope("read"));
  ASSERT_TRUE(reader.Load(R"({"scope":""})"));
  EXPECT_FALSE(reader.HasScope(""));
}

// IdentityServer / Duende: `scope` as an array of strings grants each item.
TEST(HasScopeTest, ScopeArray) {
  Reader reader;
  ASSERT_TRUE(reader.Load(R"({"scope":["openid","api1.read"]})"));
  EXPECT_TRUE(reader.HasScope("openid"));
  EXPECT_TRUE(reader.HasScope("api1.read"));
  EXPECT_FALSE(reader.HasScope("api1"));
  EXPECT_FALSE(reader.claims().scope.has_value());
}

}  // namespace
}  // namespace tokenwarden
