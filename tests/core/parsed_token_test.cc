#include "core/parsed_token.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/claims_description.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::Assemble;
using testing::B64;
using testing::DescribeToken;

constexpr size_t kMax = 16384;
constexpr std::string_view kHeader = R"({"alg":"ES256","kid":"a"})";
constexpr std::string_view kPayload = R"({"iss":"https://a.example","sub":"user-1"})";

std::string Token(std::string_view header_json = kHeader,
                  std::string_view payload_json = kPayload) {
  return Assemble(header_json, payload_json, "signature");
}

// ParseCounting parses `token` and returns how many payloads that read.
uint64_t ParseCounting(ParsedToken& parsed, std::string_view token, size_t max_bytes = kMax) {
  const uint64_t before = parsed.payload_reads();
  parsed.Parse(token, max_bytes);
  return parsed.payload_reads() - before;
}

TEST(ParsedTokenTest, WellFormedTokenIsFullyParsed) {
  ParsedToken parsed;
  const std::string token = Token();
  EXPECT_EQ(ParseCounting(parsed, token), 1u);
  EXPECT_EQ(parsed.early_error(), Error::kOk);
  EXPECT_TRUE(parsed.early_stage().empty());
  EXPECT_TRUE(parsed.header_parsed());
  EXPECT_TRUE(parsed.claims_parsed());
  EXPECT_EQ(parsed.claims_error(), Error::kOk);
  EXPECT_EQ(parsed.token(), token);
  EXPECT_EQ(parsed.header_json(), kHeader);
  EXPECT_EQ(parsed.payload_json(), kPayload);
  EXPECT_EQ(parsed.signing_input(), token.substr(0, token.rfind('.')));
  EXPECT_EQ(std::string(parsed.signature().begin(), parsed.signature().end()), "signature");
  EXPECT_EQ(parsed.header().alg, Algorithm::kEs256);
  EXPECT_EQ(parsed.header().kid, "a");
  EXPECT_EQ(parsed.claims().iss, "https://a.example");
  EXPECT_EQ(parsed.claims().sub, "user-1");
}

TEST(ParsedTokenTest, SizeLimitIsTheFirstStage) {
  ParsedToken parsed;
  const std::string token = Token();
  parsed.Parse(token, kMax);  // a previous parse leaves nothing behind
  ASSERT_TRUE(parsed.claims_parsed());
  EXPECT_EQ(ParseCounting(parsed, token, token.size() - 1), 0u);
  EXPECT_EQ(parsed.early_error(), Error::kTokenTooLarge);
  EXPECT_EQ(parsed.early_stage(), "size");
  EXPECT_FALSE(parsed.early_detail().empty());
  EXPECT_FALSE(parsed.claims_parsed());
  EXPECT_FALSE(parsed.claims().iss.has_value());
  // Exactly at the limit is within it.
  EXPECT_EQ(ParseCounting(parsed, token, token.size()), 1u);
  EXPECT_EQ(parsed.early_error(), Error::kOk);
}

TEST(ParsedTokenTest, StructureFailuresStopBeforeThePayload) {
  const std::string good = Token();
  const std::vector<std::string> segs = testing::Segments(good);
  ASSERT_EQ(segs.size(), 3u);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"two segments", StrCat(segs[0], ".", segs[1])},
      {"four segments", StrCat(good, ".", segs[2])},
      {"one segment", segs[1]},
      {"empty", ""},
      {"bad char in header", StrCat(segs[0], "*.", segs[1], ".", segs[2])},
      {"bad char in payload", StrCat(segs[0], ".", segs[1], "+.", segs[2])},
      {"bad char in signature", StrCat(segs[0], ".", segs[1], ".", segs[2], "/")},
      {"padded payload", StrCat(segs[0], ".", B64("{}"), "=.", segs[2])},
      {"padded signature", StrCat(segs[0], ".", segs[1], ".", B64("ab"), "=")},
      {"non-canonical trailing bits", StrCat(segs[0], ".", segs[1], ".YR")},
      {"impossible length", StrCat(segs[0], ".AAAAA.", segs[2])},
      {"whitespace", StrCat(segs[0], ". ", segs[1], ".", segs[2])},
  };
  ParsedToken parsed;
  for (const auto& [name, token] : cases) {
    SCOPED_TRACE(name);
    parsed.Parse(good, kMax);  // a previous parse leaves nothing behind
    ASSERT_TRUE(parsed.claims_parsed());
    EXPECT_EQ(ParseCounting(parsed, token), 0u);
    EXPECT_EQ(parsed.early_error(), Error::kMalformed);
    EXPECT_EQ(parsed.early_stage(), "structure");
    EXPECT_FALSE(parsed.early_detail().empty());
    EXPECT_FALSE(parsed.header_parsed());
    EXPECT_FALSE(parsed.claims_parsed());
    EXPECT_FALSE(parsed.claims().iss.has_value());
    EXPECT_FALSE(parsed.header().kid.has_value());
    EXPECT_TRUE(parsed.header_json().empty());
    EXPECT_TRUE(parsed.payload_json().empty());
  }
}

// The structure failures people actually meet get a detail that says what to do: a compact
// JWE (five segments, RFC 7516 §7.1) is not supported, and a pasted Authorization value
// still carries its "Bearer " scheme. Both stay `malformed`, the stable code.
TEST(ParsedTokenTest, StructureDetailNamesJweAndBearerPrefix) {
  const std::string good = Token();
  const std::vector<std::string> segs = testing::Segments(good);
  const std::string jwe = StrCat(B64(R"({"alg":"RSA-OAEP-256","enc":"A256GCM"})"),
                                 ".ZW5jcnlwdGVkX2tleQ.aXY.Y2lwaGVydGV4dA.dGFn");
  const struct {
    std::string token;
    std::string_view needle;
  } kCases[] = {
      {jwe, "encrypted token (JWE), which is not supported"},
      {StrCat("Bearer ", good), "starts with \"Bearer \""},
      {StrCat("bearer ", good), "starts with \"Bearer \""},
      {StrCat("Bearer ", segs[0], ".", segs[1]), "starts with \"Bearer \""},
      {StrCat("Bearer ", jwe), "starts with \"Bearer \""},
      {StrCat(segs[0], ".", segs[1]), "exactly three segments"},
      {StrCat(good, ".", segs[2]), "exactly three segments"},  // four
      {StrCat(good, ".a.b.c"), "exactly three segments"},      // six
      {StrCat(segs[0], "*.", segs[1], ".", segs[2]), "base64url"},
  };
  ParsedToken parsed;
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.token);
    parsed.Parse(c.token, kMax);
    EXPECT_EQ(parsed.early_error(), Error::kMalformed);
    EXPECT_EQ(parsed.early_stage(), "structure");
    EXPECT_NE(parsed.early_detail().find(c.needle), std::string_view::npos)
        << parsed.early_detail();
  }
}

TEST(ParsedTokenTest, HeaderFailuresStillReadThePayload) {
  const std::vector<std::pair<std::string_view, Error>> cases = {
      {"{", Error::kMalformed},
      {"[]", Error::kMalformed},
      {R"({"typ":"JWT"})", Error::kMalformed},
      {R"({"alg":256})", Error::kMalformed},
      {R"({"alg":"ES256","alg":"ES256"})", Error::kMalformed},
      {R"({"alg":"none"})", Error::kUnsupportedAlgorithm},
      {R"({"alg":"es256"})", Error::kUnsupportedAlgorithm},
  };
  ParsedToken parsed;
  for (const auto& [header, error] : cases) {
    SCOPED_TRACE(header);
    EXPECT_EQ(ParseCounting(parsed, Token(header)), 1u);
    EXPECT_EQ(parsed.early_error(), error);
    EXPECT_EQ(parsed.early_stage(), "header");
    EXPECT_FALSE(parsed.early_detail().empty());
    EXPECT_FALSE(parsed.header_parsed());
    EXPECT_TRUE(parsed.claims_parsed());
    EXPECT_EQ(parsed.claims().iss, "https://a.example");
  }
}

TEST(ParsedTokenTest, MalformedPayloadIsAClaimsErrorNotAnEarlyOne) {
  const std::vector<std::string_view> payloads = {
      "",
      "nope",
      "[1]",
      R"({"exp":"soon"})",
      R"({"iss":["a"]})",
      R"({"aud":[1]})",
      R"({"cnf":"x"})",
      R"({"sub":"a","sub":"b"})",
      R"({"a":1} x)",
      R"({"a":01})",
      R"({"a":"\ud800"})",
      "{\"a\":\"\xff\"}",
  };
  ParsedToken parsed;
  for (std::string_view payload : payloads) {
    SCOPED_TRACE(payload);
    EXPECT_EQ(ParseCounting(parsed, Token(kHeader, payload)), 1u);
    EXPECT_EQ(parsed.early_error(), Error::kOk);
    EXPECT_TRUE(parsed.header_parsed());
    EXPECT_FALSE(parsed.claims_parsed());
    EXPECT_EQ(parsed.claims_error(), Error::kMalformed);
    EXPECT_FALSE(parsed.claims_detail().empty());
    EXPECT_EQ(parsed.payload_json(), payload);
  }
}

TEST(ParsedTokenTest, LimitsAboveTheDefaultAreHonoured) {
  // A server may raise max_token_bytes past the 16 KiB default; header and payload of such a
  // token still parse.
  const std::string kid(30000, 'k');
  const std::string pad(30000, 'p');
  const std::string token =
      Token(StrCat(R"({"alg":"ES256","kid":")", kid, "\"}"), StrCat(R"({"pad":")", pad, "\"}"));
  ASSERT_GT(token.size(), 80000u);
  ParsedToken parsed;
  EXPECT_EQ(ParseCounting(parsed, token, 1 << 20), 1u);
  EXPECT_EQ(parsed.early_error(), Error::kOk) << parsed.early_detail();
  EXPECT_EQ(parsed.header().kid, kid);
  ASSERT_TRUE(parsed.claims_parsed()) << parsed.claims_detail();
  EXPECT_EQ(parsed.claims().Find("pad"), StrCat("\"", pad, "\""));
}

TEST(ParsedTokenTest, IsCompactJwsIsExactlyTwoDots) {
  EXPECT_TRUE(IsCompactJws(Token()));
  EXPECT_TRUE(IsCompactJws("a.b.c"));
  EXPECT_TRUE(IsCompactJws(".."));  // the shape only; decoding decides the rest
  EXPECT_FALSE(IsCompactJws(""));
  EXPECT_FALSE(IsCompactJws("opaque-token"));
  EXPECT_FALSE(IsCompactJws("a.b"));
  EXPECT_FALSE(IsCompactJws("a.b.c.d"));
  EXPECT_FALSE(IsCompactJws("a.b.c.d.e"));  // a JWE is not a JWS
}

TEST(ParsedTokenTest, ReuseAcrossTokensLeavesNothingStale) {
  // A large token with every list filled, then smaller and failing ones, then large again.
  std::string many_aud;
  for (int i = 0; i < 200; ++i) {
    many_aud += StrCat(i == 0 ? "" : ",", "\"api-\\u00e9-", i, "\"");
  }
  const std::string big =
      Token(R"({"alg":"RS256","kid":"k\u00e9","typ":"JWT","crit":["x"]})",
            StrCat(R"({"iss":"https:\/\/big.example","sub":"s\u00e9","scope":"a b c","scp":["d"],)",
                   R"("cnf":{"jkt":"t"},"exp":1.5,"aud":[)", many_aud, "]}"));
  const std::string small = Token(R"({"alg":"ES256"})", R"({"sub":"x"})");
  const std::string bad_payload = Token(R"({"alg":"ES256"})", R"({"sub":1})");
  const std::string bad_structure = "a.b";

  ParsedToken fresh;
  fresh.Parse(big, kMax);
  ASSERT_TRUE(fresh.claims_parsed());
  ASSERT_EQ(fresh.claims().aud.size(), 200u);
  const std::vector<std::string> big_view = DescribeToken(fresh.header(), fresh.claims());
  fresh.Parse(small, kMax);
  const std::vector<std::string> small_view = DescribeToken(fresh.header(), fresh.claims());
  ParsedToken reference;
  reference.Parse(small, kMax);
  ASSERT_EQ(DescribeToken(reference.header(), reference.claims()), small_view);

  ParsedToken parsed;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    parsed.Parse(big, kMax);
    EXPECT_EQ(DescribeToken(parsed.header(), parsed.claims()), big_view);

    parsed.Parse(small, kMax);
    EXPECT_EQ(DescribeToken(parsed.header(), parsed.claims()), small_view);
    EXPECT_EQ(parsed.claims().members.size(), 1u);
    EXPECT_FALSE(parsed.claims().has_aud);
    EXPECT_TRUE(parsed.claims().scopes.empty());
    EXPECT_FALSE(parsed.header().has_crit);
    EXPECT_FALSE(parsed.header().kid.has_value());

    parsed.Parse(bad_payload, kMax);
    EXPECT_FALSE(parsed.claims_parsed());
    EXPECT_TRUE(parsed.claims().aud.empty());
    EXPECT_TRUE(parsed.claims().members.empty());

    parsed.Parse(big, kMax);
    parsed.Parse(bad_structure, kMax);
    EXPECT_EQ(DescribeToken(parsed.header(), parsed.claims()), DescribeToken(Header{}, Claims{}));
    EXPECT_FALSE(parsed.claims_parsed());
    EXPECT_FALSE(parsed.header_parsed());
    EXPECT_FALSE(parsed.claims().sub.has_value());
    EXPECT_TRUE(parsed.payload_json().empty());
    EXPECT_TRUE(parsed.header_json().empty());
    EXPECT_TRUE(parsed.signature().empty());
  }
}

// One issuer's tokens repeat a few header segments byte for byte, so a ParsedToken reuses the
// last clean header parse for an identical segment. Whatever came in between, every parse must
// read exactly as a fresh ParsedToken reads the same token.
TEST(ParsedTokenTest, RepeatedHeaderSegmentsReadAsAFreshParse) {
  const std::string h1 = R"({"alg":"RS256","kid":"k1","typ":"at+jwt"})";
  const std::string h2 = R"({"alg":"ES256","kid":"k2"})";
  const std::string none = R"({"alg":"none"})";
  const std::vector<std::string> tokens = {
      Token(h1, R"({"sub":"a"})"),
      Token(h1, R"({"sub":"b","iss":"https://x.example"})"),
      Token(h2, R"({"sub":"c"})"),
      Token(h1, R"({"sub":1})"),      // payload malformed, header fine
      Token(none, R"({"sub":"d"})"),  // header refused
      Token(h1, R"({"sub":"e"})"),
      StrCat(B64(h1), ".", B64(R"({"sub":"f"})"), ".sig=="),  // signature not base64url
      StrCat(B64(h1), ".", B64(R"({"sub":"g"})"), "."),
      Token(h1, R"({"sub":"h"})"),
      StrCat(B64(h1), "x.", B64(R"({"sub":"i"})"), ".c2ln"),  // a longer, broken segment
      Token(h1, R"({"sub":"j"})"),
  };
  ParsedToken reused;
  for (size_t i = 0; i < tokens.size(); ++i) {
    SCOPED_TRACE(i);
    ParsedToken fresh;
    fresh.Parse(tokens[i], kMax);
    reused.Parse(tokens[i], kMax);
    EXPECT_EQ(reused.early_error(), fresh.early_error());
    EXPECT_EQ(reused.early_stage(), fresh.early_stage());
    EXPECT_EQ(reused.early_detail(), fresh.early_detail());
    EXPECT_EQ(reused.header_parsed(), fresh.header_parsed());
    EXPECT_EQ(reused.header_json(), fresh.header_json());
    EXPECT_EQ(reused.claims_parsed(), fresh.claims_parsed());
    EXPECT_EQ(DescribeToken(reused.header(), reused.claims()),
              DescribeToken(fresh.header(), fresh.claims()));
  }
}

TEST(ParsedTokenTest, ReuseAcrossGrowingAndShrinkingSizes) {
  ParsedToken parsed;
  for (size_t pad : {0, 4000, 10, 12000, 1, 7000, 0}) {
    SCOPED_TRACE(pad);
    const std::string payload =
        StrCat(R"({"sub":"user-)", pad, R"(","pad":")", std::string(pad, 'p'), "\"}");
    const std::string token = Token(kHeader, payload);
    EXPECT_EQ(ParseCounting(parsed, token), 1u);
    ASSERT_TRUE(parsed.claims_parsed()) << parsed.claims_detail();
    EXPECT_EQ(parsed.payload_json(), payload);
    EXPECT_EQ(parsed.claims().sub, StrCat("user-", pad));
    EXPECT_EQ(parsed.claims().Find("pad"), StrCat("\"", std::string(pad, 'p'), "\""));
    EXPECT_EQ(parsed.claims().members.size(), 2u);
  }
}

}  // namespace
}  // namespace tokenwarden
