// `protected_resources`: the RFC 9728 resource identifiers (https, no query or fragment), the
// metadata URLs derived from them (§3.1), the authorization servers defaulted from and
// checked against the issuers, the DPoP algorithms, and the bounds.
#include <ostream>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/strings/str_replace.h>
#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "core/algorithm.h"
#include "server/config/config.h"
#include "tests/source_path.h"

namespace tokenwarden::server {
namespace {

// ParseWithKeys reads `json` with examples/serve's JWK Set (by absolute path) wherever it says
// "@KEYS@".
absl::StatusOr<ServerConfig> ParseWithKeys(std::string_view json) {
  return ParseConfig(
      absl::StrReplaceAll(base::ToAbsl(json),
                          {{"@KEYS@", SourcePath("examples/serve/issuer.jwks.json")}}),
      "");
}

// Config has the issuers of RFC 9728's §3.2 example (and a multi-tenant template) and
// `resources` as its protected_resources array.
std::string Config(std::string_view resources) {
  return R"({"issuers": [)"
         R"({"issuer": "https://as1.example.com", "jwks_file": "@KEYS@"},)"
         R"({"issuer": "https://login.example/{tenantid}/v2.0", "jwks_file": "@KEYS@"},)"
         R"({"issuer": "https://as2.example.net", "jwks_file": "@KEYS@"}],)"
         R"("protected_resources": )" +
         std::string(resources) + "}";
}

absl::StatusOr<ServerConfig> Parse(std::string_view resources) {
  return ParseWithKeys(Config(resources));
}

AlgorithmSet Asymmetric() {
  absl::StatusOr<AlgorithmSet> set =
      AlgorithmSet::Parse("RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA");
  EXPECT_TRUE(set.ok());
  return set.ok() ? *set : AlgorithmSet();
}

TEST(ProtectedResourceConfigTest, ReadsRfc9728Example) {
  // RFC 9728 §3.2's example, less bearer_methods_supported (always ["header"] here).
  absl::StatusOr<ServerConfig> config = Parse(R"([{
      "resource": "https://resource.example.com",
      "authorization_servers": ["https://as1.example.com", "https://as2.example.net"],
      "scopes_supported": ["profile", "email", "phone"],
      "resource_documentation": "https://resource.example.com/resource_documentation.html"}])");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->protected_resources.size(), 1u);
  const ProtectedResourceConfig& r = config->protected_resources[0];
  EXPECT_EQ(r.resource, "https://resource.example.com");
  EXPECT_EQ(r.authorization_servers,
            (std::vector<std::string>{"https://as1.example.com", "https://as2.example.net"}));
  EXPECT_EQ(r.scopes_supported, (std::vector<std::string>{"profile", "email", "phone"}));
  EXPECT_EQ(r.resource_documentation, "https://resource.example.com/resource_documentation.html");
  EXPECT_EQ(r.resource_name, "");
  EXPECT_FALSE(r.dpop_bound_access_tokens_required);
  EXPECT_EQ(r.dpop_algorithms, Asymmetric());
  EXPECT_EQ(r.host, "resource.example.com");
  EXPECT_EQ(r.port, 443);
  EXPECT_EQ(r.path, "");
  EXPECT_EQ(r.metadata_path, "/.well-known/oauth-protected-resource");
  EXPECT_EQ(r.metadata_url, "https://resource.example.com/.well-known/oauth-protected-resource");
}

TEST(ProtectedResourceConfigTest, InsertsTheWellKnownSuffixBeforeThePath) {
  absl::StatusOr<ServerConfig> config = Parse(R"([
      {"resource": "https://api.example.com/mcp"},
      {"resource": "https://api.example.com/"},
      {"resource": "https://API.Example.com:8443/a/b%2Fc/"},
      {"resource": "https://[::1]:9443/x"}])");
  ASSERT_TRUE(config.ok()) << config.status();
  const std::vector<ProtectedResourceConfig>& r = config->protected_resources;
  ASSERT_EQ(r.size(), 4u);
  // RFC 9728 §3.1: https://resource.example.com/resource1 is described at
  // https://resource.example.com/.well-known/oauth-protected-resource/resource1.
  EXPECT_EQ(r[0].metadata_url, "https://api.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(r[0].metadata_path, "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(r[0].path, "/mcp");
  // A slash right after the host is dropped; the identifier itself stays as written.
  EXPECT_EQ(r[1].resource, "https://api.example.com/");
  EXPECT_EQ(r[1].metadata_url, "https://api.example.com/.well-known/oauth-protected-resource");
  EXPECT_EQ(r[1].path, "");
  // The origin as written in the URL; lower case and the port for matching.
  EXPECT_EQ(r[2].metadata_url,
            "https://API.Example.com:8443/.well-known/oauth-protected-resource/a/b%2Fc/");
  EXPECT_EQ(r[2].host, "api.example.com");
  EXPECT_EQ(r[2].port, 8443);
  EXPECT_EQ(r[2].path, "/a/b%2Fc/");
  EXPECT_EQ(r[3].host, "::1");
  EXPECT_EQ(r[3].metadata_url, "https://[::1]:9443/.well-known/oauth-protected-resource/x");
}

TEST(ProtectedResourceConfigTest, DefaultsToEveryIssuerButTemplates) {
  absl::StatusOr<ServerConfig> config = Parse(R"([{"resource": "https://api.example.com"}])");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->protected_resources[0].authorization_servers,
            (std::vector<std::string>{"https://as1.example.com", "https://as2.example.net"}));
}

TEST(ProtectedResourceConfigTest, MayPrecedeTheIssuers) {
  absl::StatusOr<ServerConfig> config = ParseWithKeys(
      R"({"protected_resources": [{"resource": "https://api.example.com",
                                   "authorization_servers": ["https://as.example"]}],
          "issuers": [{"issuer": "https://as.example", "jwks_file": "@KEYS@"}]})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->protected_resources[0].authorization_servers,
            std::vector<std::string>{"https://as.example"});
}

TEST(ProtectedResourceConfigTest, ReadsTheOptionalMembers) {
  absl::StatusOr<ServerConfig> config = Parse(R"([{
      "resource": "https://api.example.com/mcp",
      "resource_name": "Orders \"API\" \u00e9",
      "resource_policy_uri": "https://api.example.com/policy",
      "resource_tos_uri": "http://api.example.com/tos",
      "dpop_bound_access_tokens_required": true,
      "dpop_signing_alg_values_supported": ["ES256", "EdDSA"]}])");
  ASSERT_TRUE(config.ok()) << config.status();
  const ProtectedResourceConfig& r = config->protected_resources[0];
  EXPECT_EQ(r.resource_name, "Orders \"API\" \xc3\xa9");
  EXPECT_EQ(r.resource_policy_uri, "https://api.example.com/policy");
  EXPECT_EQ(r.resource_tos_uri, "http://api.example.com/tos");
  EXPECT_TRUE(r.dpop_bound_access_tokens_required);
  AlgorithmSet expected;
  expected.Add(Algorithm::kEs256);
  expected.Add(Algorithm::kEdDsa);
  EXPECT_EQ(r.dpop_algorithms, expected);
}

TEST(ProtectedResourceConfigTest, PublishesTheDpopAlgorithmsValidateAccepts) {
  // dpop.algorithms narrows what /validate accepts for proofs: the default follows it, and a
  // resource may not promise more.
  absl::StatusOr<ServerConfig> config = ParseWithKeys(
      R"({"protected_resources": [{"resource": "https://a.example"},
                                  {"resource": "https://b.example",
                                   "dpop_signing_alg_values_supported": ["ES256"]}],
          "dpop": {"algorithms": ["ES256", "EdDSA"]},
          "issuers": [{"issuer": "https://as.example", "jwks_file": "@KEYS@"}]})");
  ASSERT_TRUE(config.ok()) << config.status();
  AlgorithmSet both;
  both.Add(Algorithm::kEs256);
  both.Add(Algorithm::kEdDsa);
  EXPECT_EQ(config->protected_resources[0].dpop_algorithms, both);
  AlgorithmSet es256;
  es256.Add(Algorithm::kEs256);
  EXPECT_EQ(config->protected_resources[1].dpop_algorithms, es256);
  config = ParseWithKeys(
      R"({"protected_resources": [{"resource": "https://a.example",
                                   "dpop_signing_alg_values_supported": ["ES256", "PS256"]}],
          "dpop": {"algorithms": ["ES256", "EdDSA"]},
          "issuers": [{"issuer": "https://as.example", "jwks_file": "@KEYS@"}]})");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(std::string(config.status().message()),
            "protected_resources[0].dpop_signing_alg_values_supported: names algorithms that "
            "dpop.algorithms does not accept (ES256,EdDSA)");
}

TEST(ProtectedResourceConfigTest, AbsentMeansNone) {
  absl::StatusOr<ServerConfig> config =
      ParseWithKeys(R"({"issuers": [{"issuer": "https://as.example", "jwks_file": "@KEYS@"}]})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->protected_resources.empty());
  EXPECT_TRUE(Parse("[]").ok());
}

TEST(ProtectedResourceConfigTest, AllowsAtMost64) {
  std::string list = "[";
  for (int i = 0; i < 65; ++i) {
    list += std::string(i == 0 ? "" : ",") + R"({"resource": "https://api.example.com/r)" +
            std::to_string(i) + "\"}";
  }
  const std::string at_limit = list.substr(0, list.rfind(",{")) + "]";
  absl::StatusOr<ServerConfig> ok = Parse(at_limit);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->protected_resources.size(), 64u);
  absl::StatusOr<ServerConfig> over = Parse(list + "]");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "protected_resources: more than 64 resources");
}

struct Bad {
  std::string name;
  std::string resources;
  std::string message;
};

void PrintTo(const Bad& c, std::ostream* os) { *os << c.name; }

class ProtectedResourceRejectTest : public testing::TestWithParam<Bad> {};

TEST_P(ProtectedResourceRejectTest, NamesTheField) {
  absl::StatusOr<ServerConfig> config = Parse(GetParam().resources);
  ASSERT_FALSE(config.ok()) << GetParam().resources;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(config.status().message()), GetParam().message);
}

const std::string kLong = "https://api.example.com/" + std::string(2030, 'a');

INSTANTIATE_TEST_SUITE_P(
    Resource, ProtectedResourceRejectTest,
    testing::Values(
        Bad{"NotArray", R"({"resource": "https://a.example"})",
            "protected_resources: must be an array"},
        Bad{"Missing", R"([{"resource_name": "x"}])",
            "protected_resources[0].resource: required field is missing"},
        Bad{"UnknownField", R"([{"resource": "https://a.example", "jwks_uri": "x"}])",
            "protected_resources[0]: unknown field \"jwks_uri\""},
        Bad{"PlainHttp", R"([{"resource": "http://a.example"}])",
            "protected_resources[0].resource: must be an absolute https:// URL (RFC 9728 "
            "section 1.2)"},
        Bad{"UpperCaseScheme", R"([{"resource": "HTTPS://a.example"}])",
            "protected_resources[0].resource: must be an absolute https:// URL (RFC 9728 "
            "section 1.2)"},
        Bad{"Relative", R"([{"resource": "/mcp"}])",
            "protected_resources[0].resource: must be an absolute https:// URL (RFC 9728 "
            "section 1.2)"},
        Bad{"Query", R"([{"resource": "https://a.example/api?v=1"}])",
            "protected_resources[0].resource: must not have a query (RFC 8707 section 2): name "
            "the resource by its path"},
        Bad{"Fragment", R"([{"resource": "https://a.example/api#x"}])",
            "protected_resources[0].resource: URL has a fragment (#...)"},
        Bad{"UserInfo", R"([{"resource": "https://u@a.example/"}])",
            "protected_resources[0].resource: URL has user info (user@host): put credentials "
            "in the configuration's secret fields"},
        Bad{"Space", R"([{"resource": "https://a.example/a b"}])",
            "protected_resources[0].resource: URL contains a space, a control or a non-ASCII "
            "character"},
        Bad{"Quote", R"([{"resource": "https://a.example/a\"b"}])",
            "protected_resources[0].resource: the path may hold only RFC 3986 path characters "
            "(percent-encode the others)"},
        Bad{"BadPercent", R"([{"resource": "https://a.example/a%2"}])",
            "protected_resources[0].resource: the path may hold only RFC 3986 path characters "
            "(percent-encode the others)"},
        Bad{"TooLong", R"([{"resource": ")" + kLong + R"("}])",
            "protected_resources[0].resource: longer than 2048 bytes"},
        Bad{"Duplicate",
            R"([{"resource": "https://a.example/x"}, {"resource": "https://a.example/x"}])",
            "protected_resources[1].resource: \"https://a.example/x\" has the metadata URL of "
            "protected_resources[0] (\"https://a.example/x\")"},
        Bad{"SameMetadataUrl",
            R"([{"resource": "https://a.example:443"}, {"resource": "https://A.example/"}])",
            "protected_resources[1].resource: \"https://A.example/\" has the metadata URL of "
            "protected_resources[0] (\"https://a.example:443\")"}),
    [](const testing::TestParamInfo<Bad>& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Members, ProtectedResourceRejectTest,
    testing::Values(
        Bad{"UnknownServer",
            R"([{"resource": "https://a.example", "authorization_servers": ["https://x"]}])",
            "protected_resources[0].authorization_servers[0]: \"https://x\" is not a "
            "configured issuer"},
        Bad{"TemplateServer",
            R"([{"resource": "https://a.example",)"
            R"( "authorization_servers": ["https://login.example/{tenantid}/v2.0"]}])",
            "protected_resources[0].authorization_servers[0]: "
            "\"https://login.example/{tenantid}/v2.0\" is a multi-tenant template, not an "
            "issuer identifier"},
        Bad{"EmptyServers", R"([{"resource": "https://a.example", "authorization_servers": []}])",
            "protected_resources[0].authorization_servers: must be a non-empty array of strings"},
        Bad{"ServerTwice",
            R"([{"resource": "https://a.example", "authorization_servers":)"
            R"( ["https://as1.example.com", "https://as1.example.com"]}])",
            "protected_resources[0].authorization_servers[1]: \"https://as1.example.com\" is "
            "listed twice"},
        Bad{"ScopeWithSpace", R"([{"resource": "https://a.example", "scopes_supported": ["a b"]}])",
            "protected_resources[0].scopes_supported[0]: must be a scope token (printable ASCII "
            "without spaces, '\"' or '\\')"},
        Bad{"HmacForDpop",
            R"([{"resource": "https://a.example",)"
            R"( "dpop_signing_alg_values_supported": ["ES256", "HS256"]}])",
            "protected_resources[0].dpop_signing_alg_values_supported[1]: algorithm \"HS256\" "
            "is not for DPoP proofs: they are signed with an asymmetric key (RFC 9449 section "
            "4.2)"},
        Bad{"NoneForDpop",
            R"([{"resource": "https://a.example", "dpop_signing_alg_values_supported": ["none"]}])",
            "protected_resources[0].dpop_signing_alg_values_supported[0]: algorithm \"none\" is "
            "never allowed (unsecured JWS)"},
        Bad{"DpopRequiredString",
            R"([{"resource": "https://a.example", "dpop_bound_access_tokens_required": "true"}])",
            "protected_resources[0].dpop_bound_access_tokens_required: must be a boolean"},
        Bad{"BearerMethods",
            R"([{"resource": "https://a.example", "bearer_methods_supported": ["body"]}])",
            "protected_resources[0].bearer_methods_supported: is always [\"header\"]: "
            "tokenwarden reads tokens from the Authorization header only"},
        Bad{"ScriptDocumentation",
            R"([{"resource": "https://a.example", "resource_documentation": "javascript:x"}])",
            "protected_resources[0].resource_documentation: must be an absolute https:// (or "
            "http://) URL"},
        Bad{"LongName",
            R"([{"resource": "https://a.example", "resource_name": ")" + std::string(1025, 'n') +
                R"("}])",
            "protected_resources[0].resource_name: longer than 1024 bytes"}),
    [](const testing::TestParamInfo<Bad>& p) { return p.param.name; });

TEST(ProtectedResourceConfigTest, NeedsAnIssuerThatIsNoTemplate) {
  absl::StatusOr<ServerConfig> config = ParseWithKeys(
      R"({"issuers": [{"issuer": "https://login.example/{tenantid}/v2.0", "jwks_file": "@KEYS@"}],
          "protected_resources": [{"resource": "https://a.example"}]})");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(std::string(config.status().message()),
            "protected_resources[0].authorization_servers: no issuer to name: every issuer is "
            "a {tenantid} template");
}

}  // namespace
}  // namespace tokenwarden::server
