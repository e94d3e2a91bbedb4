// Provider profiles (server/config/provider_profile.h): what each one sets, that an issuer's
// own fields replace it, and the provider-specific mistakes each one refuses with a reason.
#include "server/config/provider_profile.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "core/algorithm.h"
#include "server/config/config.h"
#include "tests/source_path.h"

namespace tokenwarden::server {
namespace {

// An RSA public key (RS256 is all the Okta, Entra ID, Cognito and Google profiles allow).
constexpr std::string_view kRsaJwks =
    R"({"keys":[{"kty":"RSA","kid":"rsa-1","use":"sig","e":"AQAB","n":"0yCblQBRkXuJ2AV6ZAEG)"
    R"(k9TEFtVIRgVmA4ebuAgIqx_UIY2GAbZplMve_K0PowOKY_7y7p49kf54be9aRvOVSaUk5an9Fh22vX3JAMVoXC)"
    R"(ZwMxBYvWFW_BHhIO4bzyGHtSH90io2F_SG9ReBGAbmcNSXE8bSmkWlGbDVSdR7umntaGIae7fJmWHEIVpEmTpGH)"
    R"(ezhGeV6EqdwQdW9cnwTujc6aEAZ8HQwa5T76s-WylEIMxxp9a_rnS_V4iZkS1-ApOA1A8R1xlN-Kg4BvQBQSfO)"
    R"(omss86Qtv7YxC0_TtuPPuYiwx0NRTVbd-PPcom2XgFZZA1hVg__Sx_oEnuefgnQ"}]})";

const std::string& Dir() {
  static const std::string* const dir = [] {
    auto* d = new std::string(testing::TempDir() + "tokenwarden_profile_test_" +
                              std::to_string(getpid()));
    std::filesystem::create_directories(*d);
    std::ofstream(*d + "/rsa.jwks.json") << kRsaJwks;
    return d;
  }();
  return *dir;
}

// Issuer parses a configuration with one issuer: `issuer`, the RSA key file, and `extra`.
absl::StatusOr<ServerConfig> Issuer(std::string_view issuer, std::string_view extra) {
  std::string json =
      R"({"issuers":[{"issuer":")" + std::string(issuer) + R"(","jwks_file":"rsa.jwks.json")";
  if (!extra.empty()) {
    json += ",";
    json += extra;
  }
  return ParseConfig(json + "}]}", Dir());
}

std::string Message(const absl::StatusOr<ServerConfig>& config) {
  return std::string(config.status().message());
}

std::vector<std::string> Headers(const IssuerConfig& issuer) {
  std::vector<std::string> out;
  for (const ClaimHeader& h : issuer.claim_headers) {
    out.push_back(h.claim + "=" + h.header);
  }
  return out;
}

AlgorithmSet Rs256() {
  AlgorithmSet set;
  set.Add(Algorithm::kRs256);
  return set;
}

TEST(ProviderProfileTest, EveryProfileIsListedOnceAndFound) {
  std::vector<std::string> names;
  for (const ProviderProfile& p : ProviderProfiles()) {
    EXPECT_EQ(FindProviderProfile(p.name), &p);
    EXPECT_EQ(std::count(names.begin(), names.end(), p.name), 0) << p.name;
    names.emplace_back(p.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"okta", "entra", "auth0", "cognito", "keycloak",
                                             "google", "identityserver", "telenorid-plus",
                                             "telenor-connect", "telenor-mobile-api"}));
  EXPECT_EQ(FindProviderProfile("Okta"), nullptr);
}

TEST(ProviderProfileTest, Okta) {
  absl::StatusOr<ServerConfig> c = Issuer("https://dev-1.okta.com/oauth2/default",
                                          R"("profile":"okta","audiences":["api://default"])");
  ASSERT_TRUE(c.ok()) << c.status();
  const IssuerConfig& i = c->issuers[0];
  EXPECT_EQ(i.profile, "okta");
  EXPECT_EQ(i.policy.algorithms, Rs256());
  EXPECT_EQ(Headers(i), std::vector<std::string>{"uid=X-Auth-User-Id"});
  EXPECT_FALSE(i.policy.type.has_value());  // Okta's access tokens carry no typ
}

TEST(ProviderProfileTest, OktaOrgServerIsRefusedWithTheReason) {
  absl::StatusOr<ServerConfig> c = Issuer("https://dev-1.okta.com", R"("profile":"okta")");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(Message(c),
            "issuers[0].profile: an Okta org authorization server's access tokens are only for "
            "Okta to validate: use a custom authorization server "
            "(https://{domain}/oauth2/default) or introspection");
}

TEST(ProviderProfileTest, Entra) {
  absl::StatusOr<ServerConfig> c =
      Issuer("https://login.microsoftonline.com/{tenantid}/v2.0",
             R"("profile":"entra","tenants":["72f988bf-86f1-41af-91ab-2d7cd011db47"])");
  ASSERT_TRUE(c.ok()) << c.status();
  const IssuerConfig& i = c->issuers[0];
  EXPECT_EQ(i.policy.algorithms, Rs256());
  EXPECT_EQ(i.policy.scope_claims, std::vector<std::string>{"roles"});
  EXPECT_EQ(i.policy.tenants, std::vector<std::string>{"72f988bf-86f1-41af-91ab-2d7cd011db47"});
  EXPECT_EQ(Headers(i), (std::vector<std::string>{"roles=X-Auth-Roles", "tid=X-Auth-Tenant-Id",
                                                  "oid=X-Auth-Object-Id"}));
  EXPECT_TRUE(Issuer("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
                     R"("profile":"entra")")
                  .ok());
  EXPECT_EQ(Message(Issuer("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47",
                           R"("profile":"entra")")),
            "issuers[0].profile: an Entra ID v1 issuer ends with '/': "
            "https://sts.windows.net/{tenant}/");
  EXPECT_EQ(Message(Issuer("https://login.microsoftonline.com/common", R"("profile":"entra")")),
            "issuers[0].profile: an Entra ID issuer is "
            "https://login.microsoftonline.com/{tenant}/v2.0 (v2 tokens) or "
            "https://sts.windows.net/{tenant}/ (v1 tokens)");
}

TEST(ProviderProfileTest, Auth0) {
  absl::StatusOr<ServerConfig> c =
      Issuer("https://acme.eu.auth0.com/", R"("profile":"auth0","audiences":["https://api"])");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->issuers[0].policy.scope_claims, std::vector<std::string>{"permissions"});
  EXPECT_TRUE(c->issuers[0].policy.algorithms.empty());  // RS256 or PS256: the keys decide
  EXPECT_EQ(Message(Issuer("https://acme.eu.auth0.com", R"("profile":"auth0")")),
            "issuers[0].profile: an Auth0 issuer ends with '/' (https://{tenant}.auth0.com/), "
            "and iss is compared exactly");
}

TEST(ProviderProfileTest, Cognito) {
  const std::string issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
  absl::StatusOr<ServerConfig> c =
      Issuer(issuer, R"("profile":"cognito","audiences":["3n4b5urk1ft4fl3mg5e62d9ado"])");
  ASSERT_TRUE(c.ok()) << c.status();
  const Policy& p = c->issuers[0].policy;
  EXPECT_TRUE(p.client_id_audience);
  ASSERT_EQ(p.type_claims.size(), 1u);
  EXPECT_EQ(p.type_claims[0].claim, "token_use");
  EXPECT_EQ(p.type_claims[0].values, std::vector<std::string>{"access"});
  EXPECT_EQ(Message(Issuer(issuer, R"("profile":"cognito")")),
            "issuers[0].profile: Cognito access tokens have no aud: list the app client ids in "
            "audiences, which the token's client_id must match");
  EXPECT_EQ(Message(Issuer("https://example.com/pool", R"("profile":"cognito","audiences":["a"])")),
            "issuers[0].profile: a Cognito issuer is "
            "https://cognito-idp.{region}.amazonaws.com/{userPoolId}");
}

TEST(ProviderProfileTest, Keycloak) {
  absl::StatusOr<ServerConfig> c =
      Issuer("https://sso.example.com/realms/acme", R"("profile":"keycloak")");
  ASSERT_TRUE(c.ok()) << c.status();
  const IssuerConfig& i = c->issuers[0];
  ASSERT_EQ(i.policy.type_claims.size(), 1u);
  EXPECT_EQ(i.policy.type_claims[0].claim, "typ");
  EXPECT_EQ(i.policy.type_claims[0].values, std::vector<std::string>{"Bearer"});
  EXPECT_EQ(Headers(i), std::vector<std::string>{"realm_access.roles=X-Auth-Roles"});
  EXPECT_TRUE(Issuer("https://sso.example.com/auth/realms/acme", R"("profile":"keycloak")").ok());
  EXPECT_FALSE(Issuer("https://sso.example.com/acme", R"("profile":"keycloak")").ok());
}

TEST(ProviderProfileTest, Google) {
  absl::StatusOr<ServerConfig> c =
      Issuer("https://accounts.google.com",
             R"("profile":"google","audiences":["123.apps.googleusercontent.com"])");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->issuers[0].policy.issuer_aliases, std::vector<std::string>{"accounts.google.com"});
  EXPECT_FALSE(Issuer("accounts.google.com", R"("profile":"google","audiences":["a"])").ok());
  EXPECT_FALSE(Issuer("https://accounts.google.com", R"("profile":"google")").ok());
}

TEST(ProviderProfileTest, IdentityServerAndTelenorIdPlusWantAtJwt) {
  for (const char* profile : {"identityserver", "telenorid-plus"}) {
    absl::StatusOr<ServerConfig> c =
        Issuer("https://id.telenor.no", std::string(R"("profile":")") + profile + "\"");
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->issuers[0].policy.type, "at+jwt") << profile;
  }
}

constexpr std::string_view kIntrospection =
    R"("introspection":{"endpoint":"https://op.example/introspect","client_id":"api",)"
    R"("client_secret_env":"TW_PROFILE_TEST_SECRET"})";

TEST(ProviderProfileTest, TelenorConnectNeedsIntrospectionAndAudiences) {
  setenv("TW_PROFILE_TEST_SECRET", "not-a-real-secret", 1);
  const std::string iss = "https://connect.telenordigital.com/oauth";
  EXPECT_EQ(Message(Issuer(iss, R"("profile":"telenor-connect")")),
            "issuers[0].profile: CONNECT ID access tokens are opaque: configure introspection");
  // Its JWTs are ID tokens: without audiences, one would pass for an access token.
  EXPECT_EQ(Message(Issuer(
                iss, std::string(R"("profile":"telenor-connect",)") + std::string(kIntrospection))),
            "issuers[0].profile: CONNECT ID's JWTs are ID tokens (aud is a client id): list the "
            "audiences your API accepts, so that an ID token is never taken for an access token");
  absl::StatusOr<ServerConfig> c =
      Issuer(iss, std::string(R"("profile":"telenor-connect","audiences":["my-api"],)") +
                      std::string(kIntrospection));
  EXPECT_TRUE(c.ok()) << c.status();
}

// The mobile APIs' tokens are opaque: introspection, and no key source.
TEST(ProviderProfileTest, TelenorMobileApiIsOpaqueOnly) {
  setenv("TW_PROFILE_TEST_SECRET", "not-a-real-secret", 1);
  const std::string want =
      "issuers[0].profile: the Telenor mobile APIs' access tokens are opaque: configure "
      "introspection (with its endpoint) and no key source";
  EXPECT_EQ(
      Message(Issuer("https://api.telenor.no", std::string(R"("profile":"telenor-mobile-api",)") +
                                                   std::string(kIntrospection))),
      want);
  absl::StatusOr<ServerConfig> c = ParseConfig(
      std::string(
          R"({"issuers":[{"issuer":"https://api.telenor.no","profile":"telenor-mobile-api",)") +
          std::string(kIntrospection) + "}]}",
      Dir());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->issuers[0].remote_keys());
}

// An issuer's own fields replace what its profile set, whatever their order in the file.
TEST(ProviderProfileTest, ExplicitFieldsReplaceTheProfile) {
  absl::StatusOr<ServerConfig> c =
      Issuer("https://dev-1.okta.com/oauth2/default",
             R"("algorithms":["ES256","RS256"],"claim_headers":{"groups":"X-Auth-Groups"},)"
             R"("profile":"okta","scope_claims":["groups"],"type_claims":{"ver":1.5e0}})");
  ASSERT_FALSE(c.ok());  // a type claim value must be a string
  c = Issuer("https://dev-1.okta.com/oauth2/default",
             R"("algorithms":["RS256","PS256"],"claim_headers":{"groups":"X-Auth-Groups"},)"
             R"("profile":"okta","scope_claims":["groups"],"type_claims":{"ver":"1"})");
  ASSERT_TRUE(c.ok()) << c.status();
  const IssuerConfig& i = c->issuers[0];
  AlgorithmSet want = Rs256();
  want.Add(Algorithm::kPs256);
  EXPECT_EQ(i.policy.algorithms, want);
  EXPECT_EQ(Headers(i), std::vector<std::string>{"groups=X-Auth-Groups"});
  EXPECT_EQ(i.policy.scope_claims, std::vector<std::string>{"groups"});
  ASSERT_EQ(i.policy.type_claims.size(), 1u);
  EXPECT_EQ(i.policy.type_claims[0].values, std::vector<std::string>{"1"});
}

TEST(ProviderProfileTest, UnknownProfileListsTheKnownOnes) {
  EXPECT_EQ(Message(Issuer("https://a.example", R"("profile":"azure")")),
            "issuers[0].profile: unknown profile \"azure\" (profiles: okta, entra, auth0, "
            "cognito, keycloak, google, identityserver, telenorid-plus, telenor-connect, "
            "telenor-mobile-api)");
  EXPECT_FALSE(Issuer("https://a.example", R"("profile":7)").ok());
}

// The fields profiles set are plain issuer fields too, checked like the others.
TEST(ProviderProfileTest, ProviderShapeFieldsWithoutAProfile) {
  absl::StatusOr<ServerConfig> c =
      Issuer("https://a.example",
             R"("issuer_aliases":["a.example"],"type_claims":{"token_use":"access","k":["a","b"]},)"
             R"("client_id_audience":true,"audiences":["app"],"scope_claims":["permissions"])");
  ASSERT_TRUE(c.ok()) << c.status();
  const Policy& p = c->issuers[0].policy;
  EXPECT_EQ(p.issuer_aliases, std::vector<std::string>{"a.example"});
  ASSERT_EQ(p.type_claims.size(), 2u);
  EXPECT_EQ(p.type_claims[1].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(p.client_id_audience);
  EXPECT_TRUE(c->issuers[0].profile.empty());
  EXPECT_FALSE(Issuer("https://a.example", R"("tenants":["t"])").ok());            // no {tenantid}
  EXPECT_FALSE(Issuer("https://a.example", R"("client_id_audience":true)").ok());  // no audiences
  EXPECT_FALSE(Issuer("https://a.example", R"("type_claims":{"typ":[]})").ok());
  EXPECT_FALSE(Issuer("https://a.example", R"("claim_headers":{"sub":"Content-Length"})").ok());
}

// Each provider's sample configuration (examples/providers/NAME.json, or NAME-VARIANT.json)
// loads as it is and uses the profile it is named after; every profile has a sample.
TEST(ProviderProfileTest, SampleConfigurationsLoadVerbatim) {
  for (const char* name : {"TELENOR_CONNECT_SECRET", "OKTA_INTROSPECTION_SECRET",
                           "DUENDE_API_SECRET", "TELENOR_API_INTROSPECTION_SECRET"}) {
    setenv(name, "not-a-real-secret", 1);
  }
  std::set<std::string> profiles;
  for (const auto& entry : std::filesystem::directory_iterator(SourcePath("examples/providers"))) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    absl::StatusOr<ServerConfig> config = LoadConfigFile(entry.path().string());
    ASSERT_TRUE(config.ok()) << entry.path() << ": " << config.status();
    ASSERT_FALSE(config->issuers.empty());
    const std::string stem = entry.path().stem().string();
    const std::string& profile = config->issuers[0].profile;
    EXPECT_TRUE(stem == profile || stem.starts_with(profile + "-")) << stem << ": " << profile;
    profiles.insert(profile);
  }
  EXPECT_EQ(profiles.size(), ProviderProfiles().size());
}

}  // namespace
}  // namespace tokenwarden::server
