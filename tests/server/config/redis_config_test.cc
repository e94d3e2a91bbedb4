// The `redis` object: the URL (ParseRedisUrl), the password from a file or the environment,
// TLS options, key prefix, timeouts, and the rule that Redis needs denylist.log.
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

constexpr std::string_view kUrl = R"("url":"redis://cache.example")";

class RedisConfigTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "tw_redis_config_" + std::to_string(getpid()) + "_" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    Write("keys.jwks.json", kJwks);
    Write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Write("password.txt", "s3cr:et+\n");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  void Write(const std::string& name, std::string_view contents) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << contents;
  }
  // Parse parses a configuration whose `redis` object has `members`, with denylist.log set
  // unless `root` is given (then `root` holds the other root members, "" for none).
  absl::StatusOr<ServerConfig> Parse(std::string_view members) {
    return ParseWithRoot(members, R"("denylist":{"log":"revocations.log"})");
  }
  absl::StatusOr<ServerConfig> ParseWithRoot(std::string_view members, std::string_view root) {
    std::string json =
        R"({"issuers":[{"issuer":"https://op.example","jwks_file":"keys.jwks.json"}],)"
        R"("redis":{)" +
        std::string(members) + "}";
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

TEST_F(RedisConfigTest, AbsentMeansSingleInstance) {
  absl::StatusOr<ServerConfig> config = ParseConfig(
      R"({"issuers":[{"issuer":"https://op.example","jwks_file":"keys.jwks.json"}]})", dir_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->redis.has_value());
}

TEST_F(RedisConfigTest, Defaults) {
  absl::StatusOr<ServerConfig> config = Parse(kUrl);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->redis.has_value());
  const RedisConfig& redis = *config->redis;
  EXPECT_EQ(redis.url, "redis://cache.example");
  EXPECT_EQ(redis.host, "cache.example");
  EXPECT_EQ(redis.port, 6379);
  EXPECT_EQ(redis.db, 0);
  EXPECT_FALSE(redis.tls);
  EXPECT_EQ(redis.username, "");
  EXPECT_EQ(redis.password, "");
  EXPECT_EQ(redis.ca_file, "");
  EXPECT_EQ(redis.key_prefix, "tokenwarden:");
  EXPECT_EQ(redis.connect_timeout_ms, 2000u);
  EXPECT_EQ(redis.command_timeout_ms, 1000u);
  EXPECT_EQ(redis.reconnect_min_ms, 100u);
  EXPECT_EQ(redis.reconnect_max_ms, 5000u);
  EXPECT_TRUE(redis.share_opaque_results);
  EXPECT_EQ(config->denylist.log_path, dir_ + "/revocations.log");
}

TEST_F(RedisConfigTest, EveryMember) {
  absl::StatusOr<ServerConfig> config =
      Parse(R"("url":"rediss://redis.internal:6380/3","username":"tw",)"
            R"("password_file":"password.txt","ca_file":"ca.pem","key_prefix":"app:tw:",)"
            R"("connect_timeout_ms":10,"command_timeout_ms":60000,"reconnect_min_ms":60000,)"
            R"("reconnect_max_ms":600000,"share_opaque_results":false)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->redis.has_value());
  const RedisConfig& redis = *config->redis;
  EXPECT_EQ(redis.url, "rediss://redis.internal:6380/3");
  EXPECT_EQ(redis.host, "redis.internal");
  EXPECT_EQ(redis.port, 6380);
  EXPECT_EQ(redis.db, 3);
  EXPECT_TRUE(redis.tls);
  EXPECT_EQ(redis.username, "tw");
  EXPECT_EQ(redis.password, "s3cr:et+");  // the newline dropped
  EXPECT_EQ(redis.ca_file, dir_ + "/ca.pem");
  EXPECT_EQ(redis.key_prefix, "app:tw:");
  EXPECT_EQ(redis.connect_timeout_ms, 10u);
  EXPECT_EQ(redis.command_timeout_ms, 60000u);
  EXPECT_EQ(redis.reconnect_min_ms, 60000u);
  EXPECT_EQ(redis.reconnect_max_ms, 600000u);
  EXPECT_FALSE(redis.share_opaque_results);
}

struct GoodUrl {
  std::string_view url;
  std::string_view host;
  uint16_t port;
  int db;
  bool tls;
};

TEST_F(RedisConfigTest, ParsesUrls) {
  const GoodUrl cases[] = {
      {"redis://h", "h", 6379, 0, false},
      {"redis://cache.example:6380", "cache.example", 6380, 0, false},
      {"redis://cache.example/5", "cache.example", 6379, 5, false},
      {"redis://cache.example/", "cache.example", 6379, 0, false},
      {"redis://cache.example:7000/2/", "cache.example", 7000, 2, false},
      {"redis://my_host-1.example:1/0", "my_host-1.example", 1, 0, false},
      {"redis://10.0.0.7:65535/1048576", "10.0.0.7", 65535, 1 << 20, false},
      {"rediss://cache.example", "cache.example", 6379, 0, true},
      {"rediss://cache.example:6390/15", "cache.example", 6390, 15, true},
      {"redis://[::1]", "::1", 6379, 0, false},
      {"redis://[::1]/4", "::1", 6379, 4, false},
      {"rediss://[2001:db8::5]:6390/7", "2001:db8::5", 6390, 7, true},
      {"redis://[::ffff:10.0.0.1]:6000", "::ffff:10.0.0.1", 6000, 0, false},
  };
  for (const GoodUrl& c : cases) {
    RedisConfig out;
    absl::Status status = ParseRedisUrl(c.url, out);
    ASSERT_TRUE(status.ok()) << c.url << ": " << status;
    EXPECT_EQ(out.host, c.host) << c.url;
    EXPECT_EQ(out.port, c.port) << c.url;
    EXPECT_EQ(out.db, c.db) << c.url;
    EXPECT_EQ(out.tls, c.tls) << c.url;

    // Through the configuration, too.
    absl::StatusOr<ServerConfig> config = Parse(R"("url":")" + std::string(c.url) + "\"");
    ASSERT_TRUE(config.ok()) << c.url << ": " << config.status();
    EXPECT_EQ(config->redis->url, c.url);
    EXPECT_EQ(config->redis->host, c.host) << c.url;
    EXPECT_EQ(config->redis->port, c.port) << c.url;
    EXPECT_EQ(config->redis->db, c.db) << c.url;
    EXPECT_EQ(config->redis->tls, c.tls) << c.url;
  }
}

TEST_F(RedisConfigTest, ParseRedisUrlResetsEarlierValues) {
  RedisConfig out;
  ASSERT_TRUE(ParseRedisUrl("rediss://a.example:1234/9", out).ok());
  ASSERT_TRUE(ParseRedisUrl("redis://b.example", out).ok());
  EXPECT_EQ(out.host, "b.example");
  EXPECT_EQ(out.port, 6379);
  EXPECT_EQ(out.db, 0);
  EXPECT_FALSE(out.tls);
}

struct BadUrl {
  std::string url;
  std::string_view problem;  // ParseRedisUrl's message; the configuration prefixes "redis.url: "
};

constexpr std::string_view kCredentials =
    "must not hold credentials: give the password in password_file or password_env and the "
    "user in username";
constexpr std::string_view kScheme = "must start with redis:// or rediss:// (TLS)";
constexpr std::string_view kHost = "needs a host name or address";
constexpr std::string_view kPort = "the port must be a number in [1, 65535]";
constexpr std::string_view kDb = "the path must be a database number (e.g. /0)";

TEST_F(RedisConfigTest, RejectsUrlsWithTheFieldNamed) {
  const BadUrl cases[] = {
      // Userinfo: the password would sit in the configuration (and in the URL it echoes).
      {"redis://:hunter2@cache.example", kCredentials},
      {"redis://tw:hunter2@cache.example:6379/0", kCredentials},
      {"redis://tw@cache.example", kCredentials},
      {"rediss://:hunter2@cache.example", kCredentials},
      // Schemes.
      {"http://cache.example", kScheme},
      {"REDIS://cache.example", kScheme},
      {"redis:/cache.example", kScheme},
      {"cache.example:6379", kScheme},
      {"unix:///run/redis.sock", kScheme},
      // Ports.
      {"redis://cache.example:0", kPort},
      {"redis://cache.example:65536", kPort},
      {"redis://cache.example:99999999999", kPort},
      {"redis://cache.example:http", kPort},
      {"redis://cache.example:63a79", kPort},
      {"redis://cache.example:-1", kPort},
      {"redis://cache.example:+80", kPort},
      {"redis://cache.example: 80", kPort},
      {"redis://cache.example:", kPort},
      {"redis://cache.example:6379:1", kPort},
      {"redis://[::1]:0", kPort},
      {"redis://[::1]:", kPort},
      {"redis://[::1]:x", kPort},
      // Databases.
      {"redis://cache.example/-1", kDb},
      {"redis://cache.example/x", kDb},
      {"redis://cache.example/1048577", kDb},
      {"redis://cache.example/99999999999", kDb},
      {"redis://cache.example/1.0", kDb},
      {"redis://cache.example/0x1", kDb},
      {"redis://cache.example/+1", kDb},
      // Trailing junk.
      {"redis://cache.example/0/extra", kDb},
      {"redis://cache.example/0 ", kDb},
      {"redis://cache.example:6379x", kPort},
      {"redis://cache.example?db=1", "query and fragment parts are not supported"},
      {"redis://cache.example/0#top", "query and fragment parts are not supported"},
      {"redis://[::1]x", "unexpected text after the IPv6 address"},
      {"redis://[::1]6379", "unexpected text after the IPv6 address"},
      // Hosts.
      {"redis://", kHost},
      {"rediss://", kHost},
      {"redis://:6379", kHost},
      {"redis:///0", kHost},
      {"redis://cache example", kHost},
      {"redis://cache%2eexample", kHost},
      {"redis://::1", kHost},  // IPv6 needs brackets
      {"redis://" + std::string(254, 'a'), kHost},
      {"redis://[::1", "unclosed '[' in the host"},
      {"redis://[]", "the bracketed host is not an IPv6 address"},
      {"redis://[127.0.0.1]", "the bracketed host is not an IPv6 address"},
      {"redis://[cache.example]", "the bracketed host is not an IPv6 address"},
      {"redis://[::1%eth0]", "the bracketed host is not an IPv6 address"},
  };
  for (const BadUrl& c : cases) {
    RedisConfig out;
    absl::Status status = ParseRedisUrl(c.url, out);
    ASSERT_FALSE(status.ok()) << c.url;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_EQ(std::string(status.message()), c.problem) << c.url;

    absl::StatusOr<ServerConfig> config = Parse(R"("url":")" + c.url + "\"");
    ASSERT_FALSE(config.ok()) << c.url;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_EQ(Message(config), "redis.url: " + std::string(c.problem)) << c.url;
    EXPECT_EQ(Message(config).find("hunter2"), std::string::npos) << Message(config);
  }
}

TEST_F(RedisConfigTest, LongestHostNameIsAccepted) {
  const std::string host(253, 'a');
  RedisConfig out;
  ASSERT_TRUE(ParseRedisUrl("redis://" + host, out).ok());
  EXPECT_EQ(out.host, host);
}

TEST_F(RedisConfigTest, UrlMustBeANonEmptyString) {
  for (const std::string_view url : {R"("url":"")", R"("url":6379)", R"("url":null)"}) {
    absl::StatusOr<ServerConfig> config = Parse(url);
    ASSERT_FALSE(config.ok()) << url;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << url;
    // Regression: the field path used to appear twice ("redis.url: redis.url: ...").
    EXPECT_EQ(Message(config), "redis.url: must be a non-empty string");
  }
}

TEST_F(RedisConfigTest, PasswordFromAFile) {
  struct Case {
    std::string_view contents;
    std::string_view password;
  };
  const Case cases[] = {
      {"s3cr:et+\n", "s3cr:et+"},       {"s3cr:et+", "s3cr:et+"},
      {"s3cr:et+\r\n", "s3cr:et+"},     {"s3cr:et+\n\n\r\n", "s3cr:et+"},
      {" spaced pw \n", " spaced pw "},  // only line ends are dropped
  };
  for (const Case& c : cases) {
    Write("pw.txt", c.contents);
    absl::StatusOr<ServerConfig> config = Parse(std::string(kUrl) + R"(,"password_file":"pw.txt")");
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->redis->password, c.password);
    EXPECT_EQ(config->redis->username, "");
  }
  // An absolute path is used as it is.
  absl::StatusOr<ServerConfig> config =
      Parse(std::string(kUrl) + R"(,"password_file":")" + dir_ + R"(/password.txt")");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis->password, "s3cr:et+");
}

TEST_F(RedisConfigTest, PasswordFromTheEnvironment) {
  setenv("TW_TEST_REDIS_PASSWORD", "from-env", 1);
  absl::StatusOr<ServerConfig> config =
      Parse(std::string(kUrl) + R"(,"username":"tw","password_env":"TW_TEST_REDIS_PASSWORD")");
  unsetenv("TW_TEST_REDIS_PASSWORD");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis->password, "from-env");
  EXPECT_EQ(config->redis->username, "tw");
}

TEST_F(RedisConfigTest, CaFileWithTls) {
  absl::StatusOr<ServerConfig> config =
      Parse(R"("url":"rediss://cache.example","ca_file":"ca.pem")");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis->ca_file, dir_ + "/ca.pem");
  config = Parse(R"("url":"rediss://cache.example","ca_file":"/etc/ssl/redis-ca.pem")");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis->ca_file, "/etc/ssl/redis-ca.pem");
}

TEST_F(RedisConfigTest, KeyPrefix) {
  const std::string longest(64, 'p');
  for (const std::string& prefix :
       {std::string("app:tw:"), std::string("x"), longest, std::string("a-b_c.d{tag}/e:")}) {
    absl::StatusOr<ServerConfig> config =
        Parse(std::string(kUrl) + R"(,"key_prefix":")" + prefix + "\"");
    ASSERT_TRUE(config.ok()) << prefix << ": " << config.status();
    EXPECT_EQ(config->redis->key_prefix, prefix);
  }
}

TEST_F(RedisConfigTest, TimeoutBounds) {
  absl::StatusOr<ServerConfig> config =
      Parse(std::string(kUrl) +
            R"(,"connect_timeout_ms":60000,"command_timeout_ms":10,"reconnect_min_ms":10,)"
            R"("reconnect_max_ms":10)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis->connect_timeout_ms, 60000u);
  EXPECT_EQ(config->redis->command_timeout_ms, 10u);
  EXPECT_EQ(config->redis->reconnect_min_ms, 10u);  // min == max is fine
  EXPECT_EQ(config->redis->reconnect_max_ms, 10u);
}

struct Rejected {
  const char* name;
  std::string members;
  std::string message;
};

TEST_F(RedisConfigTest, RejectsWithTheFieldNamed) {
  Write("two-lines.txt", "line-one-secret\nline-two\n");
  Write("empty.txt", "");
  Write("newlines.txt", "\n\r\n");
  Write("big.txt", std::string(5000, 'x'));
  setenv("TW_TEST_REDIS_BOTH", "from-env", 1);
  setenv("TW_TEST_REDIS_EMPTY", "", 1);
  const std::string url(kUrl);
  const std::string timeout10k = "must be between 10 and 60000";
  const Rejected cases[] = {
      {"no url", R"("key_prefix":"tw:")", "redis.url: required field is missing"},
      {"unknown member", url + R"(,"db":1)", "redis: unknown field \"db\""},
      {"duplicate member", url + R"(,"url":"redis://other.example")",
       "redis: duplicate field \"url\""},
      {"password inline", url + R"(,"password":"hunter2")",
       "redis.password: secrets are not kept in the configuration: use password_file or "
       "password_env"},
      {"password inline, empty", url + R"(,"password":"")",
       "redis.password: secrets are not kept in the configuration: use password_file or "
       "password_env"},
      {"both secrets",
       url + R"(,"password_file":"password.txt","password_env":"TW_TEST_REDIS_BOTH")",
       "redis: give at most one of password_file and password_env"},
      {"both secrets, env first",
       url + R"(,"password_env":"TW_TEST_REDIS_BOTH","password_file":"password.txt")",
       "redis: give at most one of password_file and password_env"},
      {"username without password", url + R"(,"username":"tw")",
       "redis: username needs password_file or password_env"},
      {"missing password file", url + R"(,"password_file":"nope.txt")",
       "redis.password_file: cannot read \"nope.txt\": No such file or directory"},
      {"password file is a folder", url + R"(,"password_file":".")",
       "redis.password_file: cannot read \".\": is a directory"},
      {"password file of two lines", url + R"(,"password_file":"two-lines.txt")",
       "redis.password_file: \"two-lines.txt\" must hold the secret on one line"},
      {"empty password file", url + R"(,"password_file":"empty.txt")",
       "redis.password_file: \"empty.txt\" must hold the secret on one line"},
      {"password file of line ends", url + R"(,"password_file":"newlines.txt")",
       "redis.password_file: \"newlines.txt\" must hold the secret on one line"},
      {"password file too big", url + R"(,"password_file":"big.txt")",
       "redis.password_file: cannot read \"big.txt\": larger than 4096 bytes"},
      {"password_file not a string", url + R"(,"password_file":1)",
       "redis.password_file: must be a non-empty string"},
      {"unset env", url + R"(,"password_env":"TW_TEST_REDIS_SURELY_UNSET")",
       "redis.password_env: environment variable \"TW_TEST_REDIS_SURELY_UNSET\" is not set or "
       "empty"},
      {"empty env", url + R"(,"password_env":"TW_TEST_REDIS_EMPTY")",
       "redis.password_env: environment variable \"TW_TEST_REDIS_EMPTY\" is not set or empty"},
      {"ca_file without tls", url + R"(,"ca_file":"ca.pem")",
       "redis.ca_file: applies to rediss:// URLs only"},
      {"ca_file before a plain url", R"("ca_file":"ca.pem",)" + url,
       "redis.ca_file: applies to rediss:// URLs only"},
      {"empty ca_file", R"("url":"rediss://cache.example","ca_file":"")",
       "redis.ca_file: must be a non-empty string"},
      {"key_prefix too long", url + R"(,"key_prefix":")" + std::string(65, 'p') + "\"",
       "redis.key_prefix: must be at most 64 characters without spaces or *?[]\\"},
      {"empty key_prefix", url + R"(,"key_prefix":"")",
       "redis.key_prefix: must be a non-empty string"},
      {"key_prefix not a string", url + R"(,"key_prefix":7)",
       "redis.key_prefix: must be a non-empty string"},
      {"connect_timeout_ms 9", url + R"(,"connect_timeout_ms":9)",
       "redis.connect_timeout_ms: " + timeout10k},
      {"connect_timeout_ms 60001", url + R"(,"connect_timeout_ms":60001)",
       "redis.connect_timeout_ms: " + timeout10k},
      {"connect_timeout_ms fraction", url + R"(,"connect_timeout_ms":100.5)",
       "redis.connect_timeout_ms: must be an integer between 10 and 60000"},
      {"connect_timeout_ms string", url + R"(,"connect_timeout_ms":"100")",
       "redis.connect_timeout_ms: must be an integer between 10 and 60000"},
      {"command_timeout_ms 9", url + R"(,"command_timeout_ms":9)",
       "redis.command_timeout_ms: " + timeout10k},
      {"command_timeout_ms 60001", url + R"(,"command_timeout_ms":60001)",
       "redis.command_timeout_ms: " + timeout10k},
      {"command_timeout_ms negative", url + R"(,"command_timeout_ms":-1000)",
       "redis.command_timeout_ms: " + timeout10k},
      {"reconnect_min_ms 9", url + R"(,"reconnect_min_ms":9)",
       "redis.reconnect_min_ms: " + timeout10k},
      {"reconnect_min_ms 60001", url + R"(,"reconnect_min_ms":60001,"reconnect_max_ms":600000)",
       "redis.reconnect_min_ms: " + timeout10k},
      {"reconnect_max_ms 9", url + R"(,"reconnect_max_ms":9)",
       "redis.reconnect_max_ms: must be between 10 and 600000"},
      {"reconnect_max_ms 600001", url + R"(,"reconnect_max_ms":600001)",
       "redis.reconnect_max_ms: must be between 10 and 600000"},
      {"reconnect_max_ms huge", url + R"(,"reconnect_max_ms":18446744073709551615)",
       "redis.reconnect_max_ms: must be between 10 and 600000"},
      {"reconnect min above max", url + R"(,"reconnect_min_ms":2000,"reconnect_max_ms":1999)",
       "redis.reconnect_min_ms: must not exceed reconnect_max_ms"},
      {"reconnect min above the default max", url + R"(,"reconnect_min_ms":5001)",
       "redis.reconnect_min_ms: must not exceed reconnect_max_ms"},
      {"reconnect max below the default min", url + R"(,"reconnect_max_ms":99)",
       "redis.reconnect_min_ms: must not exceed reconnect_max_ms"},
      {"share_opaque_results string", url + R"(,"share_opaque_results":"false")",
       "redis.share_opaque_results: must be a boolean"},
      {"share_opaque_results number", url + R"(,"share_opaque_results":0)",
       "redis.share_opaque_results: must be a boolean"},
      {"username not a string", url + R"(,"username":true)",
       "redis.username: must be a non-empty string"},
  };
  for (const Rejected& c : cases) {
    absl::StatusOr<ServerConfig> config = Parse(c.members);
    ASSERT_FALSE(config.ok()) << c.name;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_TRUE(Message(config).starts_with(c.message)) << c.name << ": " << Message(config);
    EXPECT_EQ(Message(config).find("hunter2"), std::string::npos) << Message(config);
    EXPECT_EQ(Message(config).find("line-one-secret"), std::string::npos) << Message(config);
    EXPECT_EQ(Message(config).find("from-env"), std::string::npos) << Message(config);
  }
  unsetenv("TW_TEST_REDIS_BOTH");
  unsetenv("TW_TEST_REDIS_EMPTY");

  absl::StatusOr<ServerConfig> config =
      ParseConfig(R"({"issuers":[{"issuer":"https://op.example","jwks_file":"keys.jwks.json"}],)"
                  R"("denylist":{"log":"revocations.log"},"redis":"redis://cache.example"})",
                  dir_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config), "redis: must be an object");
}

TEST_F(RedisConfigTest, KeyPrefixRefusesPatternAndSpaceCharacters) {
  for (const std::string_view c : {" ", "*", "?", "[", "]", "\\\\", "\\t", "\\r", "\\n"}) {
    const std::string members = std::string(kUrl) + R"(,"key_prefix":"tw)" + std::string(c) + ":\"";
    absl::StatusOr<ServerConfig> config = Parse(members);
    ASSERT_FALSE(config.ok()) << members;
    EXPECT_EQ(Message(config),
              "redis.key_prefix: must be at most 64 characters without spaces or *?[]\\")
        << members;
  }
}

TEST_F(RedisConfigTest, NeedsTheDenylistLog) {
  const std::string message =
      "redis: needs denylist.log: revocations accepted while Redis is unreachable are kept "
      "there until they reach it";
  for (const std::string_view root : {std::string_view(""), std::string_view(R"("denylist":{})"),
                                      std::string_view(R"("denylist":{"capacity":128})")}) {
    absl::StatusOr<ServerConfig> config = ParseWithRoot(kUrl, root);
    ASSERT_FALSE(config.ok()) << root;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << root;
    EXPECT_EQ(Message(config), message) << root;
  }
  // The order of the root members does not matter.
  absl::StatusOr<ServerConfig> config =
      ParseConfig(R"({"denylist":{"log":"/var/lib/tw/rev.log"},"redis":{"url":"redis://h"},)"
                  R"("issuers":[{"issuer":"https://op.example","jwks_file":"keys.jwks.json"}]})",
                  dir_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->denylist.log_path, "/var/lib/tw/rev.log");
  EXPECT_EQ(config->redis->host, "h");
}

}  // namespace
}  // namespace tokenwarden::server
