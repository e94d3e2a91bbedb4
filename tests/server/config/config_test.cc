#include "server/config/config.h"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "base/base64url.h"
#include "core/algorithm.h"
#include "tests/source_path.h"

namespace tokenwarden::server {
namespace {

// The public half of examples/demo's ES256 key (its private half was never kept).
constexpr std::string_view kJwks =
    R"({"keys":[{"kty":"EC","crv":"P-256","x":"R5MhhJeTq5rDGRnTSMcPA5f52sTXgFOnK5zVXeVz5yk",)"
    R"("y":"SHMLFEcAMZGd71PjLrd0YAJwITYEwS0bqCi7lC54mHM","kid":"demo-2026","use":"sig",)"
    R"("alg":"ES256"}]})";

void WriteFile(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  ASSERT_TRUE(out.good()) << path;
}

// TestFiles is a per-process folder of JWK Sets (gtest_discover_tests runs each test in its
// own process, possibly in parallel), removed at exit.
class TestFiles : public testing::Environment {
 public:
  static const std::string& Dir() {
    static const std::string* const dir =
        new std::string(testing::TempDir() + "tokenwarden_config_test_" + std::to_string(getpid()));
    return *dir;
  }
  void SetUp() override {
    std::filesystem::create_directories(Dir() + "/keysdir");
    std::filesystem::create_directories(Dir() + "/conf");
    WriteFile(Dir() + "/keys.jwks.json", kJwks);
    WriteFile(Dir() + "/conf/keys.jwks.json", kJwks);
    WriteFile(Dir() + "/empty.jwks.json", R"({"keys":[]})");
    WriteFile(Dir() + "/weak.jwks.json",
              R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"bad"}]})");
    WriteFile(Dir() + "/notjson.jwks.json", "keys = []");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(Dir(), ignored);
  }
};

[[maybe_unused]] testing::Environment* const kTestFiles =
    testing::AddGlobalTestEnvironment(new TestFiles);

std::string Dir() { return TestFiles::Dir(); }

absl::StatusOr<ServerConfig> Parse(std::string_view json) { return ParseConfig(json, Dir()); }

// Message copies a status message (Debian's absl::string_view prints as a char list).
std::string Message(const absl::StatusOr<ServerConfig>& config) {
  return std::string(config.status().message());
}

std::string Encoded(size_t len, uint8_t fill) {
  return base::Base64UrlEncode(std::vector<uint8_t>(len, fill));
}

const std::string kSha256Hash = "sha256$" + Encoded(16, 1) + "$" + Encoded(32, 2);
const std::string kPbkdf2Hash = "pbkdf2-sha256$20000$" + Encoded(24, 3) + "$" + Encoded(32, 4);

// Config is the smallest valid configuration with `issuer_extra` members added to its issuer
// and `root_extra` members to the root.
std::string Config(std::string_view root_extra = "", std::string_view issuer_extra = "") {
  std::string json = R"({"issuers":[{"issuer":"https://a.example","jwks_file":"keys.jwks.json")";
  if (!issuer_extra.empty()) {
    json += ",";
    json += issuer_extra;
  }
  json += "}]";
  if (!root_extra.empty()) {
    json += ",";
    json += root_extra;
  }
  return json + "}";
}

// Client is a "clients" member with one client `id`, plus `extra` members.
std::string Client(std::string_view id, std::string_view extra = "") {
  std::string json = R"({"id":")" + std::string(id) + R"(","secret_hash":")" + kSha256Hash + "\"";
  if (!extra.empty()) {
    json += ",";
    json += extra;
  }
  return json + "}";
}

TEST(ConfigTest, AppliesDefaults) {
  absl::StatusOr<ServerConfig> config = Parse(Config());
  ASSERT_TRUE(config.ok()) << config.status();
  const ServerConfig defaults;
  EXPECT_EQ(config->listen, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(config->workers, 0);
  ASSERT_EQ(config->issuers.size(), 1u);
  const IssuerConfig& issuer = config->issuers[0];
  EXPECT_EQ(issuer.policy.issuer, "https://a.example");
  EXPECT_TRUE(issuer.policy.audiences.empty());
  EXPECT_TRUE(issuer.policy.algorithms.empty());
  EXPECT_EQ(issuer.policy.leeway_seconds, 0);
  EXPECT_FALSE(issuer.policy.type.has_value());
  EXPECT_TRUE(issuer.policy.required_claims.empty());
  EXPECT_TRUE(issuer.policy.required_scopes.empty());
  EXPECT_TRUE(issuer.policy.require_exp);
  EXPECT_EQ(issuer.policy.max_token_bytes, 16384u);
  EXPECT_FALSE(issuer.policy.id_token);
  EXPECT_FALSE(issuer.policy.nonce.has_value());
  EXPECT_FALSE(issuer.policy.max_age_seconds.has_value());
  EXPECT_EQ(issuer.jwks_file, "keys.jwks.json");
  ASSERT_NE(issuer.keys, nullptr);
  ASSERT_EQ(issuer.keys->keys().size(), 1u);
  EXPECT_EQ(issuer.keys->keys()[0].kid(), "demo-2026");
  EXPECT_TRUE(issuer.route_scopes.empty());
  EXPECT_TRUE(config->clients.empty());
  EXPECT_FALSE(config->bearer_callers.has_value());
  EXPECT_TRUE(config->cache.enabled);
  EXPECT_EQ(config->cache.max_entries, 65536u);
  EXPECT_EQ(config->cache.max_bytes, 64u << 20);
  EXPECT_EQ(config->denylist.log_path, "");
  EXPECT_EQ(config->denylist.capacity, 65536u);
  EXPECT_EQ(config->limits.max_header_bytes, 8192u);
  EXPECT_EQ(config->limits.max_body_bytes, 16384u);
  EXPECT_EQ(config->limits.max_headers, 64u);
  EXPECT_EQ(config->limits.max_url_bytes, 4096u);
  EXPECT_EQ(config->limits.max_connections, 4096u);
  EXPECT_EQ(config->limits.idle_timeout_ms, 60000u);
  EXPECT_EQ(config->limits.read_timeout_ms, 10000u);
  EXPECT_EQ(config->limits.drain_timeout_ms, 10000u);
  EXPECT_FALSE(config->access_log.enabled);
  EXPECT_EQ(config->access_log.path, "-");
  ASSERT_EQ(config->claim_headers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(config->claim_headers[i].claim, defaults.claim_headers[i].claim);
    EXPECT_EQ(config->claim_headers[i].header, defaults.claim_headers[i].header);
  }
  EXPECT_EQ(config->claim_headers[0].claim, "sub");
  EXPECT_EQ(config->claim_headers[0].header, "X-Auth-Subject");
}

std::string FullConfig() {
  return R"({
    "listen": ["0.0.0.0:9000", "[::]:0", "[::1]:65535"],
    "workers": 3,
    "issuers": [
      {"issuer": "https://a.example", "jwks_file": "keys.jwks.json",
       "audiences": ["api", "web"], "algorithms": ["ES256", "RS256"], "leeway_seconds": 45,
       "typ": "at+jwt", "required_claims": ["sub", "jti"], "required_scopes": ["read"],
       "require_exp": false, "max_token_bytes": 4096,
       "route_scopes": [
         {"method": "POST", "path_prefix": "/admin", "scopes": ["admin", "write"]},
         {"path_prefix": "/", "scopes": ["any"]}]},
      {"issuer": "https://b.example", "jwks_file": ")" +
         Dir() + R"(/keys.jwks.json"}],
    "clients": [
      {"id": "gateway", "secret_hash": ")" +
         kSha256Hash + R"(",
       "issuers": ["https://b.example"], "audiences": ["api"]},
      {"id": "dash", "secret_hash": ")" +
         kPbkdf2Hash + R"("}],
    "bearer_callers": {"issuers": ["https://a.example"], "scopes": ["introspect"],
                       "limit_issuers": ["https://a.example"], "limit_audiences": ["api"]},
    "cache": {"enabled": false, "max_entries": 10, "max_bytes": 2097152},
    "denylist": {"log": "/var/lib/tw/rev.log", "capacity": 128},
    "limits": {"max_header_bytes": 1001, "max_body_bytes": 1002, "max_headers": 1003,
               "max_url_bytes": 1004, "max_connections": 1005, "idle_timeout_ms": 1006,
               "read_timeout_ms": 1007, "drain_timeout_ms": 1008},
    "access_log": {"enabled": true, "path": "/var/log/tw/access.log"},
    "claim_headers": {"email": "X-Email", "sub": "X-Sub"}
  })";
}

TEST(ConfigTest, MapsEveryField) {
  absl::StatusOr<ServerConfig> config = Parse(FullConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, (std::vector<std::string>{"0.0.0.0:9000", "[::]:0", "[::1]:65535"}));
  EXPECT_EQ(config->workers, 3);

  ASSERT_EQ(config->issuers.size(), 2u);
  const IssuerConfig& a = config->issuers[0];
  EXPECT_EQ(a.policy.issuer, "https://a.example");
  EXPECT_EQ(a.policy.audiences, (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(a.policy.algorithms.ToString(), "RS256,ES256");
  EXPECT_EQ(a.policy.leeway_seconds, 45);
  EXPECT_EQ(a.policy.type, "at+jwt");
  EXPECT_EQ(a.policy.required_claims, (std::vector<std::string>{"sub", "jti"}));
  EXPECT_EQ(a.policy.required_scopes, std::vector<std::string>{"read"});
  EXPECT_FALSE(a.policy.require_exp);
  EXPECT_EQ(a.policy.max_token_bytes, 4096u);
  EXPECT_EQ(a.jwks_file, "keys.jwks.json");
  ASSERT_NE(a.keys, nullptr);
  EXPECT_TRUE(a.keys->algorithms().Contains(Algorithm::kEs256));
  ASSERT_EQ(a.route_scopes.size(), 2u);
  EXPECT_EQ(a.route_scopes[0].method, "POST");
  EXPECT_EQ(a.route_scopes[0].path_prefix, "/admin");
  EXPECT_EQ(a.route_scopes[0].scopes, (std::vector<std::string>{"admin", "write"}));
  EXPECT_EQ(a.route_scopes[1].method, "");
  EXPECT_EQ(a.route_scopes[1].path_prefix, "/");
  EXPECT_EQ(a.route_scopes[1].scopes, std::vector<std::string>{"any"});
  const IssuerConfig& b = config->issuers[1];
  EXPECT_EQ(b.policy.issuer, "https://b.example");
  EXPECT_EQ(b.jwks_file, Dir() + "/keys.jwks.json");
  EXPECT_NE(b.keys, nullptr);
  EXPECT_TRUE(b.policy.require_exp);

  ASSERT_EQ(config->clients.size(), 2u);
  const ClientConfig& gateway = config->clients[0];
  EXPECT_EQ(gateway.id, "gateway");
  EXPECT_EQ(gateway.secret.scheme, SecretHash::Scheme::kSha256);
  EXPECT_EQ(gateway.secret.salt, std::vector<uint8_t>(16, 1));
  EXPECT_EQ(gateway.secret.digest, std::vector<uint8_t>(32, 2));
  EXPECT_EQ(gateway.issuers, std::vector<std::string>{"https://b.example"});
  EXPECT_EQ(gateway.audiences, std::vector<std::string>{"api"});
  const ClientConfig& dash = config->clients[1];
  EXPECT_EQ(dash.id, "dash");
  EXPECT_EQ(dash.secret.scheme, SecretHash::Scheme::kPbkdf2Sha256);
  EXPECT_EQ(dash.secret.iterations, 20000u);
  EXPECT_EQ(dash.secret.salt, std::vector<uint8_t>(24, 3));
  EXPECT_TRUE(dash.issuers.empty());
  EXPECT_TRUE(dash.audiences.empty());

  ASSERT_TRUE(config->bearer_callers.has_value());
  EXPECT_EQ(config->bearer_callers->issuers, std::vector<std::string>{"https://a.example"});
  EXPECT_EQ(config->bearer_callers->scopes, std::vector<std::string>{"introspect"});
  EXPECT_EQ(config->bearer_callers->limit_issuers, std::vector<std::string>{"https://a.example"});
  EXPECT_EQ(config->bearer_callers->limit_audiences, std::vector<std::string>{"api"});

  EXPECT_FALSE(config->cache.enabled);
  EXPECT_EQ(config->cache.max_entries, 10u);
  EXPECT_EQ(config->cache.max_bytes, 2097152u);
  EXPECT_EQ(config->denylist.log_path, "/var/lib/tw/rev.log");
  EXPECT_EQ(config->denylist.capacity, 128u);
  EXPECT_EQ(config->limits.max_header_bytes, 1001u);
  EXPECT_EQ(config->limits.max_body_bytes, 1002u);
  EXPECT_EQ(config->limits.max_headers, 1003u);
  EXPECT_EQ(config->limits.max_url_bytes, 1004u);
  EXPECT_EQ(config->limits.max_connections, 1005u);
  EXPECT_EQ(config->limits.idle_timeout_ms, 1006u);
  EXPECT_EQ(config->limits.read_timeout_ms, 1007u);
  EXPECT_EQ(config->limits.drain_timeout_ms, 1008u);
  EXPECT_TRUE(config->access_log.enabled);
  EXPECT_EQ(config->access_log.path, "/var/log/tw/access.log");
  ASSERT_EQ(config->claim_headers.size(), 2u);
  EXPECT_EQ(config->claim_headers[0].claim, "email");
  EXPECT_EQ(config->claim_headers[0].header, "X-Email");
  EXPECT_EQ(config->claim_headers[1].claim, "sub");
  EXPECT_EQ(config->claim_headers[1].header, "X-Sub");
}

TEST(ConfigTest, EmptyClaimHeadersRemovesTheDefaults) {
  absl::StatusOr<ServerConfig> config = Parse(Config(R"("claim_headers": {})"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->claim_headers.empty());
}

TEST(ConfigTest, ReferencesMayPrecedeTheIssuers) {
  const std::string json = R"({"clients": [)" + Client("c", R"("issuers": ["https://a.example"])") +
                           R"(], "bearer_callers": {"issuers": ["https://a.example"]},)" +
                           R"("issuers": [{"issuer": "https://a.example",)" +
                           R"("jwks_file": "keys.jwks.json"}]})";
  absl::StatusOr<ServerConfig> config = Parse(json);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->clients[0].issuers, std::vector<std::string>{"https://a.example"});
}

TEST(ConfigTest, AcceptsBoundaryValues) {
  const std::string json =
      Config(R"("workers": 256, "listen": ["0.0.0.0:0", "255.255.255.255:65535"],)"
             R"("cache": {"max_entries": 16777216, "max_bytes": 17179869184},)"
             R"("denylist": {"capacity": 4})",
             R"("leeway_seconds": 3600, "max_token_bytes": 1048576)");
  absl::StatusOr<ServerConfig> config = Parse(json);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->workers, 256);
  EXPECT_EQ(config->cache.max_bytes, size_t{16} << 30);
  EXPECT_EQ(config->issuers[0].policy.leeway_seconds, 3600);
  EXPECT_EQ(config->issuers[0].policy.max_token_bytes, 1048576u);
  EXPECT_EQ(config->denylist.capacity, 4u);
}

TEST(ConfigTest, ResolvesRelativePathsAgainstBaseDir) {
  const std::string json = Config(R"("denylist": {"log": "state/revocations.log"},)"
                                  R"("access_log": {"enabled": true, "path": "logs/access.log"})");
  for (const std::string& base : {Dir(), Dir() + "/"}) {
    absl::StatusOr<ServerConfig> config = ParseConfig(json, base);
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->issuers[0].jwks_file, "keys.jwks.json");  // as written, for messages
    EXPECT_NE(config->issuers[0].keys, nullptr);
    EXPECT_EQ(config->denylist.log_path, Dir() + "/state/revocations.log");
    EXPECT_EQ(config->access_log.path, Dir() + "/logs/access.log");
  }
}

TEST(ConfigTest, KeepsAbsolutePathsAndStderr) {
  const std::string json = Config(R"("denylist": {"log": "/srv/tw/revocations.log"},)"
                                  R"("access_log": {"path": "-"})",
                                  "");
  absl::StatusOr<ServerConfig> config = Parse(json);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->denylist.log_path, "/srv/tw/revocations.log");
  EXPECT_EQ(config->access_log.path, "-");
}

TEST(ConfigTest, EmptyBaseDirMeansTheWorkingDirectory) {
  absl::StatusOr<ServerConfig> config =
      ParseConfig(Config(R"("denylist": {"log": "revocations.log"})"), "");
  ASSERT_FALSE(config.ok());  // keys.jwks.json is not in the working directory
  EXPECT_EQ(Message(config),
            "issuers[0].jwks_file: cannot read \"keys.jwks.json\": No such file or directory");
}

TEST(ConfigTest, LoadConfigFileResolvesAgainstItsFolder) {
  const std::string path = Dir() + "/conf/tokenwarden.json";
  WriteFile(path, Config(R"("denylist": {"log": "revocations.log"})"));
  absl::StatusOr<ServerConfig> config = LoadConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_NE(config->issuers[0].keys, nullptr);
  EXPECT_EQ(config->denylist.log_path, Dir() + "/conf/revocations.log");
}

TEST(ConfigTest, LoadConfigFileReportsUnreadableFiles) {
  absl::StatusOr<ServerConfig> config = LoadConfigFile(Dir() + "/nope.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(config),
            "config: cannot read \"" + Dir() + "/nope.json\": No such file or directory");

  config = LoadConfigFile(Dir() + "/keysdir");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config), "config: cannot read \"" + Dir() + "/keysdir\": is a directory");
}

TEST(ConfigTest, LoadConfigFileBoundsTheSize) {
  const std::string path = Dir() + "/big.json";
  WriteFile(path, Config() + std::string(1 << 20, ' '));
  absl::StatusOr<ServerConfig> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config), "config: cannot read \"" + path + "\": larger than 1 MiB");
}

TEST(ConfigTest, ParseConfigBoundsTheSize) {
  std::string json = Config();
  json.resize(1 << 20, ' ');  // exactly 1 MiB: accepted
  absl::StatusOr<ServerConfig> config = Parse(json);
  EXPECT_TRUE(config.ok()) << config.status();
  json += ' ';
  config = Parse(json);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config), "config: larger than 1 MiB");
}

TEST(ConfigTest, ReportsJsonSyntaxErrors) {
  for (const char* json :
       {"", "{", R"({"workers": 1,})", R"({"workers": 01})", "{} {}", R"({"workers": "\x"})"}) {
    absl::StatusOr<ServerConfig> config = Parse(json);
    ASSERT_FALSE(config.ok()) << json;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(config.status().message());
    EXPECT_TRUE(message.starts_with("config: invalid JSON at line 1, column ")) << message;
  }
}

// A configuration is edited by hand: a syntax error says where, as line and column (of the
// character, not the byte), and what was expected there.
TEST(ConfigTest, JsonSyntaxErrorsGiveLineAndColumn) {
  const struct {
    std::string json;
    std::string message;
  } kCases[] = {
      {"{\n  \"issuers\": [],\n  \"workers\": 2,\n}\n",
       "config: invalid JSON at line 3, column 15: a comma before '}' (JSON allows no trailing "
       "comma)"},
      {"{\n  \"listen\": [\"127.0.0.1:8080\"]\n  \"workers\": 2\n}\n",
       "config: invalid JSON at line 3, column 3: expected ',' or '}' after an object member"},
      {"{\n  \"issuers\": [\n    {\"issuer\": \"https://a.example\", jwks_file: \"k.json\"}\n  "
       "]\n}",
       "config: invalid JSON at line 3, column 37: expected a member name in double quotes"},
      {"{\n  // comments are not JSON\n  \"workers\": 2\n}",
       "config: invalid JSON at line 2, column 3: expected a member name in double quotes"},
      {"{\n  \"issuers\": [\n    {\"issuer\": \"https://\u00e9.example\"\n",
       "config: invalid JSON at line 4, column 1: the text ends inside an object: '}' is missing"},
      {"{\"audiences\": [\"caf\xc3\xa9\", \"x\"\ty]}",
       "config: invalid JSON at line 1, column 28: expected ',' or ']' after an array item"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<ServerConfig> config = Parse(c.json);
    ASSERT_FALSE(config.ok()) << c.json;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(), c.message) << c.json;
  }
}

TEST(ConfigTest, BoundsTheDepth) {
  // Ten levels inside an unknown member are still read (and rejected by name)...
  absl::StatusOr<ServerConfig> config =
      Parse(Config(R"("x": )" + std::string(10, '[') + std::string(10, ']')));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config), "(root): unknown field \"x\"");
  // ...but a document nested deeper than the bound is not parsed at all.
  config = Parse(Config(R"("x": )" + std::string(100, '[') + std::string(100, ']')));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(std::string(config.status().message()).starts_with("config: invalid JSON at "))
      << config.status();
  EXPECT_TRUE(std::string(config.status().message()).ends_with(": nested too deeply"))
      << config.status();
}

TEST(ConfigTest, ChecksEveryLimit) {
  struct Limit {
    const char* name;
    int64_t max;
  };
  for (const Limit& limit : {Limit{"max_header_bytes", 1 << 20}, Limit{"max_body_bytes", 16 << 20},
                             Limit{"max_headers", 1024}, Limit{"max_url_bytes", 1 << 20},
                             Limit{"max_connections", 1 << 20}, Limit{"idle_timeout_ms", 3600000},
                             Limit{"read_timeout_ms", 600000}, Limit{"drain_timeout_ms", 600000}}) {
    const std::string field = std::string("\"") + limit.name + "\": ";
    const std::string expected = std::string("limits.") + limit.name + ": must be between 1 and " +
                                 std::to_string(limit.max);
    for (const int64_t bad : {int64_t{0}, int64_t{-1}, limit.max + 1}) {
      absl::StatusOr<ServerConfig> config =
          Parse(Config(R"("limits": {)" + field + std::to_string(bad) + "}"));
      ASSERT_FALSE(config.ok()) << limit.name << " " << bad;
      EXPECT_EQ(Message(config), expected);
    }
    absl::StatusOr<ServerConfig> config =
        Parse(Config(R"("limits": {)" + field + std::to_string(limit.max) + "}"));
    EXPECT_TRUE(config.ok()) << config.status();
  }
}

TEST(ConfigTest, ParsesTheExample) {
  absl::StatusOr<ServerConfig> config =
      LoadConfigFile(SourcePath("examples/serve/tokenwarden.json"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->issuers.size(), 1u);
  EXPECT_EQ(config->issuers[0].policy.issuer, "https://issuer.example.com");
  ASSERT_NE(config->issuers[0].keys, nullptr);
  EXPECT_EQ(config->issuers[0].keys->keys().size(), 1u);
  EXPECT_FALSE(config->issuers[0].route_scopes.empty());
  ASSERT_EQ(config->clients.size(), 2u);
  EXPECT_EQ(config->clients[0].secret.scheme, SecretHash::Scheme::kSha256);
  EXPECT_EQ(config->clients[1].secret.scheme, SecretHash::Scheme::kPbkdf2Sha256);
  EXPECT_TRUE(config->bearer_callers.has_value());
  ASSERT_TRUE(config->admin.has_value());
  EXPECT_EQ(config->admin->listen, std::vector<std::string>{"127.0.0.1:9091"});
  EXPECT_EQ(config->denylist.log_path, SourcePath("examples/serve/revocations.log"));
  ASSERT_EQ(config->protected_resources.size(), 1u);
  EXPECT_EQ(config->protected_resources[0].metadata_url,
            "https://api.example.com/.well-known/oauth-protected-resource/orders");
  EXPECT_EQ(config->protected_resources[0].authorization_servers,
            std::vector<std::string>{"https://issuer.example.com"});
}

struct BadConfig {
  std::string name;
  std::string json;
  std::string message;  // the whole message, or its start when `prefix`
  bool prefix = false;
};

void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.name; }

class ConfigRejectTest : public testing::TestWithParam<BadConfig> {};

TEST_P(ConfigRejectTest, NamesTheField) {
  const BadConfig& c = GetParam();
  absl::StatusOr<ServerConfig> config = Parse(c.json);
  ASSERT_FALSE(config.ok()) << c.json;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(config.status().message());
  if (c.prefix) {
    EXPECT_TRUE(message.starts_with(c.message)) << message;
  } else {
    EXPECT_EQ(message, c.message);
  }
}

std::string TestName(const testing::TestParamInfo<BadConfig>& param) { return param.param.name; }

// Issuer is a second issuer entry with `name`.
std::string Issuer(std::string_view name) {
  return R"({"issuer": ")" + std::string(name) + R"(", "jwks_file": "keys.jwks.json"})";
}

INSTANTIATE_TEST_SUITE_P(
    Structure, ConfigRejectTest,
    testing::Values(
        BadConfig{"RootNotObject", "[]", "(root): must be an object"},
        BadConfig{"UnknownRootField", Config(R"("listn": ["127.0.0.1:1"])"),
                  "(root): unknown field \"listn\""},
        BadConfig{"UnknownFieldIsQuoted", Config(R"("bad\nkey\"": 1)"),
                  R"((root): unknown field "bad\u000akey\"")"},
        BadConfig{"DuplicateRootField", Config(R"("workers": 1, "workers": 1)"),
                  "(root): duplicate field \"workers\""},
        BadConfig{"UnknownIssuerField", Config("", R"("audience": ["api"])"),
                  "issuers[0]: unknown field \"audience\""},
        BadConfig{"DuplicateIssuerField", Config("", R"("audiences": ["a"], "audiences": ["b"])"),
                  "issuers[0]: duplicate field \"audiences\""},
        BadConfig{"UnknownRouteField",
                  Config("", R"("route_scopes": [{"path_prefix": "/a", "scopes": ["x"],)"
                             R"( "metod": "GET"}])"),
                  "issuers[0].route_scopes[0]: unknown field \"metod\""},
        BadConfig{"UnknownCacheField", Config(R"("cache": {"size": 1})"),
                  "cache: unknown field \"size\""},
        BadConfig{"UnknownLimitsField", Config(R"("limits": {"max_body": 1})"),
                  "limits: unknown field \"max_body\""},
        BadConfig{"UnknownClientField",
                  Config(R"("clients": [)" + Client("c", R"("scopes": [])") + "]"),
                  "clients[0]: unknown field \"scopes\""},
        BadConfig{"UnknownBearerField",
                  Config(R"("bearer_callers": {"issuers": ["https://a.example"], "scope": []})"),
                  "bearer_callers: unknown field \"scope\""},
        BadConfig{"UnknownDenylistField", Config(R"("denylist": {"path": "x"})"),
                  "denylist: unknown field \"path\""},
        BadConfig{"UnknownAccessLogField", Config(R"("access_log": {"file": "x"})"),
                  "access_log: unknown field \"file\""},
        BadConfig{"MissingIssuers", "{}", "issuers: required field is missing"},
        BadConfig{"EmptyIssuers", R"({"issuers": []})", "issuers: must be a non-empty array"},
        BadConfig{"IssuersNotArray", R"({"issuers": {}})", "issuers: must be an array"},
        BadConfig{"IssuerNotObject", R"({"issuers": ["https://a.example"]})",
                  "issuers[0]: must be an object"},
        BadConfig{"MissingIssuer", R"({"issuers": [{"jwks_file": "keys.jwks.json"}]})",
                  "issuers[0].issuer: required field is missing"},
        BadConfig{"MissingJwksFile", R"({"issuers": [{"issuer": "https://a.example"}]})",
                  "issuers[0]: needs a key source (jwks_file, jwks_uri or \"discovery\": "
                  "true), or an introspection endpoint (introspection) for an issuer of opaque "
                  "tokens only"},
        BadConfig{"MissingClientId",
                  Config(R"("clients": [{"secret_hash": ")" + kSha256Hash + "\"}]"),
                  "clients[0].id: required field is missing"},
        BadConfig{"MissingSecretHash", Config(R"("clients": [{"id": "c"}])"),
                  "clients[0].secret_hash: required field is missing"},
        BadConfig{"MissingBearerIssuers", Config(R"("bearer_callers": {"scopes": ["x"]})"),
                  "bearer_callers.issuers: required field is missing"},
        BadConfig{"MissingRoutePrefix", Config("", R"("route_scopes": [{"scopes": ["x"]}])"),
                  "issuers[0].route_scopes[0].path_prefix: required field is missing"},
        BadConfig{"MissingRouteScopes", Config("", R"("route_scopes": [{"path_prefix": "/"}])"),
                  "issuers[0].route_scopes[0].scopes: required field is missing"}),
    TestName);

INSTANTIATE_TEST_SUITE_P(
    Types, ConfigRejectTest,
    testing::Values(
        BadConfig{"WorkersString", Config(R"("workers": "5")"),
                  "workers: must be an integer between 0 and 256"},
        BadConfig{"WorkersFraction", Config(R"("workers": 1.5)"),
                  "workers: must be an integer between 0 and 256"},
        BadConfig{"WorkersWholeDouble", Config(R"("workers": 2.0)"),
                  "workers: must be an integer between 0 and 256"},
        BadConfig{"WorkersExponent", Config(R"("workers": 1e1)"),
                  "workers: must be an integer between 0 and 256"},
        BadConfig{"WorkersBoolean", Config(R"("workers": true)"),
                  "workers: must be an integer between 0 and 256"},
        BadConfig{"WorkersNull", Config(R"("workers": null)"),
                  "workers: must be an integer between 0 and 256"},
        BadConfig{"EnabledNumber", Config(R"("cache": {"enabled": 1})"),
                  "cache.enabled: must be a boolean"},
        BadConfig{"EnabledString", Config(R"("access_log": {"enabled": "true"})"),
                  "access_log.enabled: must be a boolean"},
        BadConfig{"RequireExpString", Config("", R"("require_exp": "false")"),
                  "issuers[0].require_exp: must be a boolean"},
        BadConfig{"AudiencesString", Config("", R"("audiences": "api")"),
                  "issuers[0].audiences: must be a non-empty array of strings"},
        BadConfig{"AudiencesEmpty", Config("", R"("audiences": [])"),
                  "issuers[0].audiences: must be a non-empty array of strings"},
        BadConfig{"AudienceEmptyString", Config("", R"("audiences": ["api", ""])"),
                  "issuers[0].audiences[1]: must be a non-empty string"},
        BadConfig{"AudienceNumber", Config("", R"("audiences": ["api", 1])"),
                  "issuers[0].audiences[1]: must be a non-empty string"},
        BadConfig{"IssuerNumber", R"({"issuers": [{"issuer": 1}]})",
                  "issuers[0].issuer: must be a non-empty string"},
        BadConfig{"IssuerEmpty", R"({"issuers": [{"issuer": ""}]})",
                  "issuers[0].issuer: must be a non-empty string"},
        BadConfig{"TypEmpty", Config("", R"("typ": "")"),
                  "issuers[0].typ: must be a non-empty string"},
        BadConfig{"RequiredClaimsString", Config("", R"("required_claims": "sub")"),
                  "issuers[0].required_claims: must be an array of strings"},
        BadConfig{"JwksFileNul",
                  R"({"issuers": [{"issuer": "https://a.example", "jwks_file": "a\u0000b"}]})",
                  "issuers[0].jwks_file: must not contain NUL characters"},
        BadConfig{"ListenString", Config(R"("listen": "127.0.0.1:80")"),
                  "listen: must be a non-empty array of strings"},
        BadConfig{"ListenEmpty", Config(R"("listen": [])"),
                  "listen: must be a non-empty array of strings"},
        BadConfig{"CacheNotObject", Config(R"("cache": [])"), "cache: must be an object"},
        BadConfig{"ClientsNotArray", Config(R"("clients": {})"), "clients: must be an array"},
        BadConfig{"BearerNotObject", Config(R"("bearer_callers": true)"),
                  "bearer_callers: must be an object"},
        BadConfig{"DenylistLogEmpty", Config(R"("denylist": {"log": ""})"),
                  "denylist.log: must be a non-empty string"},
        BadConfig{"AccessLogPathNumber", Config(R"("access_log": {"path": 2})"),
                  "access_log.path: must be a non-empty string"},
        BadConfig{"ClientSecretNumber", Config(R"("clients": [{"id": "c", "secret_hash": 1}])"),
                  "clients[0].secret_hash: must be a string"}),
    TestName);

INSTANTIATE_TEST_SUITE_P(
    Ranges, ConfigRejectTest,
    testing::Values(BadConfig{"WorkersTooMany", Config(R"("workers": 257)"),
                              "workers: must be between 0 and 256"},
                    BadConfig{"WorkersNegative", Config(R"("workers": -1)"),
                              "workers: must be between 0 and 256"},
                    BadConfig{"LeewayNegative", Config("", R"("leeway_seconds": -1)"),
                              "issuers[0].leeway_seconds: must be between 0 and 3600"},
                    BadConfig{"LeewayTooLarge", Config("", R"("leeway_seconds": 3601)"),
                              "issuers[0].leeway_seconds: must be between 0 and 3600"},
                    BadConfig{"MaxTokenBytesTooSmall", Config("", R"("max_token_bytes": 255)"),
                              "issuers[0].max_token_bytes: must be between 256 and 1048576"},
                    BadConfig{"MaxTokenBytesTooLarge", Config("", R"("max_token_bytes": 1048577)"),
                              "issuers[0].max_token_bytes: must be between 256 and 1048576"},
                    BadConfig{"CacheMaxEntriesZero", Config(R"("cache": {"max_entries": 0})"),
                              "cache.max_entries: must be between 1 and 16777216"},
                    BadConfig{"CacheMaxBytesTooSmall", Config(R"("cache": {"max_bytes": 1048575})"),
                              "cache.max_bytes: must be between 1048576 and 17179869184"},
                    BadConfig{"CacheMaxBytesTooLarge",
                              Config(R"("cache": {"max_bytes": 17179869185})"),
                              "cache.max_bytes: must be between 1048576 and 17179869184"},
                    BadConfig{"DenylistCapacityTooSmall", Config(R"("denylist": {"capacity": 3})"),
                              "denylist.capacity: must be between 4 and 16777216"},
                    BadConfig{"MaxBodyZero", Config(R"("limits": {"max_body_bytes": 0})"),
                              "limits.max_body_bytes: must be between 1 and 16777216"},
                    BadConfig{"MaxBodyAboveInt64",
                              Config(R"("limits": {"max_body_bytes": 18446744073709551615})"),
                              "limits.max_body_bytes: must be between 1 and 16777216"},
                    // simdjson 3.0's DOM rejects integers beyond uint64 while parsing, before any
                    // field is read; still an error, just one that names a place, not a field.
                    BadConfig{"MaxBodyBeyondUint64",
                              Config(R"("limits": {"max_body_bytes": 18446744073709551616})"),
                              "config: invalid JSON at line 1, column 103: an integer beyond 64 "
                              "bits"}),
    TestName);

INSTANTIATE_TEST_SUITE_P(
    Duplicates, ConfigRejectTest,
    testing::Values(BadConfig{"DuplicateIssuer",
                              R"({"issuers": [)" + Issuer("https://a.example") + "," +
                                  Issuer("https://b.example") + "," + Issuer("https://a.example") +
                                  "]}",
                              "issuers[2].issuer: duplicate issuer \"https://a.example\""},
                    BadConfig{"DuplicateClientId",
                              Config(R"("clients": [)" + Client("gateway") + "," + Client("other") +
                                     "," + Client("gateway") + "]"),
                              "clients[2].id: duplicate id \"gateway\""},
                    BadConfig{"DuplicateListen",
                              Config(R"("listen": ["127.0.0.1:8080", "127.0.0.1:8080"])"),
                              "listen[1]: duplicate address \"127.0.0.1:8080\""}),
    TestName);

INSTANTIATE_TEST_SUITE_P(
    Algorithms, ConfigRejectTest,
    testing::Values(
        BadConfig{"None", Config("", R"("algorithms": ["ES256", "none"])"),
                  "issuers[0].algorithms[1]: algorithm \"none\" is never allowed (unsecured JWS)"},
        BadConfig{"NoneUpperCase", Config("", R"("algorithms": ["NONE"])"),
                  "issuers[0].algorithms[0]: algorithm \"NONE\" is never allowed (unsecured JWS)"},
        BadConfig{"Unknown", Config("", R"("algorithms": ["XS256"])"),
                  "issuers[0].algorithms[0]: unknown algorithm \"XS256\" (names are "
                  "case-sensitive, e.g. \"RS256\")"},
        BadConfig{"LowerCase", Config("", R"("algorithms": ["es256"])"),
                  "issuers[0].algorithms[0]: unknown algorithm \"es256\" (names are "
                  "case-sensitive, e.g. \"RS256\")"},
        BadConfig{"Empty", Config("", R"("algorithms": [])"),
                  "issuers[0].algorithms: must be a non-empty array of strings"},
        BadConfig{"NoKeyForAny", Config("", R"("algorithms": ["RS256", "PS256"])"),
                  "issuers[0].algorithms: no key in \"keys.jwks.json\" can verify RS256,PS256 "
                  "(the keys support ES256)"}),
    TestName);

std::string Listen(std::string_view address) {
  return Config(R"("listen": ["127.0.0.1:1", ")" + std::string(address) + "\"]");
}

INSTANTIATE_TEST_SUITE_P(
    Listen, ConfigRejectTest,
    testing::Values(
        BadConfig{"NoPort", Listen("127.0.0.1"),
                  "listen[1]: bad address \"127.0.0.1\": expected \"host:port\" (the port is "
                  "required)"},
        BadConfig{"HostName", Listen("localhost:8080"),
                  "listen[1]: bad address \"localhost:8080\": the host must be an IPv4 address or "
                  "a bracketed IPv6 address"},
        BadConfig{"EmptyHost", Listen(":8080"), "listen[1]: bad address \":8080\": the host", true},
        BadConfig{"BareIpv6", Listen("::1:8080"),
                  "listen[1]: bad address \"::1:8080\": an IPv6 address must be in brackets, "
                  "e.g. \"[::1]:8080\""},
        BadConfig{"BadIpv6", Listen("[::g]:80"),
                  "listen[1]: bad address \"[::g]:80\": the host is not an IPv6 address"},
        BadConfig{"Ipv6WithoutPort", Listen("[::1]"),
                  "listen[1]: bad address \"[::1]\": expected \"[IPv6 address]:port\""},
        BadConfig{"Ipv4InBrackets", Listen("[127.0.0.1]:80"),
                  "listen[1]: bad address \"[127.0.0.1]:80\": the host is not an IPv6 address"},
        BadConfig{"PortTooLarge", Listen("127.0.0.1:65536"),
                  "listen[1]: bad address \"127.0.0.1:65536\": the port must be a number from 0 "
                  "to 65535"},
        BadConfig{"PortSign", Listen("127.0.0.1:+80"),
                  "listen[1]: bad address \"127.0.0.1:+80\": the port", true},
        BadConfig{"PortEmpty", Listen("[::1]:"), "listen[1]: bad address \"[::1]:\": the port",
                  true},
        BadConfig{"PortLong", Listen("127.0.0.1:000080"),
                  "listen[1]: bad address \"127.0.0.1:000080\": the port", true}),
    TestName);

// --- admin: the admin routes' own listener ---------------------------------------------------

std::string Admin(std::string_view listen, std::string_view admin_listen) {
  return Config(R"("listen": [)" + std::string(listen) + R"(], "admin": {"listen": [)" +
                std::string(admin_listen) + "]}");
}

TEST(ConfigTest, AdminReadsItsAddresses) {
  absl::StatusOr<ServerConfig> config = Parse(Admin(R"("0.0.0.0:8080")", R"("127.0.0.1:9091",)"
                                                                         R"( "[::1]:9091")"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->admin.has_value());
  EXPECT_EQ(config->admin->listen, (std::vector<std::string>{"127.0.0.1:9091", "[::1]:9091"}));
  EXPECT_EQ(config->listen, std::vector<std::string>{"0.0.0.0:8080"});
  absl::StatusOr<ServerConfig> without = Parse(Config());
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_FALSE(without->admin.has_value());  // one listener for every route
}

// Ports that cannot meet: another port, port 0 (each socket picks its own), another family
// (IPv6 sockets are IPV6_V6ONLY), another host on the same port.
TEST(ConfigTest, AdminAcceptsAddressesThatTakeNoPublicPort) {
  for (const std::string& json : {
           Admin(R"("127.0.0.1:8080")", R"("127.0.0.1:8081")"),
           Admin(R"("127.0.0.1:0")", R"("127.0.0.1:0")"),
           Admin(R"("0.0.0.0:8080")", R"("[::1]:8080")"),
           Admin(R"("[::]:8080")", R"("127.0.0.1:8080")"),
           Admin(R"("127.0.0.1:8080")", R"("127.0.0.2:8080")"),
       }) {
    absl::StatusOr<ServerConfig> config = Parse(json);
    EXPECT_TRUE(config.ok()) << json << ": " << config.status();
  }
}

constexpr std::string_view kOwnAddress = ": the admin routes need an address of their own";

INSTANTIATE_TEST_SUITE_P(
    Admin, ConfigRejectTest,
    testing::Values(
        BadConfig{"SamePort", Admin(R"("127.0.0.1:8080")", R"("127.0.0.1:8080")"),
                  "admin.listen[0]: \"127.0.0.1:8080\" takes the port of listen[0] "
                  "\"127.0.0.1:8080\"" +
                      std::string(kOwnAddress)},
        // Every interface includes the loopback one, whichever side has it.
        BadConfig{"PublicOnEveryInterface",
                  Admin(R"("[::1]:1", "0.0.0.0:8080")", R"("127.0.0.1:9091", "127.0.0.1:8080")"),
                  "admin.listen[1]: \"127.0.0.1:8080\" takes the port of listen[1] "
                  "\"0.0.0.0:8080\"" +
                      std::string(kOwnAddress)},
        BadConfig{"AdminOnEveryInterface", Admin(R"("127.0.0.1:8080")", R"("0.0.0.0:8080")"),
                  "admin.listen[0]: \"0.0.0.0:8080\" takes the port of listen[0] "
                  "\"127.0.0.1:8080\"" +
                      std::string(kOwnAddress)},
        // One IPv6 host however it is spelt.
        BadConfig{"SameIpv6Host", Admin(R"("[::1]:8080")", R"("[0:0::1]:8080")"),
                  "admin.listen[0]: \"[0:0::1]:8080\" takes the port of listen[0] "
                  "\"[::1]:8080\"" +
                      std::string(kOwnAddress)},
        // The default listen counts too.
        BadConfig{"DefaultListen", Config(R"("admin": {"listen": ["127.0.0.1:8080"]})"),
                  "admin.listen[0]: \"127.0.0.1:8080\" takes the port of listen[0] "
                  "\"127.0.0.1:8080\"" +
                      std::string(kOwnAddress)},
        // admin.listen is read by the rules of the top-level listen.
        BadConfig{"HostName", Config(R"("admin": {"listen": ["localhost:9091"]})"),
                  "admin.listen[0]: bad address \"localhost:9091\": the host must be an IPv4 "
                  "address or a bracketed IPv6 address"},
        BadConfig{"BadPort", Config(R"("admin": {"listen": ["127.0.0.1:1", "127.0.0.1:99999"]})"),
                  "admin.listen[1]: bad address \"127.0.0.1:99999\": the port must be a number "
                  "from 0 to 65535"},
        BadConfig{"Duplicate", Config(R"("admin": {"listen": ["127.0.0.1:1", "127.0.0.1:1"]})"),
                  "admin.listen[1]: duplicate address \"127.0.0.1:1\""},
        BadConfig{"Empty", Config(R"("admin": {"listen": []})"),
                  "admin.listen: must be a non-empty array of strings"},
        BadConfig{"String", Config(R"("admin": {"listen": "127.0.0.1:9091"})"),
                  "admin.listen: must be a non-empty array of strings"},
        BadConfig{"NoListen", Config(R"("admin": {})"), "admin.listen: required field is missing"},
        BadConfig{"UnknownField",
                  Config(R"("admin": {"listen": ["127.0.0.1:9091"], "port": 9091})"),
                  "admin: unknown field \"port\""},
        BadConfig{"NotAnObject", Config(R"("admin": "127.0.0.1:9091")"),
                  "admin: must be an object"}),
    TestName);

std::string ClaimHeaders(std::string_view members) {
  return Config(R"("claim_headers": {)" + std::string(members) + "}");
}

INSTANTIATE_TEST_SUITE_P(
    ClaimHeaders, ConfigRejectTest,
    testing::Values(
        BadConfig{"Space", ClaimHeaders(R"("sub": "X Auth")"),
                  "claim_headers.sub: must be an HTTP header name (an RFC 9110 token)"},
        BadConfig{"CrLf", ClaimHeaders(R"("sub": "X-A\r\nSet-Cookie: a")"),
                  "claim_headers.sub: must be an HTTP header name (an RFC 9110 token)"},
        BadConfig{"Colon", ClaimHeaders(R"("sub": "X-A:")"),
                  "claim_headers.sub: must be an HTTP header name (an RFC 9110 token)"},
        BadConfig{"NonAscii", ClaimHeaders(R"("sub": "X-Ä")"),
                  "claim_headers.sub: must be an HTTP header name (an RFC 9110 token)"},
        BadConfig{"Empty", ClaimHeaders(R"("sub": "")"),
                  "claim_headers.sub: must be a non-empty string"},
        BadConfig{"Number", ClaimHeaders(R"("sub": 1)"),
                  "claim_headers.sub: must be a non-empty string"},
        BadConfig{"Framing", ClaimHeaders(R"("sub": "content-length")"),
                  "claim_headers.sub: \"content-length\" is set by the server"},
        BadConfig{"DuplicateHeader", ClaimHeaders(R"("sub": "X-A", "email": "x-a")"),
                  "claim_headers.email: header \"x-a\" is already used for claim \"sub\""},
        BadConfig{"DuplicateClaim", ClaimHeaders(R"("sub": "X-A", "sub": "X-B")"),
                  "claim_headers: duplicate field \"sub\""},
        BadConfig{"EmptyClaimName", ClaimHeaders(R"("": "X-A")"),
                  "claim_headers: claim names must be non-empty"},
        BadConfig{"OddClaimName", ClaimHeaders(R"("a b": "X A")"),
                  "claim_headers[\"a b\"]: must be an HTTP header name (an RFC 9110 token)"},
        BadConfig{"NotObject", Config(R"("claim_headers": ["sub"])"),
                  "claim_headers: must be an object"}),
    TestName);

std::string Jwks(std::string_view file) {
  return R"({"issuers": [{"issuer": "https://a.example", "jwks_file": ")" + std::string(file) +
         "\"}]}";
}

INSTANTIATE_TEST_SUITE_P(
    JwksFiles, ConfigRejectTest,
    testing::Values(
        BadConfig{"Missing", Jwks("missing.json"),
                  "issuers[0].jwks_file: cannot read \"missing.json\": No such file or directory"},
        BadConfig{"Directory", Jwks("keysdir"),
                  "issuers[0].jwks_file: cannot read \"keysdir\": is a directory"},
        BadConfig{"EmptyKeySet", Jwks("empty.jwks.json"),
                  "issuers[0].jwks_file: no usable keys in \"empty.jwks.json\""},
        BadConfig{"OnlyUnusableKeys", Jwks("weak.jwks.json"),
                  "issuers[0].jwks_file: no usable keys in \"weak.jwks.json\": key 0 (kid "
                  "\"bad\"): ",
                  true},
        BadConfig{"NotJson", Jwks("notjson.jwks.json"),
                  "issuers[0].jwks_file: \"notjson.jwks.json\": JWK Set is not valid JSON at "
                  "line 1, column 1: expected a value: an object, array, string, number, true, "
                  "false or null"}),
    TestName);

INSTANTIATE_TEST_SUITE_P(
    Clients, ConfigRejectTest,
    testing::Values(
        BadConfig{"IdColon", Config(R"("clients": [)" + Client("a:b") + "]"),
                  "clients[0].id: must not contain ':' (HTTP Basic credentials split there)"},
        BadConfig{"IdEmpty", Config(R"("clients": [)" + Client("") + "]"),
                  "clients[0].id: must be a non-empty string"},
        BadConfig{"IdControl", Config(R"("clients": [)" + Client(R"(a\u0001)") + "]"),
                  "clients[0].id: must not contain control characters"},
        BadConfig{"SecretShortSalt",
                  Config(R"("clients": [{"id": "c", "secret_hash": "sha256$)" + Encoded(15, 1) +
                         "$" + Encoded(32, 2) + "\"}]"),
                  "clients[0].secret_hash: salt must be at least 16 bytes, got 15"},
        BadConfig{"SecretPlainText",
                  Config(R"("clients": [{"id": "c", "secret_hash": "hunter2"}])"),
                  "clients[0].secret_hash: unknown secret hash scheme; expected "
                  "\"sha256$<salt>$<digest>\" or \"pbkdf2-sha256$<iterations>$<salt>$<digest>\""},
        BadConfig{"SecretLowIterations",
                  Config(R"("clients": [{"id": "c", "secret_hash": "pbkdf2-sha256$1000$)" +
                         Encoded(16, 1) + "$" + Encoded(32, 2) + "\"}]"),
                  "clients[0].secret_hash: pbkdf2-sha256 iterations must be a decimal integer "
                  "between 10000 and 10000000"},
        BadConfig{
            "IssuerNotConfigured",
            Config(R"("clients": [)" +
                   Client("c", R"("issuers": ["https://a.example", "https://z.example"])") + "]"),
            "clients[0].issuers[1]: \"https://z.example\" is not a configured issuer"},
        BadConfig{"IssuersEmpty", Config(R"("clients": [)" + Client("c", R"("issuers": [])") + "]"),
                  "clients[0].issuers: must be a non-empty array of strings"}),
    TestName);

INSTANTIATE_TEST_SUITE_P(
    BearerCallers, ConfigRejectTest,
    testing::Values(
        BadConfig{"IssuerNotConfigured",
                  Config(R"("bearer_callers": {"issuers": ["https://z.example"]})"),
                  "bearer_callers.issuers[0]: \"https://z.example\" is not a configured issuer"},
        BadConfig{"LimitIssuerNotConfigured",
                  Config(R"("bearer_callers": {"issuers": ["https://a.example"],)"
                         R"( "limit_issuers": ["https://a.example", "https://z.example"]})"),
                  "bearer_callers.limit_issuers[1]: \"https://z.example\" is not a configured "
                  "issuer"},
        BadConfig{"IssuersEmpty", Config(R"("bearer_callers": {"issuers": []})"),
                  "bearer_callers.issuers: must be a non-empty array of strings"},
        BadConfig{"ScopeWithSpace",
                  Config(R"("bearer_callers": {"issuers": ["https://a.example"],)"
                         R"( "scopes": ["a b"]})"),
                  "bearer_callers.scopes[0]: must be a scope token (printable ASCII without "
                  "spaces, '\"' or '\\')"}),
    TestName);

std::string Route(std::string_view rule) {
  return Config("", R"("route_scopes": [)" + std::string(rule) + "]");
}

INSTANTIATE_TEST_SUITE_P(
    RouteScopes, ConfigRejectTest,
    testing::Values(
        BadConfig{"NotObject", Route(R"("/admin")"),
                  "issuers[0].route_scopes[0]: must be an object"},
        BadConfig{"PrefixWithoutSlash", Route(R"({"path_prefix": "admin", "scopes": ["a"]})"),
                  "issuers[0].route_scopes[0].path_prefix: must start with '/'"},
        BadConfig{"PrefixWithQuery", Route(R"({"path_prefix": "/a?b", "scopes": ["a"]})"),
                  "issuers[0].route_scopes[0].path_prefix: must not contain '?', '#', spaces or "
                  "control characters"},
        BadConfig{
            "PrefixEncoded", Route(R"({"path_prefix": "/%61dmin", "scopes": ["a"]})"),
            "issuers[0].route_scopes[0].path_prefix: must be a normalized path: no '%', '\\', "
            "'//', '.' or '..' segments"},
        BadConfig{
            "PrefixDotDot", Route(R"({"path_prefix": "/public/../admin", "scopes": ["a"]})"),
            "issuers[0].route_scopes[0].path_prefix: must be a normalized path: no '%', '\\', "
            "'//', '.' or '..' segments"},
        BadConfig{
            "PrefixDot", Route(R"({"path_prefix": "/./admin", "scopes": ["a"]})"),
            "issuers[0].route_scopes[0].path_prefix: must be a normalized path: no '%', '\\', "
            "'//', '.' or '..' segments"},
        BadConfig{
            "PrefixDoubleSlash", Route(R"({"path_prefix": "//admin", "scopes": ["a"]})"),
            "issuers[0].route_scopes[0].path_prefix: must be a normalized path: no '%', '\\', "
            "'//', '.' or '..' segments"},
        BadConfig{
            "PrefixTrailingDot", Route(R"({"path_prefix": "/admin/.", "scopes": ["a"]})"),
            "issuers[0].route_scopes[0].path_prefix: must be a normalized path: no '%', '\\', "
            "'//', '.' or '..' segments"},
        BadConfig{
            "PrefixBackslash", Route(R"({"path_prefix": "/a\\\\b", "scopes": ["a"]})"),
            "issuers[0].route_scopes[0].path_prefix: must be a normalized path: no '%', '\\', "
            "'//', '.' or '..' segments"},
        BadConfig{"BadMethod", Route(R"({"method": "PO ST", "path_prefix": "/", "scopes": ["a"]})"),
                  "issuers[0].route_scopes[0].method: must be an HTTP method token, e.g. "
                  "\"POST\""},
        BadConfig{"EmptyMethod", Route(R"({"method": "", "path_prefix": "/", "scopes": ["a"]})"),
                  "issuers[0].route_scopes[0].method: must be a non-empty string"},
        BadConfig{"EmptyScopes", Route(R"({"path_prefix": "/", "scopes": []})"),
                  "issuers[0].route_scopes[0].scopes: must be a non-empty array of strings"},
        BadConfig{"ScopeWithQuote", Route(R"({"path_prefix": "/", "scopes": ["a\"b"]})"),
                  "issuers[0].route_scopes[0].scopes[0]: must be a scope token (printable ASCII "
                  "without spaces, '\"' or '\\')"},
        BadConfig{"RequiredScopeWithSpace", Config("", R"("required_scopes": ["read write"])"),
                  "issuers[0].required_scopes[0]: must be a scope token (printable ASCII "
                  "without spaces, '\"' or '\\')"}),
    TestName);

// --- sender-constrained tokens (issue 21) ----------------------------------------------------

TEST(ConfigTest, DpopDefaultsAllowItWithTheRfcWindow) {
  absl::StatusOr<ServerConfig> config = Parse(Config());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->issuers[0].dpop, DpopMode::kAllowed);
  EXPECT_EQ(config->dpop.max_age_seconds, 60);
  EXPECT_EQ(config->dpop.algorithms, DpopAlgorithms());
  EXPECT_FALSE(config->dpop.nonce);
  EXPECT_EQ(config->dpop.nonce_secret.size(), 32u);            // random, for this process alone
  EXPECT_EQ(config->dpop.replay, DpopConfig::Replay::kLocal);  // no `redis` to share through
  EXPECT_FALSE(config->client_certificate.has_value());
}

// With `redis`, proofs are spent across the instances by default, and a Redis that cannot
// answer refuses the proof (a replay elsewhere cannot be ruled out) unless told otherwise.
TEST(ConfigTest, DpopReplayIsSharedThroughRedisByDefault) {
  const std::string redis =
      R"("denylist": {"log": "r.log"}, "redis": {"url": "redis://cache.example"})";
  absl::StatusOr<ServerConfig> config = Parse(Config(redis));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->dpop.replay, DpopConfig::Replay::kShared);
  for (const auto& [name, mode] : std::vector<std::pair<std::string, DpopConfig::Replay>>{
           {"local", DpopConfig::Replay::kLocal},
           {"shared", DpopConfig::Replay::kShared},
           {"shared_or_local", DpopConfig::Replay::kSharedOrLocal}}) {
    config = Parse(Config(redis + R"(, "dpop": {"replay": ")" + name + R"("})"));
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->dpop.replay, mode) << name;
  }
  config = Parse(Config(R"("dpop": {"replay": "shared"})"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Message(config).find("dpop.replay: a shared replay check needs `redis`"),
            std::string::npos)
      << Message(config);
  config = Parse(Config(redis + R"(, "dpop": {"replay": "everywhere"})"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Message(config).find(R"("local", "shared" or "shared_or_local")"), std::string::npos)
      << Message(config);
}

TEST(ConfigTest, DpopAndClientCertificateFields) {
  absl::StatusOr<ServerConfig> config = Parse(Config(
      R"("dpop": {"algorithms": ["ES256", "EdDSA"], "max_age_seconds": 30,
                  "max_future_seconds": 5, "leeway_seconds": 2, "replay_cache_entries": 4096,
                  "nonce": true, "nonce_lifetime_seconds": 120},
         "client_certificate": {"header": "X-Forwarded-Client-Cert", "format": "xfcc"})",
      R"("dpop": "required",
         "route_scopes": [{"path_prefix": "/public", "dpop": "off"}])"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->dpop.algorithms.ToString(), "ES256,EdDSA");
  EXPECT_EQ(config->dpop.max_age_seconds, 30);
  EXPECT_EQ(config->dpop.max_future_seconds, 5);
  EXPECT_EQ(config->dpop.leeway_seconds, 2);
  EXPECT_EQ(config->dpop.replay_cache_entries, 4096u);
  EXPECT_TRUE(config->dpop.nonce);
  EXPECT_EQ(config->dpop.nonce_lifetime_seconds, 120u);
  ASSERT_TRUE(config->client_certificate.has_value());
  EXPECT_EQ(config->client_certificate->header, "X-Forwarded-Client-Cert");
  EXPECT_EQ(config->client_certificate->format, ClientCertificateConfig::Format::kXfcc);
  EXPECT_EQ(config->issuers[0].dpop, DpopMode::kRequired);
  ASSERT_EQ(config->issuers[0].route_scopes.size(), 1u);
  EXPECT_EQ(config->issuers[0].route_scopes[0].dpop, DpopMode::kOff);
  EXPECT_TRUE(config->issuers[0].route_scopes[0].scopes.empty());
}

TEST(ConfigTest, DpopRefusals) {
  for (const auto& [json, message] : std::vector<std::pair<std::string, std::string>>{
           {Config(R"("dpop": {"algorithms": ["HS256"]})"), "not an asymmetric"},
           {Config(R"("dpop": {"algorithms": ["none"]})"), "not an asymmetric"},
           {Config(R"("dpop": {"max_age_seconds": 0})"), "max_age_seconds"},
           {Config(R"("dpop": {"replay_cache_entries": 10})"), "replay_cache_entries"},
           {Config(R"("dpop": {"nonce_secret": "inline"})"), "unknown"},
           {Config(R"("dpop": {"color": 1})"), "unknown"},
           {Config("", R"("dpop": "sometimes")"), "\"off\", \"allowed\" or \"required\""},
           {Config("", R"("route_scopes": [{"path_prefix": "/a"}])"), "scopes"},
           {Config(R"("client_certificate": {"format": "pem"})"), "header"},
           {Config(R"("client_certificate": {"header": "X Bad"})"), "header name"},
           {Config(R"("client_certificate": {"header": "X-C", "format": "der"})"), "xfcc"}}) {
    absl::StatusOr<ServerConfig> config = Parse(json);
    ASSERT_FALSE(config.ok()) << json;
    EXPECT_NE(Message(config).find(message), std::string::npos) << Message(config);
  }
}

// --- logout at the edge (issue 22) --------------------------------------------------------

TEST(ConfigTest, LogoutAndAttributeRevocationFields) {
  absl::StatusOr<ServerConfig> config = Parse(Config(
      R"("backchannel_logout": {"path": "/oidc/logout", "max_age_seconds": 120},
         "clients": [{"id": "ops", "secret_hash": ")" +
          HashSecret("s", 0) + R"(", "revoke_by_attribute": true}])",
      R"("max_token_lifetime_seconds": 3600,
         "backchannel_logout": {"client_ids": ["rp-1", "rp-2"], "revoke": "subject"})"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->issuers[0].backchannel_logout->by_subject);
  EXPECT_EQ(config->backchannel_logout.path, "/oidc/logout");
  EXPECT_EQ(config->backchannel_logout.max_age_seconds, 120);
  EXPECT_EQ(config->issuers[0].max_token_lifetime_seconds, 3600);
  ASSERT_TRUE(config->issuers[0].backchannel_logout.has_value());
  EXPECT_EQ(config->issuers[0].backchannel_logout->client_ids,
            (std::vector<std::string>{"rp-1", "rp-2"}));
  EXPECT_TRUE(config->clients[0].revoke_by_attribute);
  // Defaults: a day, no logouts accepted, the standard path.
  config = Parse(Config());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->issuers[0].max_token_lifetime_seconds, 86400);
  EXPECT_FALSE(config->issuers[0].backchannel_logout.has_value());
  EXPECT_EQ(config->backchannel_logout.path, "/backchannel-logout");
}

TEST(ConfigTest, LogoutRefusals) {
  const std::string hash = HashSecret("s", 0);
  for (const auto& [json, message] : std::vector<std::pair<std::string, std::string>>{
           {Config("", R"("backchannel_logout": {})"), "client_ids"},
           {Config("", R"("backchannel_logout": {"client_ids": []})"), "client_ids"},
           {Config("", R"("backchannel_logout": {"client_ids": ["a"], "revoke": "all"})"),
            "\"session\" or \"subject\""},
           {Config("", R"("max_token_lifetime_seconds": 10)"), "max_token_lifetime_seconds"},
           {Config(R"("backchannel_logout": {"path": "/validate"})"), "another endpoint"},
           {Config(R"("backchannel_logout": {"path": "/validate/x"})"), "another endpoint"},
           {Config(R"("backchannel_logout": {"path": "logout"})"), "starting with '/'"},
           {Config(R"("backchannel_logout": {"path": "/a?b"})"), "without query"},
           {Config(R"("backchannel_logout": {"max_age_seconds": 1})"), "max_age_seconds"},
           {Config(R"("clients": [{"id": "ops", "secret_hash": ")" + hash +
                   R"(", "audiences": ["api"], "revoke_by_attribute": true}])"),
            "cannot go with audiences"}}) {
    absl::StatusOr<ServerConfig> config = Parse(json);
    ASSERT_FALSE(config.ok()) << json;
    EXPECT_NE(Message(config).find(message), std::string::npos) << Message(config);
  }
}

}  // namespace
}  // namespace tokenwarden::server
