// The payload reader's fast path (core/internal/compact_claims.h) against its reference, the
// byte walk: on every text, ReadClaimsJson must give the same verdict, detail and claims with
// the fast path in front as with the byte walk alone. And the fast path must take the
// payloads it exists for, or it is dead code that the agreement tests cannot tell from a
// working one.
#include "core/internal/compact_claims.h"

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/internal/claims_reader.h"
#include "tests/core/claims_description.h"
#include "tests/core/exact_buffer.h"

namespace tokenwarden {
namespace {

// Read is one ReadClaimsJson outcome, kept as owned text.
struct Read {
  Error error = Error::kOk;
  std::string detail;
  std::vector<std::string> claims;
};

Read ReadWith(std::string_view json, bool byte_walk_only) {
  // An exact buffer: AddressSanitizer reports a read past the text.
  const ExactBuffer buffer(json);
  internal::ClaimsStorage storage;
  storage.byte_walk_only = byte_walk_only;
  Claims claims;
  std::string_view detail;
  Read out;
  out.error = internal::ReadClaimsJson(buffer.view(), claims, storage, detail);
  out.detail = std::string(detail);
  if (out.error == Error::kOk) {
    out.claims = tokenwarden::testing::DescribeToken(Header{}, claims);
  }
  return out;
}

// ExpectAgree checks that the fast path changes nothing about `json`'s reading.
void ExpectAgree(std::string_view json) {
  const Read fast = ReadWith(json, false);
  const Read reference = ReadWith(json, true);
  EXPECT_EQ(fast.error, reference.error) << json;
  EXPECT_EQ(fast.detail, reference.detail) << json;
  EXPECT_EQ(fast.claims, reference.claims) << json;
}

// Takes reports whether the fast path reads `json` itself.
bool Takes(std::string_view json) {
  const ExactBuffer buffer(json);
  internal::ClaimsStorage storage;
  Claims claims;
  return internal::ReadCompactClaims(buffer.view(), claims, storage);
}

TEST(CompactClaimsTest, TakesTheUsualPayloads) {
  for (const std::string_view json : {
           R"({"iss":"https://issuer.example","sub":"u1","aud":"api","exp":4102444800,)"
           R"("iat":1767225105,"jti":"j-1","scope":"read write"})",
           R"({"aud":["a","b"],"scp":["x","y"],"cnf":{"jkt":"abc"},"roles":["r1","r2"],)"
           R"("email_verified":true,"nickname":null,"n":-1.5e3,"nested":{"a":[1,{"b":[]}]}})",
           R"({})",
           R"(  { "exp" : 0 , "iss" : "x" , "a" : [ ] , "o" : { } }  )",
           // Non-ASCII: UTF-8 is checked, then read as any other payload.
           R"({"name":"Zoë Ångström","sub":"用户"})",
       }) {
    EXPECT_TRUE(Takes(json)) << json;
    ExpectAgree(json);
  }
}

TEST(CompactClaimsTest, LeavesToTheByteWalkWhatItDoesNotRead) {
  for (const std::string_view json : {
           // Escapes, anywhere: only the byte walk decodes them.
           R"({"iss":"https:\/\/issuer.example"})",
           R"({"a\u0062c":1})",
           // Whitespace other than spaces.
           "{\"exp\":1,\n\"iss\":\"x\"}",
           "{\t\"exp\":1}",
           // Times that are not up to 15 digits without a leading zero.
           R"({"exp":1767225105.5})",
           R"({"exp":1e9})",
           R"({"exp":-1})",
           R"({"exp":0123})",
           R"({"exp":1234567890123456})",
           // Wrong types and broken text: the byte walk's detail says which.
           R"({"exp":"1"})",
           R"({"iss":1})",
           R"({"aud":[1]})",
           R"({"cnf":[]})",
           R"({"a":1,})",
           R"({"a" 1})",
           R"({"a":tru})",
           R"([1])",
           R"({"a":1}x)",
           "{\"a\":\"\x01\"}",
           "{\"a\":\"\xff\"}",
       }) {
    EXPECT_FALSE(Takes(json)) << json;
    ExpectAgree(json);
  }
}

TEST(CompactClaimsTest, AgreesWhereStringsAndTextsCrossItsSixtyFourByteWords) {
  // Strings that start and end on either side of each 64-byte boundary, and texts whose
  // length is just under, at and over a multiple of 64 (the last partial word).
  for (size_t pad = 0; pad < 140; ++pad) {
    const std::string filler(pad, 'x');
    ExpectAgree(R"({"a":")" + filler + R"(","b":"y"})");
    ExpectAgree(R"({")" + filler + R"(":1,"exp":4102444800})");
    ExpectAgree(R"({"s":")" + filler + R"("})");
    ExpectAgree(R"({"s":")" + filler + R"(})");  // the string never closes
    EXPECT_TRUE(Takes(R"({"a":")" + filler + R"(","b":"y"})")) << pad;
  }
}

TEST(CompactClaimsTest, AgreesOnDepthAtAndBeyondTheLimit) {
  for (const size_t depth : {62, 63, 64, 65}) {
    const std::string json = R"({"a":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    ExpectAgree(json);
  }
}

TEST(CompactClaimsTest, AgreesOnRepeatedNames) {
  ExpectAgree(R"({"exp":1,"exp":2})");
  ExpectAgree(R"({"a":1,"b":2,"a":3})");
  ExpectAgree(R"({"a":{"x":1,"x":2}})");  // a nested object may repeat names
}

// RandomPayload builds a payload of typed and untyped members whose values are sometimes of
// the wrong type, with spaces here and there; `rng` decides everything.
std::string RandomPayload(std::mt19937& rng) {
  static const std::vector<std::string> names = {"iss",
                                                 "sub",
                                                 "aud",
                                                 "exp",
                                                 "nbf",
                                                 "iat",
                                                 "jti",
                                                 "scope",
                                                 "scp",
                                                 "cnf",
                                                 "azp",
                                                 "client_id",
                                                 "auth_time",
                                                 "roles",
                                                 "groups",
                                                 "email",
                                                 "n",
                                                 "x",
                                                 "extension_department",
                                                 "tenant"};
  static const std::vector<std::string> values = {R"("https://issuer.example")",
                                                  R"("a b  c")",
                                                  R"("")",
                                                  "4102444800",
                                                  "0",
                                                  "1767225105",
                                                  "-1",
                                                  "1.5",
                                                  "12345678901234567890",
                                                  "true",
                                                  "false",
                                                  "null",
                                                  R"(["a","b"])",
                                                  "[]",
                                                  R"([1,"a"])",
                                                  R"({"jkt":"k"})",
                                                  "{}",
                                                  R"({"a":[{"b":null}]})",
                                                  R"("Zoë")"};
  auto pick = [&rng](const std::vector<std::string>& from) -> const std::string& {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  auto space = [&rng] {
    return std::string(std::uniform_int_distribution<int>(0, 7)(rng) == 0 ? " " : "");
  };
  std::string json = "{";
  const int members = std::uniform_int_distribution<int>(0, 14)(rng);
  for (int i = 0; i < members; ++i) {
    if (i > 0) {
      json += space() + "," + space();
    }
    json += "\"" + pick(names) + "\"" + space() + ":" + space() + pick(values);
  }
  return json + space() + "}";
}

TEST(CompactClaimsTest, AgreesOnGeneratedPayloadsAndTheirOneByteMutations) {
  std::mt19937 rng(20261208);
  const std::string alphabet = "{}[]:,\" \\0123456789.-eEtrufalsn\t\x01\xc3\xa9\xff";
  size_t taken = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string json = RandomPayload(rng);
    taken += Takes(json);
    ExpectAgree(json);
    if (json.empty()) {
      continue;
    }
    const size_t at = std::uniform_int_distribution<size_t>(0, json.size() - 1)(rng);
    const char c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
    switch (i % 3) {
      case 0:
        json[at] = c;
        break;
      case 1:
        json.insert(json.begin() + static_cast<std::ptrdiff_t>(at), c);
        break;
      default:
        json.erase(at, 1);
        break;
    }
    ExpectAgree(json);
  }
  // Most generated payloads are of the fast path's shape; were none taken, the agreement
  // above would say nothing about it.
  EXPECT_GT(taken, 200u);
}

}  // namespace
}  // namespace tokenwarden
