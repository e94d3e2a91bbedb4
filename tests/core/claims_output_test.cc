// PayloadReader: the unverified issuer peek that picks an issuer entry, and the claim readers
// behind introspection responses, /validate claim headers and the scope / audience checks.

#include "server/serve/payload_reader.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "tests/core/test_tokens.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::testing::Assemble;
using ::tokenwarden::testing::B64;

// Token wraps `payload` in a compact JWS with a placeholder signature (PeekIssuer verifies
// nothing).
std::string Token(std::string_view payload) {
  return Assemble("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload, "signature");
}

// Members returns what AppendIntrospectionMembers appends for `payload`.
std::string Members(std::string_view payload) {
  PayloadReader reader;
  EXPECT_TRUE(reader.Load(payload)) << payload;
  std::string out;
  reader.AppendIntrospectionMembers(out);
  return out;
}

std::optional<std::string> Claim(PayloadReader& reader, std::string_view name) {
  std::string buffer = "garbage left from before";
  const std::optional<std::string_view> text = reader.ClaimText(name, buffer);
  return text.has_value() ? std::optional<std::string>(std::string(*text)) : std::nullopt;
}

// --- PeekIssuer ---------------------------------------------------------------------------

TEST(PeekIssuerTest, ReadsTheIssuerOfACompactToken) {
  PayloadReader reader;
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":"https://a.example","sub":"u"})")),
            "https://a.example");
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"sub":"u","iss":"https://b.example/tenant"})")),
            "https://b.example/tenant");
}

TEST(PeekIssuerTest, DecodesEscapesInTheIssuer) {
  PayloadReader reader;
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":"https:\/\/a.example\/\u0041"})")),
            "https://a.example/A");
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":""})")), "");
}

TEST(PeekIssuerTest, LeavesThePayloadLoaded) {
  PayloadReader reader;
  ASSERT_EQ(reader.PeekIssuer(Token(R"({"iss":"https://a.example","sub":"user-9"})")),
            "https://a.example");
  EXPECT_EQ(Claim(reader, "sub"), "user-9");
}

TEST(PeekIssuerTest, RejectsWhatIsNotACompactJws) {
  PayloadReader reader;
  const std::string payload = B64(R"({"iss":"https://a.example"})");
  EXPECT_EQ(reader.PeekIssuer(""), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(payload), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer("e30." + payload), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer("e30." + payload + ".c2ln.c2ln"), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer("e30." + payload + ".c2ln."), std::nullopt);
  // The JWE compact form has five parts.
  EXPECT_EQ(reader.PeekIssuer("e30..." + payload + ".c2ln"), std::nullopt);
  // But an empty signature segment is still three parts: the peek does not judge it.
  EXPECT_EQ(reader.PeekIssuer("e30." + payload + "."), "https://a.example");
}

TEST(PeekIssuerTest, RejectsBadBase64url) {
  PayloadReader reader;
  const std::string payload = B64(R"({"iss":"https://a.example"})");
  EXPECT_EQ(reader.PeekIssuer("e30." + payload + "!.c2ln"), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer("e30.!!!!.c2ln"), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer("e30." + payload + "=.c2ln"), std::nullopt);  // padding
  EXPECT_EQ(reader.PeekIssuer("e30.a.c2ln"), std::nullopt);                 // 1 char: no bytes
  EXPECT_EQ(reader.PeekIssuer("e30..c2ln"), std::nullopt);                  // empty payload
  std::string std_alphabet = payload;
  for (char& c : std_alphabet) {
    if (c == '_') {
      c = '/';
    } else if (c == '-') {
      c = '+';
    }
  }
  if (std_alphabet != payload) {
    EXPECT_EQ(reader.PeekIssuer("e30." + std_alphabet + ".c2ln"), std::nullopt);
  }
}

TEST(PeekIssuerTest, RejectsPayloadsThatAreNotJsonObjects) {
  PayloadReader reader;
  EXPECT_EQ(reader.PeekIssuer(Token(R"(["iss","https://a.example"])")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"("https://a.example")")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token("42")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token("null")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":"https://a.example")")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":"https://a.example"} x)")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token("not json")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token("")), std::nullopt);
}

TEST(PeekIssuerTest, RejectsANonStringIssuer) {
  PayloadReader reader;
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":1})")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":null})")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":["https://a.example"]})")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":{"url":"https://a.example"}})")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":true})")), std::nullopt);
}

TEST(PeekIssuerTest, RejectsAMissingIssuer) {
  PayloadReader reader;
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"sub":"u"})")), std::nullopt);
  EXPECT_EQ(reader.PeekIssuer(Token("{}")), std::nullopt);
  // Only the top level counts.
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"act":{"iss":"https://a.example"}})")), std::nullopt);
  // Key names are exact.
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"ISS":"https://a.example"})")), std::nullopt);
}

TEST(PeekIssuerTest, ReaderIsReusable) {
  PayloadReader reader;
  for (int i = 0; i < 20; ++i) {
    const std::string iss = "https://issuer-" + std::to_string(i) + ".example";
    const std::string padding(static_cast<size_t>(i * 37), 'p');
    EXPECT_EQ(reader.PeekIssuer(Token("{\"pad\":\"" + padding + "\",\"iss\":\"" + iss + "\"}")),
              iss);
    EXPECT_EQ(reader.PeekIssuer(Token(R"({"sub":"x"})")), std::nullopt);
  }
}

// An issuer may allow tokens up to 1 MiB (`max_token_bytes`, issuer_config.cc), and the core
// verifies them (its parser grows).
TEST(PeekIssuerTest, PayloadLargerThanTheDefaultTokenSize) {
  PayloadReader reader;
  const std::string big(40000, 'x');
  EXPECT_EQ(reader.PeekIssuer(Token("{\"big\":\"" + big + "\",\"iss\":\"https://a.example\"}")),
            "https://a.example");
  EXPECT_EQ(reader.PeekIssuer(Token(R"({"iss":"small"})")), "small");
}

// --- Load ----------------------------------------------------------------------------------

TEST(LoadTest, AcceptsObjectsOnly) {
  PayloadReader reader;
  EXPECT_TRUE(reader.Load("{}"));
  EXPECT_TRUE(reader.Load(R"({"a":1})"));
  EXPECT_FALSE(reader.Load("[]"));
  EXPECT_FALSE(reader.Load("1"));
  EXPECT_FALSE(reader.Load(""));
  EXPECT_FALSE(reader.Load("{"));
}

TEST(LoadTest, PayloadLargerThanTheDefaultTokenSize) {
  PayloadReader reader;
  const std::string big(20000, 'x');
  ASSERT_TRUE(reader.Load("{\"big\":\"" + big + "\",\"sub\":\"u\"}"));
  std::string buffer;
  EXPECT_EQ(reader.ClaimText("sub", buffer), "u");
}

TEST(LoadTest, PayloadUpToTheDefaultTokenSize) {
  PayloadReader reader;
  const std::string big(12000, 'x');
  ASSERT_TRUE(reader.Load("{\"big\":\"" + big + "\",\"sub\":\"u\"}"));
  std::string buffer;
  EXPECT_EQ(reader.ClaimText("sub", buffer), "u");
}

TEST(LoadTest, AFailedLoadForgetsThePreviousPayload) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u","scope":"read","aud":"api"})"));
  ASSERT_FALSE(reader.Load("[1]"));
  EXPECT_EQ(Claim(reader, "sub"), std::nullopt);
  EXPECT_FALSE(reader.HasScope("read"));
  const std::vector<std::string> audiences = {"api"};
  EXPECT_FALSE(reader.HasAnyAudience(audiences));
  std::string out;
  reader.AppendIntrospectionMembers(out);
  EXPECT_EQ(out, "");
}

// --- AppendIntrospectionMembers -----------------------------------------------------------

TEST(IntrospectionMembersTest, NothingLoadedAppendsNothing) {
  PayloadReader reader;
  std::string out = "{\"active\":true";
  reader.AppendIntrospectionMembers(out);
  EXPECT_EQ(out, "{\"active\":true");
}

TEST(IntrospectionMembersTest, AppendsToExistingText) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u"})"));
  std::string out = "{\"active\":true";
  reader.AppendIntrospectionMembers(out);
  EXPECT_EQ(out, R"({"active":true,"sub":"u","token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, EmptyPayloadGetsTokenTypeOnly) {
  EXPECT_EQ(Members("{}"), R"(,"token_type":"Bearer")");
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
  // Raw UTF-8 passes through; escapes are decoded and re-encoded only where JSON requires.
  EXPECT_EQ(Members("{\"name\":\"J\xc3\xbcrgen \xe2\x98\x83 \xf0\x9f\x98\x80\"}"),
            ",\"name\":\"J\xc3\xbcrgen \xe2\x98\x83 \xf0\x9f\x98\x80\",\"token_type\":\"Bearer\"");
  EXPECT_EQ(Members(R"({"e":"\u00fc \u2603 \ud83d\ude00"})"),
            ",\"e\":\"\xc3\xbc \xe2\x98\x83 \xf0\x9f\x98\x80\",\"token_type\":\"Bearer\"");
  EXPECT_EQ(Members(R"({"q":"say \"hi\" \\ back\/slash"})"),
            R"(,"q":"say \"hi\" \\ back/slash","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"c":"tab\there\nnew\rret\u0001\u001f\b\f"})"),
            R"(,"c":"tab\there\nnew\rret\u0001\u001f\u0008\u000c","token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"nul":"a\u0000b"})"), R"(,"nul":"a\u0000b","token_type":"Bearer")");
  // Keys too.
  EXPECT_EQ(Members(R"({"k\"ey\u00e9":1})"), ",\"k\\\"ey\xc3\xa9\":1,\"token_type\":\"Bearer\"");
  // Nested strings are escaped like top-level ones.
  EXPECT_EQ(Members(R"({"o":{"a\nb":["x\"y"]}})"),
            R"(,"o":{"a\nb":["x\"y"]},"token_type":"Bearer")");
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

TEST(IntrospectionMembersTest, ScpOfAnotherTypeIsNotAScope) {
  EXPECT_EQ(Members(R"({"scp":5})"), R"(,"scp":5,"token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scp":{"a":1}})"), R"(,"scp":{"a":1},"token_type":"Bearer")");
  EXPECT_EQ(Members(R"({"scp":null})"), R"(,"scp":null,"token_type":"Bearer")");
}

// RFC 7662 §2.2: `scope` is "a space-separated list of scopes". An `scp` array that is not
// all strings has no such rendering.
TEST(IntrospectionMembersTest, ScpArrayWithNonStringsIsNotAScope) {
  EXPECT_EQ(Members(R"({"scp":["read",1]})"), R"(,"scp":["read",1],"token_type":"Bearer")");
}

TEST(IntrospectionMembersTest, TokenTypeIsKeptWhenPresent) {
  EXPECT_EQ(Members(R"({"token_type":"DPoP","sub":"u"})"), R"(,"token_type":"DPoP","sub":"u")");
  EXPECT_EQ(Members(R"({"sub":"u","token_type":"N_A"})"), R"(,"sub":"u","token_type":"N_A")");
}

TEST(IntrospectionMembersTest, ReaderIsReusable) {
  PayloadReader reader;
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
  PayloadReader reader;
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

TEST(ClaimTextTest, StringsInArraysAreDecoded) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"g":["a\/b","c\u0020d"]})"));
  EXPECT_EQ(Claim(reader, "g"), "a/b c d");
}

TEST(ClaimTextTest, NothingLoaded) {
  PayloadReader reader;
  EXPECT_EQ(Claim(reader, "sub"), std::nullopt);
}

// --- HasAnyAudience ------------------------------------------------------------------------

TEST(HasAnyAudienceTest, StringAudience) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"aud":"api"})"));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"other", "api"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"other"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"API"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"ap"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{}));
}

TEST(HasAnyAudienceTest, ArrayAudience) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"aud":["web",7,"api"]})"));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  EXPECT_TRUE(reader.HasAnyAudience(std::vector<std::string>{"web"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"7"}));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"web api"}));
  ASSERT_TRUE(reader.Load(R"({"aud":[]})"));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
}

TEST(HasAnyAudienceTest, AbsentOrOtherType) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u"})"));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  ASSERT_TRUE(reader.Load(R"({"aud":{"api":true}})"));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
  ASSERT_TRUE(reader.Load(R"({"aud":null})"));
  EXPECT_FALSE(reader.HasAnyAudience(std::vector<std::string>{"api"}));
}

// --- HasScope ------------------------------------------------------------------------------

TEST(HasScopeTest, ScopeString) {
  PayloadReader reader;
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
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"scp":["read","write",3]})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_FALSE(reader.HasScope("3"));
  EXPECT_FALSE(reader.HasScope("rea"));
}

TEST(HasScopeTest, ScpString) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"scp":"read write"})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_FALSE(reader.HasScope("read write"));
}

TEST(HasScopeTest, ScopeAndScpBothCount) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"scope":"read","scp":["write"]})"));
  EXPECT_TRUE(reader.HasScope("read"));
  EXPECT_TRUE(reader.HasScope("write"));
  EXPECT_FALSE(reader.HasScope("admin"));
}

TEST(HasScopeTest, NoScopes) {
  PayloadReader reader;
  ASSERT_TRUE(reader.Load(R"({"sub":"u"})"));
  EXPECT_FALSE(reader.HasScope("read"));
  // A `scope` that is not a string grants nothing.
  ASSERT_TRUE(reader.Load(R"({"scope":["read"]})"));
  EXPECT_FALSE(reader.HasScope("read"));
  ASSERT_TRUE(reader.Load(R"({"scp":{"read":true}})"));
  EXPECT_FALSE(reader.HasScope("read"));
}

}  // namespace
}  // namespace tokenwarden::server
