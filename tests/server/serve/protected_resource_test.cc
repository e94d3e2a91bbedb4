// RFC 9728 in `serve`: which protected resource a forwarded request belongs to (the
// resource_metadata of its challenges, §5.1), which one a metadata request asks for (§3.1),
// and the metadata document (§2, §3.2). The resources are read by the configuration reader,
// so the metadata URLs are the ones the server derives.
#include "server/serve/protected_resource.h"

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "server/config/config.h"
#include "server/serve/routes.h"
#include "tests/source_path.h"

namespace tokenwarden::server {
namespace {

// Resources reads `list` as the protected_resources of a configuration whose issuers are
// the two authorization servers of RFC 9728's §3.2 example (with examples/serve's keys).
std::vector<ProtectedResourceConfig> Resources(std::string_view list) {
  const std::string keys = SourcePath("examples/serve/issuer.jwks.json");
  absl::StatusOr<ServerConfig> config =
      ParseConfig(R"({"issuers": [{"issuer": "https://as1.example.com", "jwks_file": ")" + keys +
                      R"("},)"
                      R"({"issuer": "https://as2.example.net", "jwks_file": ")" +
                      keys +
                      R"("}],)"
                      R"("protected_resources": )" +
                      std::string(list) + "}",
                  "");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? std::move(config->protected_resources)
                     : std::vector<ProtectedResourceConfig>();
}

// Original is the original request a /validate call with `headers` stands for.
OriginalRequest Original(std::vector<std::pair<std::string_view, std::string_view>> headers,
                         std::string_view path = "/validate") {
  static thread_local std::vector<http::HeaderField> fields;
  fields.clear();
  for (const auto& [name, value] : headers) {
    fields.push_back(http::HeaderField{name, value});
  }
  http::Request request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  request.headers = fields;
  return OriginalOf(request);
}

// Forwarded is what Traefik sends for a request to `url` (scheme://host + path).
OriginalRequest Forwarded(std::string_view scheme, std::string_view host, std::string_view uri) {
  return Original({{"X-Forwarded-Proto", scheme},
                   {"X-Forwarded-Host", host},
                   {"X-Forwarded-Uri", uri},
                   {"Host", "tokenwarden:8080"}});
}

// Chosen returns the `resource` of what ResourceOfRequest chose, "" for none.
std::string Chosen(const std::vector<ProtectedResourceConfig>& resources,
                   const OriginalRequest& original) {
  const ProtectedResourceConfig* r = ResourceOfRequest(resources, original);
  return r == nullptr ? "" : r->resource;
}

// ForwardedCase is a request the gateway forwards (scheme, host, URI) and the resource it
// belongs to ("" for none).
struct ForwardedCase {
  std::string name;
  std::string scheme;
  std::string host;
  std::string uri;
  std::string resource;
};

void PrintTo(const ForwardedCase& c, std::ostream* os) { *os << c.name; }

class ResourceOfRequestTest : public testing::TestWithParam<ForwardedCase> {};

TEST_P(ResourceOfRequestTest, ChoosesTheLongestPrefixOnTheSameOrigin) {
  static const std::vector<ProtectedResourceConfig>* const resources =
      new std::vector<ProtectedResourceConfig>(Resources(R"([
          {"resource": "https://api.example.com"},
          {"resource": "https://api.example.com/mcp"},
          {"resource": "https://api.example.com/mcp/admin/"},
          {"resource": "https://other.example.com/mcp"},
          {"resource": "https://Shop.Example.com/cart"},
          {"resource": "https://api.example.com:8443/alt"},
          {"resource": "https://[::1]:9443/v6"}])"));
  ASSERT_EQ(resources->size(), 7u);
  const ForwardedCase& c = GetParam();
  EXPECT_EQ(Chosen(*resources, Forwarded(c.scheme, c.host, c.uri)), c.resource);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResourceOfRequestTest,
    testing::Values(
        ForwardedCase{"Exact", "https", "api.example.com", "/mcp", "https://api.example.com/mcp"},
        ForwardedCase{"Below", "https", "api.example.com", "/mcp/tools?x=1",
                      "https://api.example.com/mcp"},
        ForwardedCase{"Longest", "https", "api.example.com", "/mcp/admin/users",
                      "https://api.example.com/mcp/admin/"},
        // "/mcp/admin/" holds only what is below it; "/mcp" holds "/mcp/admin".
        ForwardedCase{"TrailingSlash", "https", "api.example.com", "/mcp/admin",
                      "https://api.example.com/mcp"},
        // Not at a '/' boundary: /mcpx is not below /mcp.
        ForwardedCase{"SlashBoundary", "https", "api.example.com", "/mcpx",
                      "https://api.example.com"},
        ForwardedCase{"Root", "https", "api.example.com", "/", "https://api.example.com"},
        ForwardedCase{"OtherHost", "https", "other.example.com", "/mcp/x",
                      "https://other.example.com/mcp"},
        ForwardedCase{"OtherHostOtherPath", "https", "other.example.com", "/else", ""},
        ForwardedCase{"UnknownHost", "https", "third.example.com", "/mcp", ""},
        // Scheme and host compare as URLs do: case, and the default port.
        ForwardedCase{"HostCase", "HTTPS", "shop.EXAMPLE.com", "/cart",
                      "https://Shop.Example.com/cart"},
        ForwardedCase{"DefaultPort", "https", "shop.example.com:443", "/cart/1",
                      "https://Shop.Example.com/cart"},
        ForwardedCase{"OtherPort", "https", "api.example.com:8443", "/alt/1",
                      "https://api.example.com:8443/alt"},
        ForwardedCase{"PortMissing", "https", "shop.example.com:8443", "/cart", ""},
        ForwardedCase{"Ipv6", "https", "[::1]:9443", "/v6/a", "https://[::1]:9443/v6"},
        ForwardedCase{"Ipv6OtherPort", "https", "[::1]", "/v6/a", ""},
        ForwardedCase{"BadPort", "https", "api.example.com:99999", "/mcp", ""},
        // The path is compared byte for byte, as forwarded.
        ForwardedCase{"PathCase", "https", "shop.example.com", "/CART", ""},
        // A request that arrived over plain http is not the https resource.
        ForwardedCase{"PlainHttp", "http", "api.example.com", "/mcp", ""}),
    [](const testing::TestParamInfo<ForwardedCase>& p) { return p.param.name; });

TEST(ProtectedResourceTest, AnUnknownUrlFallsBackToTheOnlyResource) {
  const std::vector<ProtectedResourceConfig> one =
      Resources(R"([{"resource": "https://api.example.com/mcp"}])");
  const std::vector<ProtectedResourceConfig> two = Resources(
      R"([{"resource": "https://api.example.com/mcp"}, {"resource": "https://b.example"}])");
  // nginx's auth_request as the README configures it: the path, but no scheme.
  const OriginalRequest nginx =
      Original({{"X-Original-URI", "/mcp/tools"}, {"Host", "127.0.0.1:8080"}});
  ASSERT_FALSE(nginx.Url().has_value());
  EXPECT_EQ(Chosen(one, nginx), "https://api.example.com/mcp");
  EXPECT_EQ(Chosen(two, nginx), "");
  // A known URL of another resource is not this one, even when it is the only one.
  EXPECT_EQ(Chosen(one, Forwarded("https", "elsewhere.example", "/mcp")), "");
  // A host given twice leaves the URL unknown: no guess between the two.
  const OriginalRequest twice = Original({{"X-Forwarded-Proto", "https"},
                                          {"X-Forwarded-Host", "api.example.com"},
                                          {"X-Forwarded-Host", "b.example"},
                                          {"X-Forwarded-Uri", "/mcp"}});
  EXPECT_EQ(Chosen(one, twice), "https://api.example.com/mcp");
  EXPECT_EQ(Chosen(two, twice), "");
  EXPECT_EQ(Chosen({}, nginx), "");
}

TEST(ProtectedResourceTest, FindsTheMetadataByPath) {
  const std::vector<ProtectedResourceConfig> r = Resources(R"([
      {"resource": "https://api.example.com"},
      {"resource": "https://api.example.com/mcp"}])");
  const OriginalRequest any = Original({{"Host", "tokenwarden:8080"}});
  MetadataLookup found = ResourceAtMetadataPath(r, "/.well-known/oauth-protected-resource", any);
  ASSERT_NE(found.resource, nullptr);
  EXPECT_EQ(found.resource->resource, "https://api.example.com");
  found = ResourceAtMetadataPath(r, "/.well-known/oauth-protected-resource/mcp", any);
  ASSERT_NE(found.resource, nullptr);
  EXPECT_EQ(found.resource->resource, "https://api.example.com/mcp");
  for (std::string_view path :
       {"/.well-known/oauth-protected-resource/mcp/", "/.well-known/oauth-protected-resource/MCP",
        "/.well-known/oauth-protected-resource/other", "/.well-known/oauth-protected-resourcex"}) {
    found = ResourceAtMetadataPath(r, path, any);
    EXPECT_EQ(found.resource, nullptr) << path;
    EXPECT_FALSE(found.ambiguous) << path;
  }
}

TEST(ProtectedResourceTest, TheHostChoosesAmongOriginsAtOnePath) {
  const std::vector<ProtectedResourceConfig> r = Resources(R"([
      {"resource": "https://a.example/mcp"},
      {"resource": "https://b.example/mcp"},
      {"resource": "https://b.example:8443/mcp"}])");
  constexpr std::string_view kPath = "/.well-known/oauth-protected-resource/mcp";
  const auto chosen = [&](std::vector<std::pair<std::string_view, std::string_view>> headers) {
    const MetadataLookup found = ResourceAtMetadataPath(r, kPath, Original(headers, kPath));
    return found.ambiguous             ? std::string("ambiguous")
           : found.resource == nullptr ? std::string("none")
                                       : found.resource->resource;
  };
  EXPECT_EQ(chosen({{"Host", "a.example"}}), "https://a.example/mcp");
  EXPECT_EQ(chosen({{"Host", "B.Example:443"}}), "https://b.example/mcp");
  EXPECT_EQ(chosen({{"Host", "b.example:8443"}}), "https://b.example:8443/mcp");
  // X-Forwarded-Host is the client's host behind a gateway; Host is then the gateway's hop.
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "b.example"}, {"Host", "a.example"}}),
            "https://b.example/mcp");
  EXPECT_EQ(chosen({{"Host", "c.example"}}), "none");
  EXPECT_EQ(chosen({}), "ambiguous");
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "a.example, b.example"}}), "ambiguous");
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "a.example"}, {"X-Forwarded-Host", "b.example"}}),
            "ambiguous");
  // A host that is no host[:port] names no resource.
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "a.example/x"}}), "none");
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "a.example:99999"}}), "none");
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "a.example:"}}), "none");
  EXPECT_EQ(chosen({{"X-Forwarded-Host", "[::1"}}), "none");
}

TEST(ProtectedResourceTest, RendersRfc9728Example) {
  // RFC 9728 §3.2's example, as tokenwarden publishes it: bearer tokens in the header only,
  // and the DPoP members (every asymmetric algorithm the core verifies, by default).
  const std::vector<ProtectedResourceConfig> r = Resources(R"([{
      "resource": "https://resource.example.com",
      "authorization_servers": ["https://as1.example.com", "https://as2.example.net"],
      "scopes_supported": ["profile", "email", "phone"],
      "resource_documentation": "https://resource.example.com/resource_documentation.html"}])");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(MetadataJson(r[0]),
            R"({"resource":"https://resource.example.com",)"
            R"("authorization_servers":["https://as1.example.com","https://as2.example.net"],)"
            R"("scopes_supported":["profile","email","phone"],)"
            R"("bearer_methods_supported":["header"],)"
            R"("resource_documentation":)"
            R"("https://resource.example.com/resource_documentation.html",)"
            R"("dpop_signing_alg_values_supported":["RS256","RS384","RS512","PS256","PS384",)"
            R"("PS512","ES256","ES384","ES512","EdDSA","Ed25519"],)"
            R"("dpop_bound_access_tokens_required":false})");
}

TEST(ProtectedResourceTest, RendersEveryMemberEscaped) {
  const std::vector<ProtectedResourceConfig> r = Resources(R"([{
      "resource": "https://api.example.com/mcp",
      "authorization_servers": ["https://as2.example.net"],
      "resource_name": "Orders \"API\"\\\n\u00e9",
      "resource_documentation": "https://api.example.com/doc",
      "resource_policy_uri": "https://api.example.com/policy",
      "resource_tos_uri": "https://api.example.com/tos",
      "dpop_bound_access_tokens_required": true,
      "dpop_signing_alg_values_supported": ["EdDSA", "ES256"]}])");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(MetadataJson(r[0]),
            "{\"resource\":\"https://api.example.com/mcp\","
            "\"authorization_servers\":[\"https://as2.example.net\"],"
            "\"bearer_methods_supported\":[\"header\"],"
            "\"resource_name\":\"Orders \\\"API\\\"\\\\\\n\xc3\xa9\","
            "\"resource_documentation\":\"https://api.example.com/doc\","
            "\"resource_policy_uri\":\"https://api.example.com/policy\","
            "\"resource_tos_uri\":\"https://api.example.com/tos\","
            "\"dpop_signing_alg_values_supported\":[\"ES256\",\"EdDSA\",\"Ed25519\"],"
            "\"dpop_bound_access_tokens_required\":true}");
}

TEST(ProtectedResourceTest, RoutesTheWellKnownPathAndWhatFollowsIt) {
  for (std::string_view path :
       {"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/",
        "/.well-known/oauth-protected-resource/mcp/x"}) {
    EXPECT_EQ(Routes::RouteOf(path), Route::kResourceMetadata) << path;
  }
  for (std::string_view path :
       {"/.well-known/oauth-protected-resourcex", "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration", "/.well-known"}) {
    EXPECT_EQ(Routes::RouteOf(path), Route::kOther) << path;
  }
}

}  // namespace
}  // namespace tokenwarden::server
