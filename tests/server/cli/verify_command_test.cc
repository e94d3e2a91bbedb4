#include "server/cli/verify_command.h"

#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/str_cat.h"
#include "core/policy.h"
#include "tests/core/test_tokens.h"
#include "tests/server/cli/temp_file.h"

namespace tokenwarden::server::cli {
namespace {

using base::StrCat;
using testing::B64;
using testing::EcKey;
using testing::kNow;
using testing::Mint;
using testing::MintAlg;
using testing::TestKey;
using testing::WriteTemp;

const std::string& Es256Pem() {
  static const std::string* const path =
      new std::string(WriteTemp(EcKey(Algorithm::kEs256).Pem(), ".pem"));
  return *path;
}

std::string ValidClaims() {
  return StrCat(R"({"sub":"user-1","iss":"https://issuer.example","exp":)", kNow + 3600, "}");
}

struct Result {
  int code;
  std::string out;
  std::string err;
  int stdin_reads;
};

Result RunWith(std::vector<std::string> args, std::string stdin_text = "", int64_t clock = kNow) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::istringstream in(stdin_text);
  std::ostringstream out;
  std::ostringstream err;
  Io io{.in = in, .out = out, .err = err, .unix_now = [clock] { return clock; }};
  const int code = VerifyCommand(std::span<const std::string_view>(views), io);
  // The command reads its input to the end or not at all.
  return Result{code, out.str(), err.str(), in.eof() ? 1 : 0};
}

// Verify runs `verify --key <ES256 PEM> --now kNow <extra...> <token>`.
Result Verify(std::string_view token, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--key", Es256Pem(), "--now", StrCat(kNow)};
  args.insert(args.end(), extra.begin(), extra.end());
  args.emplace_back(token);
  return RunWith(std::move(args));
}

std::string Es256(std::string_view payload) {
  return MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload);
}

// JsonObject parses one JSON object (the command's stdout) and lists its keys.
class JsonObject {
 public:
  explicit JsonObject(std::string_view text) : text_(text) {
    ok_ = parser_.parse(text_).get(object_) == simdjson::SUCCESS;
  }
  bool ok() const { return ok_; }
  std::set<std::string> Keys() {
    std::set<std::string> keys;
    for (auto field : object_) {
      keys.insert(std::string(field.key));
    }
    return keys;
  }
  std::string String(std::string_view key) {
    std::string_view s;
    EXPECT_EQ(object_[key].get_string().get(s), simdjson::SUCCESS) << key;
    return std::string(s);
  }
  bool Bool(std::string_view key) {
    bool b = false;
    EXPECT_EQ(object_[key].get_bool().get(b), simdjson::SUCCESS) << key;
    return b;
  }
  simdjson::dom::element Get(std::string_view key) {
    simdjson::dom::element e;
    EXPECT_EQ(object_[key].get(e), simdjson::SUCCESS) << key;
    return e;
  }

 private:
  simdjson::padded_string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
  bool ok_ = false;
};

// --- Output shape and exit codes ----------------------------------------------------------------

TEST(VerifyCommandTest, PrintsValidHeaderAndClaimsForValidToken) {
  const std::string header = R"({"alg":"ES256","typ":"JWT","kid":"any"})";
  const std::string token =
      Mint(header, ValidClaims(), EcKey(Algorithm::kEs256), Algorithm::kEs256);
  const Result r = Verify(token);
  EXPECT_EQ(r.code, kExitValid);
  EXPECT_EQ(r.err, "");
  JsonObject json(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ(json.Keys(), (std::set<std::string>{"valid", "header", "claims"}));
  EXPECT_TRUE(json.Bool("valid"));
  EXPECT_EQ(simdjson::to_string(json.Get("header")), header);
  EXPECT_EQ(simdjson::to_string(json.Get("claims")), ValidClaims());
  EXPECT_EQ(r.out.back(), '\n');
}

TEST(VerifyCommandTest, PrintsErrorAndMessageForInvalidToken) {
  const Result r = Verify(Es256(StrCat(R"({"sub":"u","exp":)", kNow - 10, "}")));
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_EQ(r.err, "");
  JsonObject json(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ(json.Keys(), (std::set<std::string>{"valid", "error", "message"}));
  EXPECT_FALSE(json.Bool("valid"));
  EXPECT_EQ(json.String("error"), "expired");
  EXPECT_FALSE(json.String("message").empty());
}

TEST(VerifyCommandTest, ReportsEachErrorCode) {
  const struct {
    std::string token;
    std::vector<std::string> extra;
    std::string_view code;
  } kCases[] = {
      {"garbage", {}, "malformed"},
      {Es256(ValidClaims()), {"--issuer", "https://other.example"}, "invalid_issuer"},
      {Es256(ValidClaims()), {"--audience", "api"}, "invalid_audience"},
      {Es256(ValidClaims()), {"--require-claim", "jti"}, "missing_claim"},
      {Es256(ValidClaims()), {"--scope", "read"}, "insufficient_scope"},
      {Es256(ValidClaims()), {"--type", "at+jwt"}, "invalid_type"},
      {Es256(ValidClaims()), {"--algorithms", "RS256"}, "algorithm_not_allowed"},
      {Es256(R"({"sub":"u"})"), {}, "missing_claim"},
      {MintAlg(Algorithm::kEs256, testing::EcKeyB(), ValidClaims()), {}, "invalid_signature"},
  };
  for (const auto& c : kCases) {
    const Result r = Verify(c.token, c.extra);
    EXPECT_EQ(r.code, kExitInvalid) << c.code;
    JsonObject json(r.out);
    ASSERT_TRUE(json.ok()) << r.out;
    EXPECT_EQ(json.String("error"), c.code) << r.out;
  }
}

TEST(VerifyCommandTest, EscapesMessageAsJson) {
  // The issuer goes into the message; quotes, backslashes and control characters must stay
  // valid JSON, and the message itself shows control characters as escapes, never raw (it is
  // also printed by --explain on a terminal).
  const std::string claims =
      StrCat(R"({"iss":"evil\"quote\\back\nline\u0001ctl","exp":)", kNow + 60, "}");
  const Result r = Verify(Es256(claims), {"--issuer", "https://issuer.example"});
  EXPECT_EQ(r.code, kExitInvalid);
  JsonObject json(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ(json.String("error"), "invalid_issuer");
  const std::string message = json.String("message");
  EXPECT_NE(message.find(R"("evil\"quote\\back\u000aline\u0001ctl")"), std::string::npos)
      << message;
  for (const char c : message) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << message;
  }
}

// Regression, fixed (core/rejection.cc, Quote via DescribeRejection): long claim values are
// shortened to their first 64 bytes, which can split a multi-byte UTF-8 character. The message, and
// so the command's stdout, is then not valid UTF-8 and not valid JSON (RFC 8259 §8.1). Here iss is
// 30 x "€" (3 bytes each): byte 64 falls inside the 22nd character.
TEST(VerifyCommandTest, KeepsMessageValidUtf8WhenShorteningClaims) {
  std::string iss;
  for (int i = 0; i < 30; ++i) {
    iss += "\xe2\x82\xac";
  }
  const Result r = Verify(Es256(StrCat(R"({"iss":")", iss, R"(","exp":)", kNow + 60, "}")),
                          {"--issuer", "https://issuer.example"});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_TRUE(simdjson::validate_utf8(r.out.data(), r.out.size())) << r.out;
  JsonObject json(r.out);
  ASSERT_TRUE(json.ok()) << "stdout is not valid JSON: " << r.out;
  EXPECT_EQ(json.String("error"), "invalid_issuer");
}

TEST(VerifyCommandTest, ReturnsClaimsVerbatimIncludingLargeIntegers) {
  const std::string claims = StrCat(
      R"({"sub":"u","exp":)", kNow + 60,
      R"(,"beyond_double":9007199254740993,"beyond_int64":12345678901234567890,)",
      R"("int64_min":-9223372036854775808,"s":"\u00e9 \ud83d\ude00","f":3.141592653589793})");
  const Result r = Verify(Es256(claims));
  ASSERT_EQ(r.code, kExitValid) << r.out;
  for (std::string_view literal : {"9007199254740993", "12345678901234567890",
                                   "-9223372036854775808", R"(\u00e9 \ud83d\ude00)"}) {
    EXPECT_NE(r.out.find(literal), std::string::npos) << literal << " in " << r.out;
  }
}

struct UsageCase {
  std::string name;
  std::vector<std::string> args;
};

class VerifyCommandUsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(VerifyCommandUsageTest, ExitsTwoWithMessageOnStderrOnly) {
  std::vector<std::string> args = GetParam().args;
  args.emplace_back(Es256(ValidClaims()));
  const Result r = RunWith(args);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "") << "nothing on stdout";
  EXPECT_EQ(r.err.rfind("tokenwarden verify: ", 0), 0u) << r.err;
  EXPECT_EQ(r.err.back(), '\n');
}

std::vector<UsageCase> UsageCases() {
  const std::string missing = StrCat(::testing::TempDir(), "tw_does_not_exist.pem");
  const std::string garbage = WriteTemp("this is neither PEM nor JSON\n", ".txt");
  const std::string empty = WriteTemp("", ".empty");
  const std::string no_keys = WriteTemp(R"({"keys": []})", ".json");
  const std::string enc_only =
      WriteTemp(testing::JwksOf({testing::RsaKey().Jwk("e", "\"use\":\"enc\"")}), ".json");
  const std::string jwks = WriteTemp(testing::JwksOf({EcKey(Algorithm::kEs256).Jwk("k")}), ".json");
  const std::string now = StrCat(kNow);
  return {
      {"UnknownOption", {"--key", Es256Pem(), "--frobnicate"}},
      {"BothJwksAndKey", {"--key", Es256Pem(), "--jwks", jwks}},
      {"NeitherJwksNorKey", {"--now", now}},
      {"NegativeLeeway", {"--key", Es256Pem(), "--leeway", "-5"}},
      {"AlgorithmsNone", {"--key", Es256Pem(), "--algorithms", "none"}},
      {"KeyFileMissing", {"--key", missing}},
      {"JwksFileMissing", {"--jwks", missing}},
      {"KeyPathIsDirectory", {"--key", ::testing::TempDir()}},
      {"KeyFileGarbage", {"--key", garbage}},
      {"KeyFileEmpty", {"--key", empty}},
      {"JwksFileEmpty", {"--jwks", empty}},
      {"JwksWithoutKeys", {"--jwks", no_keys}},
      {"JwksWithoutUsableKey", {"--jwks", enc_only}},
      {"JwksGivenAsKey", {"--key", jwks}},
      {"EmptyIssuer", {"--key", Es256Pem(), "--issuer", ""}},
      {"EmptyAudience", {"--key", Es256Pem(), "--audience="}},
      {"JwksUrl", {"--jwks", "https://idp.example/.well-known/jwks.json"}},
  };
}

INSTANTIATE_TEST_SUITE_P(Errors, VerifyCommandUsageTest, ::testing::ValuesIn(UsageCases()),
                         [](const ::testing::TestParamInfo<UsageCase>& p) { return p.param.name; });

// "cannot read FILE" says why, in the system's words, for --key and --jwks alike.
TEST(VerifyCommandTest, UnreadableKeyFileSaysWhy) {
  const std::string missing = StrCat(::testing::TempDir(), "tw_does_not_exist.pem");
  for (const char* option : {"--key", "--jwks"}) {
    const Result r = RunWith({option, missing, Es256(ValidClaims())});
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_EQ(r.err, StrCat("tokenwarden verify: cannot read \"", missing,
                            "\": No such file or directory\n"));
    const Result dir = RunWith({option, ::testing::TempDir(), Es256(ValidClaims())});
    EXPECT_NE(dir.err.find(": is a directory"), std::string::npos) << dir.err;
  }
}

// A TOKEN that names a readable file was meant as the token's file: say so, with the way to
// pass it, instead of "malformed".
TEST(VerifyCommandTest, TokenThatIsAFilePathGetsAHint) {
  const std::string path = WriteTemp(Es256(ValidClaims()), ".jwt");
  const Result r = Verify(path);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, StrCat("tokenwarden verify: TOKEN \"", path,
                          "\" is a file path; pass the token itself, or - to read it from stdin: "
                          "tokenwarden verify ... - < \"",
                          path, "\"\n"));
  // The hint's way works.
  ASSERT_TRUE(testing::ReadFile(path).has_value());
  const Result piped =
      RunWith({"--key", Es256Pem(), "--now", StrCat(kNow), "-"}, *testing::ReadFile(path));
  EXPECT_EQ(piped.code, kExitValid) << piped.out << piped.err;
  // A path that is not a file is only a malformed token.
  EXPECT_EQ(Verify(StrCat(path, ".absent")).code, kExitInvalid);
}

// A token pasted with its Authorization scheme is malformed, and the message says why; it is
// never stripped and accepted.
TEST(VerifyCommandTest, BearerPrefixIsMalformedWithAHint) {
  for (const std::string& token :
       {StrCat("Bearer ", Es256(ValidClaims())), StrCat("bearer ", Es256(ValidClaims()))}) {
    for (const bool stdin_token : {false, true}) {
      const Result r = stdin_token
                           ? RunWith({"--key", Es256Pem(), "--now", StrCat(kNow)}, token + "\n")
                           : Verify(token);
      EXPECT_EQ(r.code, kExitInvalid);
      JsonObject json(r.out);
      ASSERT_TRUE(json.ok()) << r.out;
      EXPECT_EQ(json.String("error"), "malformed");
      EXPECT_EQ(json.String("message"),
                "the token is not a well-formed compact JWS carrying a JWT: it starts with "
                "\"Bearer \", the HTTP authorization scheme: pass the token alone");
    }
  }
}

TEST(VerifyCommandTest, EncryptedTokenSaysJweIsNotSupported) {
  const Result r = Verify("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn");
  EXPECT_EQ(r.code, kExitInvalid);
  JsonObject json(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ(json.String("error"), "malformed");
  EXPECT_NE(json.String("message").find("encrypted token (JWE), which is not supported"),
            std::string::npos)
      << r.out;
}

// --key takes a certificate for its public key (RSA and EC, as a server's cert.pem holds).
TEST(VerifyCommandTest, KeyMayBeACertificate) {
  const struct {
    const TestKey* key;
    Algorithm alg;
  } kCases[] = {{&testing::RsaKey(), Algorithm::kRs256},
                {&EcKey(Algorithm::kEs256), Algorithm::kEs256}};
  for (const auto& c : kCases) {
    const std::string cert = WriteTemp(c.key->CertificatePem(), ".crt");
    const std::string token = MintAlg(c.alg, *c.key, ValidClaims());
    const Result ok = RunWith({"--key", cert, "--now", StrCat(kNow), token});
    EXPECT_EQ(ok.code, kExitValid) << ok.out << ok.err;
    // And only that key: another key's token does not verify.
    const Result other = RunWith({"--key", cert, "--now", StrCat(kNow),
                                  MintAlg(Algorithm::kEs256, testing::EcKeyB(), ValidClaims())});
    EXPECT_EQ(other.code, kExitInvalid) << other.out << other.err;
  }
}

TEST(VerifyCommandTest, UsageErrorBeatsInvalidToken) {
  const Result r = RunWith({"--key", Es256Pem(), "--frobnicate", "not-a-token"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "");
}

TEST(VerifyCommandTest, HelpPrintsUsageAndExitsZero) {
  const Result r = RunWith({"--help"});
  EXPECT_EQ(r.code, kExitValid);
  EXPECT_NE(r.out.find("usage: tokenwarden verify"), std::string::npos) << r.out;
}

// "-h" is not a help flag: in TOKEN position it is a (malformed) token, because an exit 0 for an
// untrusted argument would read as "valid".
TEST(VerifyCommandTest, ShortHIsATokenNotHelp) {
  const Result r = RunWith({"-h"});
  EXPECT_NE(r.code, kExitValid);
  EXPECT_EQ(r.out.find("usage: tokenwarden verify"), std::string::npos) << r.out;
}

// Regression, fixed (server/cli/verify_command.cc, VerifyCommand): "--help" / "-h" is looked for in
// every argument before parsing, so it wins even where ParseVerifyOptions takes the argument as a
// value or as the TOKEN. `verify --key k.pem -- --help` (everything after "--" is the TOKEN) and
// `verify
// --key k.pem --nonce -h TOKEN` print the usage and exit 0, the exit code the contract reserves for
// a valid token: a caller that passes an untrusted token as an argument and trusts exit 0 accepts
// the token "-h".
TEST(VerifyCommandTest, TreatsHelpAfterDoubleDashAsToken) {
  const Result r = RunWith({"--key", Es256Pem(), "--now", StrCat(kNow), "--", "--help"});
  EXPECT_EQ(r.code, kExitInvalid) << r.out;
  EXPECT_NE(r.out.find("\"malformed\""), std::string::npos) << r.out;
}

TEST(VerifyCommandTest, TreatsHelpAsOptionValue) {
  // Regression, fixed (same as above): the nonce "-h" is a value, the token has no nonce claim.
  const Result r =
      RunWith({"--key", Es256Pem(), "--now", StrCat(kNow), "--nonce", "-h", Es256(ValidClaims())});
  EXPECT_EQ(r.code, kExitInvalid) << r.out;
  EXPECT_NE(r.out.find("\"missing_claim\""), std::string::npos) << r.out;
}

// --- Token input -----------------------------------------------------------------------------

TEST(VerifyCommandTest, ReadsTokenFromStdinStrippingSurroundingWhitespace) {
  const std::string token = Es256(ValidClaims());
  for (std::string_view wrap : {"%", "%\n", "  \n%  \n\n", "\r\n\t%\t\r\n"}) {
    std::string input(wrap);
    input.replace(input.find('%'), 1, token);
    for (bool dash : {false, true}) {
      std::vector<std::string> args = {"--key", Es256Pem(), "--now", StrCat(kNow)};
      if (dash) {
        args.emplace_back("-");
      }
      const Result r = RunWith(args, input);
      EXPECT_EQ(r.code, kExitValid) << r.out << r.err;
      EXPECT_EQ(r.stdin_reads, 1);
    }
  }
}

TEST(VerifyCommandTest, DoesNotReadStdinForPositionalToken) {
  const Result r = Verify(Es256(ValidClaims()));
  EXPECT_EQ(r.code, kExitValid);
  EXPECT_EQ(r.stdin_reads, 0);
}

TEST(VerifyCommandTest, DoesNotStripPositionalToken) {
  const Result r = Verify(Es256(ValidClaims()) + "\n");
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("\"malformed\""), std::string::npos) << r.out;
}

TEST(VerifyCommandTest, RejectsEmptyStdinAsMalformed) {
  const Result r = RunWith({"--key", Es256Pem(), "--now", StrCat(kNow)}, " \n");
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("\"malformed\""), std::string::npos) << r.out;
}

TEST(VerifyCommandTest, RejectsStdinTokenWithInnerWhitespace) {
  std::string token = Es256(ValidClaims());
  token.insert(token.find('.') + 10, "\n");
  const Result r = RunWith({"--key", Es256Pem(), "--now", StrCat(kNow)}, token + "\n");
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("\"malformed\""), std::string::npos) << r.out;
}

TEST(VerifyCommandTest, AppliesSizeLimitAfterStrippingStdin) {
  // An ES256 token of exactly 16384 bytes, followed by a newline.
  const TestKey& key = EcKey(Algorithm::kEs256);
  const std::string hseg = B64(R"({"alg":"ES256"})");
  std::string token;
  for (size_t n = 12000; n < 12400 && token.size() != kDefaultMaxTokenBytes; ++n) {
    const std::string pseg =
        B64(StrCat(R"({"exp":)", kNow + 60, R"(,"pad":")", std::string(n, 'a'), "\"}"));
    token = testing::SignSegments(hseg, pseg, key, Algorithm::kEs256);
  }
  ASSERT_EQ(token.size(), kDefaultMaxTokenBytes);
  const std::vector<std::string> args = {"--key", Es256Pem(), "--now", StrCat(kNow), "-"};
  EXPECT_EQ(RunWith(args, token + "\n").code, kExitValid);
  const Result big = RunWith(args, "x" + token + "\n");
  EXPECT_EQ(big.code, kExitInvalid);
  EXPECT_NE(big.out.find("\"token_too_large\""), std::string::npos) << big.out;
}

TEST(VerifyCommandTest, UsesClockWhenNowIsAbsent) {
  const std::string token = Es256(ValidClaims());  // exp = kNow + 3600
  const std::vector<std::string> args = {"--key", Es256Pem(), token};
  EXPECT_EQ(RunWith(args, "", kNow).code, kExitValid);
  EXPECT_EQ(RunWith(args, "", kNow + 3600).code, kExitInvalid);
  // --now wins over the clock.
  EXPECT_EQ(RunWith({"--key", Es256Pem(), "--now", StrCat(kNow), token}, "", kNow + 9999).code,
            kExitValid);
}

TEST(VerifyCommandTest, LoadsJwksAndSingleJwk) {
  const std::string token =
      MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), ValidClaims(), "k1");
  const std::string jwks =
      WriteTemp(testing::JwksOf({EcKey(Algorithm::kEs256).Jwk("k1")}), ".json");
  const std::string jwk = WriteTemp(EcKey(Algorithm::kEs256).Jwk("other"), ".json");
  EXPECT_EQ(RunWith({"--jwks", jwks, "--now", StrCat(kNow), token}).code, kExitValid);
  EXPECT_EQ(RunWith({"--key", jwk, "--now", StrCat(kNow), token}).code, kExitValid);
}

// --- --explain ---------------------------------------------------------------------------------

TEST(VerifyCommandTest, ExplainsValidToken) {
  const std::string claims =
      StrCat(R"({"sub":"explain-subject-42","iss":"https://issuer.example",)", R"("exp":)",
             kNow + 7200, R"(,"iat":)", kNow - 60, "}");
  const std::string token = Es256(claims);
  const Result r = Verify(token, {"--explain", "--issuer", "https://issuer.example"});
  EXPECT_EQ(r.code, kExitValid);
  EXPECT_NE(r.out.find("VALID"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("explain-subject-42"), std::string::npos) << "claims are decoded";
  EXPECT_NE(r.out.find("ES256"), std::string::npos) << "the header is decoded";
  EXPECT_NE(r.out.find("UTC"), std::string::npos);
  EXPECT_NE(r.out.find("2023-11-15"), std::string::npos) << "exp as a date: " << r.out;
  EXPECT_NE(r.out.find("signature"), std::string::npos);
  EXPECT_NE(r.out.find("iss"), std::string::npos);
  EXPECT_EQ(r.out.find(token), std::string::npos) << "the token is never printed";
  EXPECT_EQ(r.out.find("INVALID"), std::string::npos);
}

TEST(VerifyCommandTest, ExplainsExpiredTokenWithRelativeTime) {
  const std::string token = Es256(StrCat(R"({"sub":"user-1","exp":)", kNow - 3 * 3600, "}"));
  const Result r = Verify(token, {"--explain"});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("expired"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ago"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 h ago"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("UTC"), std::string::npos) << r.out;
  EXPECT_EQ((r.out + r.err).find(token), std::string::npos);
}

// Regression, fixed (core/rejection.cc, FormatUnixTime, reached through --explain and the JSON
// message): exp 9999999999, a common "never expires" value, is 2286-11-20T17:46:39Z, but
// FormatUnixTime overflows int64 nanoseconds past 2262 and prints 1677-09-21T00:12:43.145224192Z.
TEST(VerifyCommandTest, ExplainShowsFarFutureExpAsItsDate) {
  const std::string token = Es256(R"({"sub":"user-1","exp":9999999999})");
  const Result r = Verify(token, {"--explain"});
  EXPECT_EQ(r.code, kExitValid);
  EXPECT_NE(r.out.find("2286-11-20T17:46:39Z"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1677-"), std::string::npos) << r.out;
}

TEST(VerifyCommandTest, MessageShowsFarFutureNbfAsItsDate) {
  // Regression, fixed (same as above), in the JSON message of a not_yet_valid token.
  const Result r = Verify(Es256(R"({"sub":"user-1","exp":99999999999,"nbf":9999999999})"));
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.out.find("not_yet_valid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2286-11-20T17:46:39Z"), std::string::npos) << r.out;
}

TEST(VerifyCommandTest, ExplainListsTheChecks) {
  const Result r = Verify(Es256(ValidClaims()),
                          {"--explain", "--issuer", "https://issuer.example", "--audience", "api"});
  EXPECT_EQ(r.code, kExitInvalid);
  for (std::string_view check : {"size", "structure", "header", "algorithm", "key", "signature",
                                 "claims", "exp", "iss", "aud", "invalid_audience"}) {
    EXPECT_NE(r.out.find(check), std::string::npos) << check << " in:\n" << r.out;
  }
}

TEST(VerifyCommandTest, ExplainNamesTheErrorCode) {
  const struct {
    std::string token;
    std::vector<std::string> extra;
    std::string_view code;
  } kCases[] = {
      {MintAlg(Algorithm::kEs256, testing::EcKeyB(), ValidClaims()), {}, "invalid_signature"},
      {Es256(ValidClaims()), {"--issuer", "https://other.example"}, "invalid_issuer"},
      {Es256(R"({"sub":"user-1"})"), {}, "missing_claim"},
      {Es256(StrCat(R"({"exp":)", kNow + 60, R"(,"nbf":)", kNow + 600, "}")), {}, "not_yet_valid"},
      {Mint(R"({"alg":"ES256"})", "[1,2,3]", EcKey(Algorithm::kEs256), Algorithm::kEs256),
       {},
       "malformed"},
      {std::string(20000, 'A'), {}, "token_too_large"},
  };
  for (const auto& c : kCases) {
    std::vector<std::string> extra = c.extra;
    extra.emplace_back("--explain");
    const Result r = Verify(c.token, extra);
    EXPECT_EQ(r.code, kExitInvalid) << c.code;
    EXPECT_NE(r.out.find(c.code), std::string::npos) << c.code << " in:\n" << r.out;
    EXPECT_EQ((r.out + r.err).find(c.token), std::string::npos) << c.code;
  }
}

TEST(VerifyCommandTest, ExplainUsageErrorStillExitsTwo) {
  const Result r = RunWith(
      {"--explain", "--key", StrCat(::testing::TempDir(), "tw_missing.pem"), Es256(ValidClaims())});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "");
}

// --- Secrets and tokens never leak -------------------------------------------------------------

class VerifyCommandLeakTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VerifyCommandLeakTest, NeverPrintsTokenOrSecret) {
  const std::string secret = "s3cret-hmac-key-for-tokenwarden-tests!!";
  const std::string key_file = WriteTemp(TestKey::Hmac(secret).Jwk("printable"), ".json");
  std::string claims = ValidClaims();
  std::vector<std::string> extra;
  const std::string& scenario = GetParam();
  std::string token;
  if (scenario == "Expired") {
    claims = StrCat(R"({"sub":"u","exp":)", kNow - 5, "}");
  } else if (scenario == "WrongIssuer") {
    extra = {"--issuer", "https://other.example"};
  } else if (scenario == "MissingClaim") {
    extra = {"--require-claim", "jti"};
  } else if (scenario == "TooLarge") {
    claims = StrCat(R"({"exp":)", kNow + 60, R"(,"pad":")", std::string(17000, 'A'), "\"}");
  } else if (scenario == "BadPayloadJson") {
    claims = R"({"sub": "user-1", "exp": )";
  }
  token = Mint(R"({"alg":"HS256","kid":"printable"})", claims, TestKey::Hmac(secret),
               Algorithm::kHs256);
  if (scenario == "BadSignature") {
    token = Mint(R"({"alg":"HS256"})", claims, TestKey::Hmac("another-secret-another-secret-0123"),
                 Algorithm::kHs256);
  }
  for (bool explain : {false, true}) {
    std::vector<std::string> args = {"--key", key_file, "--now", StrCat(kNow)};
    args.insert(args.end(), extra.begin(), extra.end());
    if (explain) {
      args.emplace_back("--explain");
    }
    args.push_back(token);
    const Result r = RunWith(args);
    EXPECT_EQ(r.code, kExitInvalid) << r.out;
    const std::string all = r.out + r.err;
    EXPECT_EQ(all.find(token), std::string::npos) << "the whole token was echoed";
    for (const std::string& s : testing::Segments(token)) {
      if (s.size() > 40) {
        EXPECT_EQ(all.find(s), std::string::npos) << "a token segment was echoed";
      }
    }
    EXPECT_EQ(all.find(secret), std::string::npos) << all;
    EXPECT_EQ(all.find(B64(secret)), std::string::npos) << all;
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, VerifyCommandLeakTest,
                         ::testing::Values("Expired", "BadSignature", "WrongIssuer",
                                           "BadPayloadJson", "TooLarge", "MissingClaim"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace tokenwarden::server::cli
