// The configuration of live issuers: key sources fetched over HTTPS (discovery, jwks_uri),
// their refresh bounds and fallback file, and upstream introspection of opaque tokens.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "server/config/config.h"

namespace tokenwarden::server {
namespace {

constexpr std::string_view kJwks =
    R"({"keys":[{"kty":"EC","crv":"P-256","x":"R5MhhJeTq5rDGRnTSMcPA5f52sTXgFOnK5zVXeVz5yk",)"
    R"("y":"SHMLFEcAMZGd71PjLrd0YAJwITYEwS0bqCi7lC54mHM","kid":"demo-2026","use":"sig",)"
    R"("alg":"ES256"}]})";

class RemoteIssuerConfigTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "tw_remote_config_" + std::to_string(getpid()) + "_" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    Write("fallback.jwks.json", kJwks);
    Write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Write("secret.txt", "s3cr:et+\n");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  void Write(const std::string& name, std::string_view contents) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << contents;
  }
  // Parse parses one issuer with `members`, plus `root` members.
  absl::StatusOr<ServerConfig> Parse(std::string_view members, std::string_view root = "") {
    std::string json =
        R"({"issuers":[{"issuer":"https://op.example",)" + std::string(members) + "}]";
    if (!root.empty()) {
      json += "," + std::string(root);
    }
    return ParseConfig(json + "}", dir_);
  }
  static std::string Message(const absl::StatusOr<ServerConfig>& config) {
    return std::string(config.status().message());
  }
  std::string dir_;
};

constexpr std::string_view kIntrospection =
    R"("introspection":{"client_id":"tw","client_secret_file":"secret.txt"})";
// kKeyless: an issuer of opaque tokens only — introspection and no key source.
constexpr std::string_view kKeyless =
    R"("introspection":{"client_id":"tw","client_secret_file":"secret.txt",)"
    R"("endpoint":"https://op.example/introspect"})";

TEST_F(RemoteIssuerConfigTest, DiscoveryWithEveryMember) {
  absl::StatusOr<ServerConfig> config = Parse(
      R"("discovery":true,"algorithms":["RS256","ES256"],)"
      R"("fetch":{"ca_file":"ca.pem","allow_plain_http":true,"connect_timeout_ms":100,)"
      R"("timeout_ms":200,"max_response_bytes":4096,)"
      R"("connect_to":{"Login.Example:443":"127.0.0.1:8443","[::1]:8443":"[::1]:9443"}},)"
      R"("keys":{"min_refresh_seconds":1,"max_refresh_seconds":600,"default_refresh_seconds":60,)"
      R"("unknown_kid_cooldown_seconds":2,"unknown_kid_wait_ms":0,"max_stale_seconds":0,)"
      R"("fallback_jwks_file":"fallback.jwks.json"},)"
      R"("introspection":{"client_id":"tw","client_secret_file":"secret.txt",)"
      R"("auth_method":"client_secret_post","cache_ttl_seconds":5,"negative_ttl_seconds":0,)"
      R"("on_upstream_error":"error","max_connections":16,"idle_timeout_ms":1500},)"
      R"("opaque":true)");
  ASSERT_TRUE(config.ok()) << config.status();
  const IssuerConfig& issuer = config->issuers[0];
  EXPECT_EQ(issuer.key_source, IssuerConfig::KeySource::kDiscovery);
  EXPECT_TRUE(issuer.remote_keys());
  EXPECT_EQ(issuer.keys, nullptr);
  EXPECT_EQ(issuer.fetch.ca_file, dir_ + "/ca.pem");
  EXPECT_TRUE(issuer.fetch.allow_plain_http);
  EXPECT_EQ(issuer.fetch.connect_timeout_ms, 100u);
  EXPECT_EQ(issuer.fetch.timeout_ms, 200u);
  EXPECT_EQ(issuer.fetch.max_response_bytes, 4096u);
  ASSERT_EQ(issuer.fetch.connect_to.size(), 2u);
  EXPECT_EQ(issuer.fetch.connect_to[0].host, "login.example");
  EXPECT_EQ(issuer.fetch.connect_to[0].port, 443);
  EXPECT_EQ(issuer.fetch.connect_to[0].to_host, "127.0.0.1");
  EXPECT_EQ(issuer.fetch.connect_to[0].to_port, 8443);
  EXPECT_EQ(issuer.fetch.connect_to[1].host, "::1");
  EXPECT_EQ(issuer.fetch.connect_to[1].to_host, "::1");
  EXPECT_EQ(issuer.fetch.connect_to[1].to_port, 9443);
  EXPECT_EQ(issuer.refresh.min_refresh_seconds, 1);
  EXPECT_EQ(issuer.refresh.max_refresh_seconds, 600);
  EXPECT_EQ(issuer.refresh.default_refresh_seconds, 60);
  EXPECT_EQ(issuer.refresh.unknown_kid_cooldown_seconds, 2);
  EXPECT_EQ(issuer.refresh.unknown_kid_wait_ms, 0);
  EXPECT_EQ(issuer.refresh.max_stale_seconds, 0);
  ASSERT_NE(issuer.refresh.fallback_keys, nullptr);
  EXPECT_EQ(issuer.refresh.fallback_keys->keys().size(), 1u);
  ASSERT_TRUE(issuer.introspection.has_value());
  EXPECT_EQ(issuer.introspection->client_id, "tw");
  EXPECT_EQ(issuer.introspection->client_secret, "s3cr:et+");  // the newline dropped
  EXPECT_EQ(issuer.introspection->auth_method, UpstreamIntrospectionConfig::AuthMethod::kPost);
  EXPECT_EQ(issuer.introspection->cache_ttl_seconds, 5);
  EXPECT_EQ(issuer.introspection->negative_ttl_seconds, 0);
  EXPECT_EQ(issuer.introspection->max_connections, 16u);
  EXPECT_EQ(issuer.introspection->idle_timeout_ms, 1500u);
  // "error", the older name of "unavailable", keeps meaning 503 on both routes.
  EXPECT_EQ(issuer.introspection->on_error, UpstreamIntrospectionConfig::OnError::kUnavailable);
  EXPECT_TRUE(issuer.introspection->endpoint.empty());  // from the discovery document
  EXPECT_TRUE(issuer.opaque);
  EXPECT_EQ(config->opaque_issuer, 0);
}

TEST_F(RemoteIssuerConfigTest, JwksUriDefaults) {
  absl::StatusOr<ServerConfig> config =
      Parse(R"("jwks_uri":"https://op.example/jwks","algorithms":["ES256"])");
  ASSERT_TRUE(config.ok()) << config.status();
  const IssuerConfig& issuer = config->issuers[0];
  EXPECT_EQ(issuer.key_source, IssuerConfig::KeySource::kJwksUri);
  EXPECT_EQ(issuer.jwks_uri, "https://op.example/jwks");
  EXPECT_TRUE(issuer.fetch.ca_file.empty());
  EXPECT_FALSE(issuer.fetch.allow_plain_http);
  EXPECT_EQ(issuer.refresh.unknown_kid_cooldown_seconds, 30);
  EXPECT_EQ(issuer.refresh.unknown_kid_wait_ms, 2000);
  EXPECT_EQ(issuer.refresh.fallback_keys, nullptr);
  EXPECT_FALSE(issuer.introspection.has_value());
  EXPECT_EQ(config->opaque_issuer, -1);
}

TEST_F(RemoteIssuerConfigTest, SecretFromTheEnvironment) {
  setenv("TW_TEST_UPSTREAM_SECRET", "from-env", 1);
  absl::StatusOr<ServerConfig> config = Parse(
      R"("jwks_file":"fallback.jwks.json","introspection":{"client_id":"tw",)"
      R"("client_secret_env":"TW_TEST_UPSTREAM_SECRET","endpoint":"https://op.example/introspect"})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->issuers[0].introspection->client_secret, "from-env");
  EXPECT_EQ(config->issuers[0].introspection->max_connections, 16u);
  EXPECT_EQ(config->issuers[0].introspection->idle_timeout_ms, 4000u);
  EXPECT_EQ(config->opaque_issuer, 0);
}

TEST_F(RemoteIssuerConfigTest, IntrospectionWithoutKeysIsAnOpaqueOnlyIssuer) {
  // The Telenor mobile API pattern: client-credentials tokens, introspection with Basic
  // authentication, no JWK Set anywhere.
  absl::StatusOr<ServerConfig> config =
      Parse(std::string(kKeyless) + R"(,"audiences":["api"],"required_claims":["sub"])");
  ASSERT_TRUE(config.ok()) << config.status();
  const IssuerConfig& issuer = config->issuers[0];
  EXPECT_EQ(issuer.key_source, IssuerConfig::KeySource::kNone);
  EXPECT_TRUE(issuer.keyless());
  EXPECT_FALSE(issuer.remote_keys());
  EXPECT_TRUE(issuer.opaque);  // every token routed to it is introspected
  EXPECT_EQ(issuer.keys, nullptr);
  EXPECT_TRUE(issuer.policy.algorithms.empty());
  EXPECT_EQ(issuer.introspection->endpoint, "https://op.example/introspect");
  EXPECT_EQ(issuer.introspection->auth_method, UpstreamIntrospectionConfig::AuthMethod::kBasic);
  EXPECT_EQ(config->opaque_issuer, 0);
  // Saying "opaque" again changes nothing.
  config = Parse(std::string(kKeyless) + R"(,"opaque":true)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->issuers[0].keyless());
}

TEST_F(RemoteIssuerConfigTest, ForwardedRevocationsAreOffUnlessAsked) {
  absl::StatusOr<ServerConfig> config = Parse(std::string(kKeyless));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->issuers[0].introspection->forward_revocations);
  // An issuer without discovery names its endpoint.
  config = Parse(R"("introspection":{"client_id":"tw","client_secret_file":"secret.txt",)"
                 R"("endpoint":"https://op.example/introspect","forward_revocations":true,)"
                 R"("revocation_endpoint":"https://op.example/revoke"})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->issuers[0].introspection->forward_revocations);
  EXPECT_EQ(config->issuers[0].introspection->revocation_endpoint, "https://op.example/revoke");
  // With discovery, the document's revocation_endpoint is the default.
  config = Parse(R"("discovery":true,"algorithms":["RS256"],"introspection":{"client_id":"tw",)"
                 R"("client_secret_file":"secret.txt","forward_revocations":true})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->issuers[0].introspection->forward_revocations);
  EXPECT_TRUE(config->issuers[0].introspection->revocation_endpoint.empty());
}

TEST_F(RemoteIssuerConfigTest, AuthMethodBasicRawIsRead) {
  absl::StatusOr<ServerConfig> config =
      Parse(R"("introspection":{"client_id":"tw client+%\u00fc","client_secret_file":"secret.txt",)"
            R"("endpoint":"https://op.example/i","auth_method":"client_secret_basic_raw"})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->issuers[0].introspection->auth_method,
            UpstreamIntrospectionConfig::AuthMethod::kBasicRaw);
  // The secret holds ':' and '+', which Basic carries unencoded after the first ':'.
  EXPECT_EQ(config->issuers[0].introspection->client_secret, "s3cr:et+");
}

TEST_F(RemoteIssuerConfigTest, AProfileMayPresetWhatAnIssuerWithoutKeysIgnores) {
  // Okta's org authorization server keeps its access tokens for Okta to judge, so it is
  // configured without keys; the okta profile's RS256 allow-list does nothing then, and is
  // not the entry's own `algorithms`.
  absl::StatusOr<ServerConfig> config =
      ParseConfig(R"({"issuers":[{"issuer":"https://example.okta.com","profile":"okta",)" +
                      std::string(kKeyless) + "}]}",
                  dir_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->issuers[0].keyless());
}

TEST_F(RemoteIssuerConfigTest, BearerCallersCannotNameAnIssuerWithoutKeys) {
  const std::string json =
      R"({"issuers":[{"issuer":"https://a.example","jwks_file":"fallback.jwks.json"},)"
      R"({"issuer":"https://op.example",)" +
      std::string(kKeyless) + "}],";
  absl::StatusOr<ServerConfig> config = ParseConfig(
      json + R"("bearer_callers":{"issuers":["https://a.example","https://op.example"]}})", dir_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config),
            "bearer_callers.issuers[1]: \"https://op.example\" has no keys: bearer callers' "
            "tokens are verified locally");
  config = ParseConfig(json + R"("bearer_callers":{"issuers":["https://a.example"]}})", dir_);
  EXPECT_TRUE(config.ok()) << config.status();
}

struct Rejected {
  const char* name;
  std::string members;
  std::string message;
};

TEST_F(RemoteIssuerConfigTest, RejectsWithTheFieldNamed) {
  const std::string alg = R"("algorithms":["ES256"],)";
  const Rejected cases[] = {
      {"two sources", alg + R"("discovery":true,"jwks_uri":"https://op.example/k")",
       "issuers[0]: has more than one key source: choose one of jwks_file, jwks_uri and "
       "\"discovery\": true"},
      {"file and uri", R"("jwks_file":"fallback.jwks.json","jwks_uri":"https://op.example/k")",
       "issuers[0]: has more than one key source"},
      {"no source and no introspection", R"("audiences":["api"])",
       "issuers[0]: needs a key source (jwks_file, jwks_uri or \"discovery\": true), or an "
       "introspection endpoint (introspection) for an issuer of opaque tokens only"},
      {"keyless without endpoint", std::string(kIntrospection),
       "issuers[0].introspection.endpoint: required field is missing"},
      {"keyless not opaque", std::string(kKeyless) + R"(,"opaque":false)",
       "issuers[0].opaque: an issuer without keys has every token introspected: leave it out"},
      {"keyless with keys", std::string(kKeyless) + R"(,"keys":{"max_stale_seconds":5})",
       "issuers[0].keys: applies to fetched keys, and this issuer has no key source"},
      {"keyless with algorithms", alg + std::string(kKeyless),
       "issuers[0].algorithms: an issuer without keys verifies no signature: leave it out"},
      {"keyless with typ", R"("typ":"at+jwt",)" + std::string(kKeyless),
       "issuers[0].typ: an issuer without keys reads no JWT header: leave it out"},
      {"raw basic id with colon",
       R"("introspection":{"client_id":"urn:tw","client_secret_file":"secret.txt",)"
       R"("endpoint":"https://op.example/i","auth_method":"client_secret_basic_raw"})",
       "issuers[0].introspection.client_id: holds ':' or a control character, which "
       "client_secret_basic_raw cannot send (RFC 7617 §2): use client_secret_basic or "
       "client_secret_post"},
      {"raw basic secret with control",
       R"("introspection":{"client_id":"tw","client_secret_file":"tab.txt",)"
       R"("endpoint":"https://op.example/i","auth_method":"client_secret_basic_raw"})",
       "issuers[0].introspection: the client secret holds a control character, which "
       "client_secret_basic_raw cannot send"},
      {"discovery false", alg + R"("discovery":false)",
       "issuers[0].discovery: leave it out for jwks_file / jwks_uri issuers (only true means "
       "something)"},
      {"no algorithms", R"("discovery":true)", "issuers[0].algorithms: required field is missing"},
      {"http jwks_uri", alg + R"("jwks_uri":"http://op.example/k")",
       "issuers[0].jwks_uri: must be https:// (http:// only with fetch.allow_plain_http)"},
      {"relative jwks_uri", alg + R"("jwks_uri":"/k")",
       "issuers[0].jwks_uri: must be an absolute https:// URL"},
      {"unknown fetch member", alg + R"("discovery":true,"fetch":{"verify":false})",
       "issuers[0].fetch: unknown field \"verify\""},
      {"connect_to without a port",
       alg + R"("discovery":true,"fetch":{"connect_to":{"a.example":"b:1"}})",
       "issuers[0].fetch.connect_to.a.example: the member name must be HOST:PORT"},
      {"connect_to port 0", alg + R"("discovery":true,"fetch":{"connect_to":{"a:443":"b:0"}})",
       "issuers[0].fetch.connect_to.a:443: must be HOST:PORT"},
      {"connect_to port too big",
       alg + R"("discovery":true,"fetch":{"connect_to":{"a:443":"b:65536"}})",
       "issuers[0].fetch.connect_to.a:443: must be HOST:PORT"},
      {"connect_to not a string", alg + R"("discovery":true,"fetch":{"connect_to":{"a:443":443}})",
       "issuers[0].fetch.connect_to.a:443: must be a non-empty string"},
      {"missing ca file", alg + R"("discovery":true,"fetch":{"ca_file":"nope.pem"})",
       "issuers[0].fetch.ca_file: cannot read"},
      {"ca file not PEM", alg + R"("discovery":true,"fetch":{"ca_file":"secret.txt"})",
       "issuers[0].fetch.ca_file: \"" + dir_ + "/secret.txt\" holds no PEM certificate"},
      {"max below min",
       alg + R"("discovery":true,"keys":{"min_refresh_seconds":100,)"
             R"("max_refresh_seconds":10,"default_refresh_seconds":50})",
       "issuers[0].keys.max_refresh_seconds: must not be less than min_refresh_seconds"},
      {"zero cooldown", alg + R"("discovery":true,"keys":{"unknown_kid_cooldown_seconds":0})",
       "issuers[0].keys.unknown_kid_cooldown_seconds: must be between 1 and 86400"},
      {"secret inline",
       alg + R"("discovery":true,"introspection":{"client_id":"tw",)"
             R"("client_secret":"x"})",
       "issuers[0].introspection.client_secret: secrets are not kept in the configuration: use "
       "client_secret_file or client_secret_env"},
      {"no secret", alg + R"("discovery":true,"introspection":{"client_id":"tw"})",
       "issuers[0].introspection: needs exactly one of client_secret_file and "
       "client_secret_env"},
      {"unset env",
       alg + R"("discovery":true,"introspection":{"client_id":"tw",)"
             R"("client_secret_env":"TW_TEST_SURELY_UNSET"})",
       "issuers[0].introspection.client_secret_env: environment variable "
       "\"TW_TEST_SURELY_UNSET\" is not set or empty"},
      {"no endpoint", alg + R"("jwks_uri":"https://op.example/k",)" + std::string(kIntrospection),
       "issuers[0].introspection.endpoint: required field is missing"},
      {"bad auth method",
       alg + R"("discovery":true,"introspection":{"client_id":"tw",)"
             R"("client_secret_file":"secret.txt","auth_method":"jwt"})",
       "issuers[0].introspection.auth_method: must be \"client_secret_basic\", "
       "\"client_secret_basic_raw\" or \"client_secret_post\""},
      {"bad on_error",
       alg + R"("discovery":true,"introspection":{"client_id":"tw",)"
             R"("client_secret_file":"secret.txt","on_upstream_error":"open"})",
       "issuers[0].introspection.on_upstream_error: must be \"unavailable\", "
       "\"inactive_on_introspect\" or \"inactive\""},
      {"no connections",
       alg + R"("discovery":true,"introspection":{"client_id":"tw",)"
             R"("client_secret_file":"secret.txt","max_connections":0})",
       "issuers[0].introspection.max_connections: must be between 1 and 64"},
      {"idle timeout too short",
       alg + R"("discovery":true,"introspection":{"client_id":"tw",)"
             R"("client_secret_file":"secret.txt","idle_timeout_ms":10})",
       "issuers[0].introspection.idle_timeout_ms: must be between 100 and 600000"},
      {"revocation endpoint without forwarding",
       std::string(kKeyless).insert(kKeyless.size() - 1,
                                    R"(,"revocation_endpoint":"https://op.example/revoke")"),
       "issuers[0].introspection.revocation_endpoint: is used only with "
       "\"forward_revocations\": true"},
      {"forwarding without an endpoint",
       std::string(kKeyless).insert(kKeyless.size() - 1, R"(,"forward_revocations":true)"),
       "issuers[0].introspection.forward_revocations: needs revocation_endpoint (there is no "
       "discovery document to name one)"},
      {"plain http revocation endpoint",
       std::string(kKeyless).insert(kKeyless.size() - 1,
                                    R"(,"forward_revocations":true,)"
                                    R"("revocation_endpoint":"http://op.example/revoke")"),
       "issuers[0].introspection.revocation_endpoint: must be https:// (http:// only with "
       "fetch.allow_plain_http)"},
      {"forwarding not a boolean",
       std::string(kKeyless).insert(kKeyless.size() - 1, R"(,"forward_revocations":"yes")"),
       "issuers[0].introspection.forward_revocations: must be"},
      {"opaque without introspection", alg + R"("discovery":true,"opaque":true)",
       "issuers[0].opaque: needs an introspection endpoint (introspection)"},
      {"fallback unusable",
       R"("algorithms":["RS256"],"discovery":true,)"
       R"("keys":{"fallback_jwks_file":"fallback.jwks.json"})",
       "issuers[0].keys.fallback_jwks_file: no key can verify RS256"},
  };
  Write("tab.txt", "s3\tcret\n");
  for (const Rejected& c : cases) {
    absl::StatusOr<ServerConfig> config = Parse(c.members);
    ASSERT_FALSE(config.ok()) << c.name;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_TRUE(Message(config).starts_with(c.message)) << c.name << ": " << Message(config);
  }
}

TEST_F(RemoteIssuerConfigTest, SecretsNeverAppearInMessages) {
  Write("two-lines.txt", "line-one-secret\nline-two\n");
  absl::StatusOr<ServerConfig> config =
      Parse(R"("algorithms":["ES256"],"discovery":true,"introspection":{"client_id":"tw",)"
            R"("client_secret_file":"two-lines.txt"})");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config).find("line-one-secret"), std::string::npos) << Message(config);
}

TEST_F(RemoteIssuerConfigTest, SeveralIntrospectingIssuersNeedOpaqueIssuer) {
  const std::string two =
      R"({"issuers":[{"issuer":"https://a.example","jwks_file":"fallback.jwks.json",)"
      R"("introspection":{"client_id":"a","client_secret_file":"secret.txt",)"
      R"("endpoint":"https://a.example/i"}},)"
      R"({"issuer":"https://b.example","jwks_file":"fallback.jwks.json",)"
      R"("introspection":{"client_id":"b","client_secret_file":"secret.txt",)"
      R"("endpoint":"https://b.example/i"}}])";
  absl::StatusOr<ServerConfig> config = ParseConfig(two + "}", dir_);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(Message(config).starts_with("opaque_issuer: several issuers have introspection"))
      << Message(config);
  config = ParseConfig(two + R"(,"opaque_issuer":"https://b.example"})", dir_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->opaque_issuer, 1);
  config = ParseConfig(two + R"(,"opaque_issuer":"https://c.example"})", dir_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config),
            "opaque_issuer: \"https://c.example\" is not a configured issuer with introspection");
}

}  // namespace
}  // namespace tokenwarden::server
