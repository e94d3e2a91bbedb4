// OpenID Connect Discovery: the metadata URL of an issuer, and which documents are taken —
// only the configured issuer's own (byte for byte), with a usable https:// jwks_uri.
#include "server/keys/discovery.h"

#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "base/str_cat.h"

namespace tokenwarden::server::keys {
namespace {

constexpr char kIssuer[] = "https://op.example";

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
                     kIssuer, false);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->jwks_uri, "https://op.example/jwks");
  EXPECT_EQ(doc->introspection_endpoint, "https://op.example/introspect");
  doc = ParseDiscovery(R"({"issuer":"https://op.example","jwks_uri":"https://op.example/j"})",
                       kIssuer, false);
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->introspection_endpoint.empty());
}

TEST(DiscoveryTest, ARevocationEndpointIsTakenWhenUsable) {
  constexpr std::string_view kHead =
      R"({"issuer":"https://op.example","jwks_uri":"https://op.example/jwks")";
  // StrCat, not std::string + literal: GCC 12 at -O3 misreads that inlined append as out of
  // bounds (-Warray-bounds), which broke the release preset.
  absl::StatusOr<DiscoveryDocument> doc =
      ParseDiscovery(base::StrCat(kHead, R"(,"revocation_endpoint":"https://op.example/revoke"})"),
                     kIssuer, false);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->revocation_endpoint, "https://op.example/revoke");
  // Only forwarded revocations (off by default) use it: one that cannot be used is left out,
  // and the keys still come.
  for (const char* bad : {R"("http://op.example/revoke")", "7", R"("/revoke")"}) {
    doc =
        ParseDiscovery(base::StrCat(kHead, R"(,"revocation_endpoint":)", bad, "}"), kIssuer, false);
    ASSERT_TRUE(doc.ok()) << bad << ": " << doc.status();
    EXPECT_TRUE(doc->revocation_endpoint.empty()) << bad;
    EXPECT_EQ(doc->jwks_uri, "https://op.example/jwks");
  }
}

TEST(DiscoveryTest, TheKeysMayLiveOnAnotherHost) {
  // Providers serve keys from a CDN or a separate domain; only the scheme is checked.
  absl::StatusOr<DiscoveryDocument> doc = ParseDiscovery(
      R"({"issuer":"https://op.example","jwks_uri":"https://keys.cdn.example:8443/o/k.json"})",
      kIssuer, false);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->jwks_uri, "https://keys.cdn.example:8443/o/k.json");
}

TEST(DiscoveryTest, SaysWhenOnlyATrailingSlashDiffers) {
  // Both spellings fetch the same document, so this message is where a user learns which one
  // the provider uses; both directions are named.
  const std::string with_slash = std::string(
      ParseDiscovery(R"({"issuer":"https://op.example/","jwks_uri":"https://j.example"})", kIssuer,
                     false)
          .status()
          .message());
  EXPECT_NE(with_slash.find("issuer mismatch: discovery says \"https://op.example/\", which is "
                            "not the configured issuer \"https://op.example\""),
            std::string::npos)
      << with_slash;
  EXPECT_NE(with_slash.find("only by a trailing slash: configure \"https://op.example/\""),
            std::string::npos)
      << with_slash;
  const std::string without_slash = std::string(
      ParseDiscovery(R"({"issuer":"https://op.example","jwks_uri":"https://j.example"})",
                     "https://op.example/", false)
          .status()
          .message());
  EXPECT_NE(without_slash.find("only by a trailing slash: configure \"https://op.example\""),
            std::string::npos)
      << without_slash;
  // Another issuer altogether is not called a slash difference, and a control character the
  // network sent is escaped, never written to a terminal.
  const std::string other = std::string(
      ParseDiscovery(
          R"({"issuer":"https://op.example.evil\u001b[2J","jwks_uri":"https://j.example"})",
          kIssuer, false)
          .status()
          .message());
  EXPECT_EQ(other.find("trailing slash"), std::string::npos) << other;
  EXPECT_NE(other.find("must be identical"), std::string::npos) << other;
  EXPECT_EQ(other.find('\x1b'), std::string::npos) << other;
  EXPECT_NE(other.find("\\u001b[2J"), std::string::npos) << other;
}

TEST(DiscoveryTest, NoJwksUriPointsAtAnIssuerWithoutKeys) {
  // OpenID Connect Discovery 1.0 §3 requires jwks_uri; a provider that publishes only an
  // introspection endpoint is configured without discovery (an issuer without keys).
  absl::StatusOr<DiscoveryDocument> doc = ParseDiscovery(
      R"({"issuer":"https://op.example","introspection_endpoint":"https://op.example/i"})", kIssuer,
      false);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(std::string(doc.status().message()),
            "discovery document: no jwks_uri (an issuer without keys leaves out discovery and "
            "names introspection.endpoint)");
}

TEST(DiscoveryTest, Refuses) {
  const struct {
    const char* json;
    const char* why;
  } cases[] = {
      // §4.3: the issuer must be the configured one exactly — not with a trailing slash, not
      // in another case, not another issuer altogether.
      {R"({"issuer":"https://op.example/","jwks_uri":"https://op.example/j"})", "is not the"},
      {R"({"issuer":"https://OP.example","jwks_uri":"https://op.example/j"})", "is not the"},
      {R"({"issuer":"https://evil.example","jwks_uri":"https://op.example/j"})", "is not the"},
      {R"({"jwks_uri":"https://op.example/j"})", "no issuer"},
      {R"({"issuer":["https://op.example"],"jwks_uri":"https://op.example/j"})", "no issuer"},
      {R"({"issuer":"https://op.example"})", "no jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":null})", "no jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"http://op.example/j"})", "jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"https://"})", "jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"https:///j"})", "jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"/jwks"})", "jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"file:///etc/passwd"})", "jwks_uri"},
      {R"({"issuer":"https://op.example","jwks_uri":"https://op.example/j",)"
       R"("introspection_endpoint":7})",
       "introspection_endpoint"},
      {R"({"issuer":"https://op.example","jwks_uri":"https://op.example/j",)"
       R"("introspection_endpoint":"http://op.example/i"})",
       "introspection_endpoint"},
      {R"([1])", "not a JSON object"},
      {R"("https://op.example")", "not a JSON object"},
      {R"({"issuer":)", "not a JSON object"},
      {"", "not a JSON object"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<DiscoveryDocument> doc = ParseDiscovery(c.json, kIssuer, false);
    ASSERT_FALSE(doc.ok()) << c.json;
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(std::string(doc.status().message()).find(c.why), std::string::npos) << doc.status();
  }
}

TEST(DiscoveryTest, PlainHttpOnlyWhenAllowed) {
  const char* json = R"({"issuer":"http://127.0.0.1:8080","jwks_uri":"http://127.0.0.1:8080/j",)"
                     R"("introspection_endpoint":"http://127.0.0.1:8080/i"})";
  EXPECT_FALSE(ParseDiscovery(json, "http://127.0.0.1:8080", false).ok());
  absl::StatusOr<DiscoveryDocument> doc =
      ParseDiscovery(json, "http://127.0.0.1:8080", /*allow_plain_http=*/true);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->introspection_endpoint, "http://127.0.0.1:8080/i");
}

TEST(DiscoveryTest, BoundsTheDocument) {
  // 256 KiB of metadata is plenty (real documents are a few KiB); padding counts.
  const std::string head = R"({"issuer":"https://op.example","jwks_uri":"https://op.example/j"})";
  EXPECT_TRUE(
      ParseDiscovery(head + std::string(256 * 1024 - head.size(), ' '), kIssuer, false).ok());
  absl::StatusOr<DiscoveryDocument> over =
      ParseDiscovery(head + std::string(256 * 1024 - head.size() + 1, ' '), kIssuer, false);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(std::string(over.status().message()).find("256 KiB"), std::string::npos);
}

TEST(DiscoveryTest, ErrorsQuoteABoundedIssuer) {
  // A hostile document's issuer is echoed into logs and /readyz: at most 256 bytes of it.
  const std::string huge(100000, 'x');
  absl::StatusOr<DiscoveryDocument> doc = ParseDiscovery(
      R"({"issuer":")" + huge + R"(","jwks_uri":"https://op.example/j"})", kIssuer, false);
  ASSERT_FALSE(doc.ok());
  // 256 bytes of it, and the fixed text around (the mismatch explained) stays under 256 more.
  EXPECT_LT(doc.status().message().size(), 512u);
}

}  // namespace
}  // namespace tokenwarden::server::keys
