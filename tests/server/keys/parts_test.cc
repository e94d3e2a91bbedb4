// The pure pieces of the key lifecycle: discovery documents, freshness from Cache-Control /
// Expires / Date, and the backoff schedule.
#include <gtest/gtest.h>

#include "server/keys/backoff.h"
#include "server/keys/discovery.h"
#include "server/keys/freshness.h"

namespace tokenwarden::server::keys {
namespace {

TEST(DiscoveryTest, UrlNeverDoublesTheSlash) {
  EXPECT_EQ(DiscoveryUrl("https://op.example"),
            "https://op.example/.well-known/openid-configuration");
  EXPECT_EQ(DiscoveryUrl("https://op.example/realms/x/"),
            "https://op.example/realms/x/.well-known/openid-configuration");
}

TEST(DiscoveryTest, TakesJwksUriAndIntrospectionEndpoint) {
  absl::StatusOr<DiscoveryDocument> doc =
      ParseDiscovery(R"({"issuer":"https://op.example","jwks_uri":"https://op.example/jwks",)"
                     R"("introspection_endpoint":"https://op.example/introspect","x":[1,2]})",
                     "https://op.example", false);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->jwks_uri, "https://op.example/jwks");
  EXPECT_EQ(doc->introspection_endpoint, "https://op.example/introspect");
  doc = ParseDiscovery(R"({"issuer":"https://op.example","jwks_uri":"https://op.example/j"})",
                       "https://op.example", false);
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->introspection_endpoint.empty());
}

TEST(DiscoveryTest, Refuses) {
  const struct {
    const char* json;
    const char* why;
  } cases[] = {
      {R"({"issuer":"https://op.example/","jwks_uri":"https://op.example/j"})", "is not the"},
      {R"({"issuer":"https://evil.example","jwks_uri":"https://op.example/j"})", "is not the"},
      {R"({"jwks_uri":"https://op.example/j"})", "no issuer"},
      {R"({"issuer":"https://op.example"})", "no jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"http://op.example/j"})", "jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"https://op.example/j",)"
       R"("introspection_endpoint":7})",
       "introspection_endpoint"},
      {R"([1])", "not a JSON object"},
      {R"({"issuer":)", "not a JSON object"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<DiscoveryDocument> doc = ParseDiscovery(c.json, "https://op.example", false);
    ASSERT_FALSE(doc.ok()) << c.json;
    EXPECT_NE(std::string(doc.status().message()).find(c.why), std::string::npos) << doc.status();
  }
  EXPECT_TRUE(ParseDiscovery(R"({"issuer":"https://op.example","jwks_uri":"http://op.example/j"})",
                             "https://op.example", /*allow_plain_http=*/true)
                  .ok());
  EXPECT_FALSE(ParseDiscovery(std::string(300 * 1024, ' '), "https://op.example", false).ok());
}

TEST(FreshnessTest, ParsesImfFixdate) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT").has_value());
}

TEST(FreshnessTest, CacheControlThenExpiresThenNothing) {
  const int64_t now = 784111777;
  EXPECT_EQ(FreshnessSeconds("public, max-age=600", std::nullopt, std::nullopt, now), 600);
  EXPECT_EQ(FreshnessSeconds("max-age=\"60\"", std::nullopt, std::nullopt, now), 60);
  EXPECT_EQ(FreshnessSeconds("no-store", std::nullopt, std::nullopt, now), 0);
  EXPECT_EQ(FreshnessSeconds("max-age=600, no-cache", std::nullopt, std::nullopt, now), 0);
  EXPECT_EQ(FreshnessSeconds("max-age=0", std::nullopt, std::nullopt, now), 0);
  // max-age wins over Expires (RFC 9111 §4.2.1).
  EXPECT_EQ(FreshnessSeconds("max-age=10", "Sun, 06 Nov 1994 09:49:37 GMT", std::nullopt, now), 10);
  // Expires relative to Date, else to the local clock.
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT",
                             "Sun, 06 Nov 1994 09:39:37 GMT", now),
            600);
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT", std::nullopt, now),
            3600);
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "0", std::nullopt, now), 0);  // invalid: expired
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 07:49:37 GMT", std::nullopt, now), 0);
  EXPECT_FALSE(FreshnessSeconds("public", std::nullopt, std::nullopt, now).has_value());
  EXPECT_FALSE(FreshnessSeconds(std::nullopt, std::nullopt, std::nullopt, now).has_value());
  EXPECT_GT(*FreshnessSeconds("max-age=99999999999999999999999", std::nullopt, std::nullopt, now),
            int64_t{1} << 40);
}

TEST(BackoffTest, GrowsCapsAndJitters) {
  EXPECT_EQ(BackoffMs(1, 1000, 60000, 0.0), 500);
  EXPECT_EQ(BackoffMs(1, 1000, 60000, 0.999999), 999);
  EXPECT_EQ(BackoffMs(2, 1000, 60000, 0.0), 1000);
  EXPECT_EQ(BackoffMs(4, 1000, 60000, 0.0), 4000);
  EXPECT_EQ(BackoffMs(30, 1000, 60000, 0.0), 30000);
  EXPECT_LE(BackoffMs(30, 1000, 60000, 0.99), 60000);
  for (int failures = 1; failures < 40; ++failures) {
    const int64_t base = std::min<int64_t>(60000, int64_t{1000} << std::min(failures - 1, 20));
    for (double unit : {0.0, 0.3, 0.7, 0.999}) {
      const int64_t wait = BackoffMs(failures, 1000, 60000, unit);
      EXPECT_GE(wait, base / 2);
      EXPECT_LE(wait, base);
    }
  }
}

}  // namespace
}  // namespace tokenwarden::server::keys
