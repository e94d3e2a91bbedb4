#include "server/cli/verify_options.h"

#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

namespace tokenwarden::server::cli {
namespace {

using Args = std::vector<std::string_view>;

absl::StatusOr<VerifyOptions> Parse(const Args& args) {
  return ParseVerifyOptions(std::span<const std::string_view>(args));
}

VerifyOptions MustParse(const Args& args) {
  absl::StatusOr<VerifyOptions> o = Parse(args);
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *std::move(o) : VerifyOptions{};
}

TEST(VerifyOptionsTest, AppliesDefaults) {
  const VerifyOptions o = MustParse({"--key", "k.pem"});
  EXPECT_EQ(o.key_path, "k.pem");
  EXPECT_FALSE(o.jwks_path.has_value());
  EXPECT_FALSE(o.token.has_value());
  EXPECT_FALSE(o.now.has_value());
  EXPECT_FALSE(o.explain);
  EXPECT_TRUE(o.policy.algorithms.empty());
  EXPECT_FALSE(o.policy.issuer.has_value());
  EXPECT_TRUE(o.policy.audiences.empty());
  EXPECT_EQ(o.policy.leeway_seconds, 0);
  EXPECT_TRUE(o.policy.require_exp);
  EXPECT_FALSE(o.policy.type.has_value());
  EXPECT_FALSE(o.policy.nonce.has_value());
  EXPECT_FALSE(o.policy.access_token.has_value());
  EXPECT_FALSE(o.policy.max_age_seconds.has_value());
  EXPECT_FALSE(o.policy.id_token);
  EXPECT_EQ(o.policy.max_token_bytes, kDefaultMaxTokenBytes);
}

TEST(VerifyOptionsTest, ParsesEveryOption) {
  const VerifyOptions o = MustParse({"--jwks",
                                     "keys.json",
                                     "--issuer",
                                     "https://issuer.example",
                                     "--audience",
                                     "api",
                                     "--algorithms",
                                     "RS256,ES256",
                                     "--leeway",
                                     "30",
                                     "--now",
                                     "1700000000",
                                     "--type",
                                     "at+jwt",
                                     "--nonce",
                                     "n-1",
                                     "--access-token",
                                     "at-1",
                                     "--require-claim",
                                     "jti",
                                     "--scope",
                                     "read",
                                     "--max-age",
                                     "600",
                                     "--allow-missing-exp",
                                     "--explain",
                                     "TOKEN"});
  EXPECT_EQ(o.jwks_path, "keys.json");
  EXPECT_FALSE(o.key_path.has_value());
  EXPECT_EQ(o.policy.issuer, "https://issuer.example");
  EXPECT_EQ(o.policy.audiences, std::vector<std::string>{"api"});
  EXPECT_EQ(o.policy.algorithms.ToString(), "RS256,ES256");
  EXPECT_EQ(o.policy.leeway_seconds, 30);
  EXPECT_EQ(o.now, 1700000000);
  EXPECT_EQ(o.policy.type, "at+jwt");
  EXPECT_EQ(o.policy.nonce, "n-1");
  EXPECT_EQ(o.policy.access_token, "at-1");
  EXPECT_EQ(o.policy.required_claims, std::vector<std::string>{"jti"});
  EXPECT_EQ(o.policy.required_scopes, std::vector<std::string>{"read"});
  EXPECT_EQ(o.policy.max_age_seconds, 600);
  EXPECT_FALSE(o.policy.require_exp);
  EXPECT_TRUE(o.explain);
  EXPECT_EQ(o.token, "TOKEN");
  EXPECT_TRUE(o.policy.id_token);
}

TEST(VerifyOptionsTest, ParsesEqualsForm) {
  const VerifyOptions o = MustParse({"--key=k.pem", "--issuer=https://a.example/?x=1",
                                     "--audience=api", "--algorithms=EdDSA", "--leeway=5",
                                     "--now=42", "--type=JWT", "--nonce=", "--access-token=t",
                                     "--require-claim=sub", "--scope=s", "--max-age=0"});
  EXPECT_EQ(o.key_path, "k.pem");
  EXPECT_EQ(o.policy.issuer, "https://a.example/?x=1") << "only the first '=' splits";
  EXPECT_EQ(o.policy.audiences, std::vector<std::string>{"api"});
  EXPECT_EQ(o.policy.algorithms.ToString(), "EdDSA");
  EXPECT_EQ(o.policy.leeway_seconds, 5);
  EXPECT_EQ(o.now, 42);
  EXPECT_EQ(o.policy.type, "JWT");
  EXPECT_EQ(o.policy.nonce, "");
  EXPECT_EQ(o.policy.access_token, "t");
  EXPECT_EQ(o.policy.required_claims, std::vector<std::string>{"sub"});
  EXPECT_EQ(o.policy.required_scopes, std::vector<std::string>{"s"});
  EXPECT_EQ(o.policy.max_age_seconds, 0);
}

TEST(VerifyOptionsTest, CollectsRepeatableOptions) {
  const VerifyOptions o = MustParse({"--key", "k", "--audience", "a", "--audience=b",
                                     "--require-claim", "jti", "--require-claim", "roles",
                                     "--scope", "read", "--scope=write", "--audience", "c"});
  EXPECT_EQ(o.policy.audiences, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o.policy.required_claims, (std::vector<std::string>{"jti", "roles"}));
  EXPECT_EQ(o.policy.required_scopes, (std::vector<std::string>{"read", "write"}));
}

TEST(VerifyOptionsTest, TakesTokenAnywhere) {
  EXPECT_EQ(MustParse({"TOKEN", "--key", "k"}).token, "TOKEN");
  EXPECT_EQ(MustParse({"--key", "k", "TOKEN", "--explain"}).token, "TOKEN");
  EXPECT_EQ(MustParse({"--key", "k", "-"}).token, "-");
  EXPECT_EQ(MustParse({"--key", "k", "--", "--not-an-option"}).token, "--not-an-option");
}

TEST(VerifyOptionsTest, OptionValueMayLookLikeAnOption) {
  // A value is taken verbatim even when it starts with dashes.
  const VerifyOptions o = MustParse({"--key", "k", "--nonce", "--explain", "--issuer", "-"});
  EXPECT_EQ(o.policy.nonce, "--explain");
  EXPECT_FALSE(o.explain);
  EXPECT_EQ(o.policy.issuer, "-");
  EXPECT_FALSE(o.token.has_value());
}

TEST(VerifyOptionsTest, DerivesIdTokenPolicy) {
  EXPECT_FALSE(MustParse({"--key", "k", "--audience", "a", "--issuer", "i"}).policy.id_token);
  EXPECT_TRUE(MustParse({"--key", "k", "--nonce", "n"}).policy.id_token);
  EXPECT_TRUE(MustParse({"--key", "k", "--access-token", "t"}).policy.id_token);
  EXPECT_TRUE(MustParse({"--key", "k", "--max-age", "60"}).policy.id_token);
  EXPECT_FALSE(MustParse({"--key", "k", "--type", "at+jwt", "--scope", "s"}).policy.id_token);
}

struct UsageCase {
  std::string name;
  Args args;
  std::string culprit;  // must appear in the message
};

class VerifyOptionsUsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(VerifyOptionsUsageTest, RejectsWithMessageNamingCulprit) {
  absl::StatusOr<VerifyOptions> o = Parse(GetParam().args);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(o.status().message()).find(GetParam().culprit), std::string::npos)
      << o.status();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, VerifyOptionsUsageTest,
    ::testing::Values(
        UsageCase{"UnknownOption", {"--key", "k", "--frobnicate"}, "--frobnicate"},
        UsageCase{"UnknownOptionWithValue", {"--key", "k", "--color", "blue"}, "--color"},
        UsageCase{"UnknownOptionEqualsForm", {"--key", "k", "--color=blue"}, "--color"},
        UsageCase{"KeyMissingValue", {"--key"}, "--key"},
        UsageCase{"JwksMissingValue", {"--jwks"}, "--jwks"},
        UsageCase{"IssuerMissingValueAtEnd", {"--key", "k", "--issuer"}, "--issuer"},
        UsageCase{"LeewayNotInteger", {"--key", "k", "--leeway", "ten"}, "--leeway"},
        UsageCase{"LeewayFractional", {"--key", "k", "--leeway", "1.5"}, "--leeway"},
        UsageCase{"LeewayEmpty", {"--key", "k", "--leeway", ""}, "--leeway"},
        UsageCase{"LeewayEmptyEqualsForm", {"--key", "k", "--leeway="}, "--leeway"},
        UsageCase{"LeewayNegative", {"--key", "k", "--leeway", "-5"}, "negative"},
        UsageCase{"LeewayOverflow", {"--key", "k", "--leeway", "99999999999999999999"}, "--leeway"},
        UsageCase{"NowNotInteger", {"--key", "k", "--now", "yesterday"}, "--now"},
        UsageCase{"NowFractional", {"--key", "k", "--now", "1700000000.5"}, "--now"},
        UsageCase{"MaxAgeNotInteger", {"--key", "k", "--max-age", "1h"}, "--max-age"},
        UsageCase{"MaxAgeNegative", {"--key", "k", "--max-age", "-1"}, "negative"},
        UsageCase{"AlgorithmsNone", {"--key", "k", "--algorithms", "none"}, "none"},
        UsageCase{"AlgorithmsNoneUpper", {"--key", "k", "--algorithms", "NONE"}, "NONE"},
        UsageCase{"AlgorithmsNoneInList", {"--key", "k", "--algorithms", "RS256,none"}, "none"},
        UsageCase{"AlgorithmsUnknown", {"--key", "k", "--algorithms", "RS256,FOO256"}, "FOO256"},
        UsageCase{"AlgorithmsEmpty", {"--key", "k", "--algorithms", ""}, "--algorithms"},
        UsageCase{"BothJwksAndKey", {"--key", "k", "--jwks", "j"}, "--jwks"},
        UsageCase{"NeitherJwksNorKey", {}, "--key"},
        UsageCase{"NeitherWithToken", {"TOKEN"}, "--jwks"},
        UsageCase{"TwoTokens", {"--key", "k", "A", "B"}, "TOKEN"},
        UsageCase{"TokenAndDash", {"--key", "k", "A", "-"}, "TOKEN"},
        // verify reads local files only; a URL gets what to do instead.
        UsageCase{"JwksUrl", {"--jwks", "https://idp.example/jwks"}, "verify does not fetch URLs"},
        UsageCase{"JwksUrlSaysServe", {"--jwks=HTTPS://idp.example/jwks"}, "tokenwarden serve"},
        UsageCase{"JwksPlainHttpUrl", {"--jwks", "http://idp.example/jwks"}, "curl"},
        UsageCase{"KeyUrl", {"--key", "https://idp.example/key.pem"}, "--key is a URL"}),
    [](const ::testing::TestParamInfo<UsageCase>& p) { return p.param.name; });

TEST(VerifyOptionsTest, PathsThatMerelyMentionHttpAreFiles) {
  EXPECT_EQ(MustParse({"--jwks", "./https/jwks.json"}).jwks_path, "./https/jwks.json");
  EXPECT_EQ(MustParse({"--key", "http.pem"}).key_path, "http.pem");
}

TEST(VerifyOptionsTest, UsageTextListsEveryOption) {
  const std::string usage = kVerifyUsage;
  for (std::string_view option :
       {"--jwks", "--key", "--issuer", "--audience", "--algorithms", "--leeway", "--now", "--type",
        "--nonce", "--access-token", "--require-claim", "--scope", "--max-age",
        "--allow-missing-exp", "--explain"}) {
    EXPECT_NE(usage.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace tokenwarden::server::cli
