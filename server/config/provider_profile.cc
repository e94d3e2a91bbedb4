#include "server/config/provider_profile.h"

#include <array>
#include <string>

#include "core/algorithm.h"

namespace tokenwarden::server {
namespace {

void OnlyRs256(IssuerConfig& issuer) {
  issuer.policy.algorithms = AlgorithmSet();
  issuer.policy.algorithms.Add(Algorithm::kRs256);
}

bool HasKeys(const IssuerConfig& issuer) {
  return !issuer.jwks_file.empty() || issuer.remote_keys();
}

// --- Okta: custom authorization servers. `scp` and `cid` are read by the core already.
void ApplyOkta(IssuerConfig& i) {
  OnlyRs256(i);
  i.claim_headers = {{"uid", "X-Auth-User-Id"}};
}
std::string_view CheckOkta(const IssuerConfig& i) {
  // Okta documents the org authorization server's access tokens (issuer without /oauth2/)
  // as opaque to everyone but Okta: their format may change at any time.
  if (HasKeys(i) && i.policy.issuer->find("/oauth2/") == std::string::npos) {
    return "an Okta org authorization server's access tokens are only for Okta to validate: "
           "use a custom authorization server (https://{domain}/oauth2/default) or "
           "introspection";
  }
  return {};
}

// --- Microsoft Entra ID: v1 (https://sts.windows.net/{tid}/) or v2
// (https://login.microsoftonline.com/{tid}/v2.0) issuers, or the multi-tenant template.
void ApplyEntra(IssuerConfig& i) {
  OnlyRs256(i);
  i.policy.scope_claims = {"roles"};  // application permissions (client credentials)
  i.claim_headers = {
      {"roles", "X-Auth-Roles"}, {"tid", "X-Auth-Tenant-Id"}, {"oid", "X-Auth-Object-Id"}};
}
std::string_view CheckEntra(const IssuerConfig& i) {
  const std::string& iss = *i.policy.issuer;
  if (!iss.ends_with("/v2.0") && !iss.starts_with("https://sts.windows.net/")) {
    return "an Entra ID issuer is https://login.microsoftonline.com/{tenant}/v2.0 (v2 tokens) "
           "or https://sts.windows.net/{tenant}/ (v1 tokens)";
  }
  if (iss.starts_with("https://sts.windows.net/") && !iss.ends_with("/")) {
    return "an Entra ID v1 issuer ends with '/': https://sts.windows.net/{tenant}/";
  }
  return {};
}

// --- Auth0: `permissions` (RBAC) grant scopes too.
void ApplyAuth0(IssuerConfig& i) {
  i.policy.scope_claims = {"permissions"};
  i.claim_headers = {{"permissions", "X-Auth-Permissions"}};
}
std::string_view CheckAuth0(const IssuerConfig& i) {
  if (!i.policy.issuer->ends_with("/")) {
    return "an Auth0 issuer ends with '/' (https://{tenant}.auth0.com/), and iss is compared "
           "exactly";
  }
  return {};
}

// --- Amazon Cognito user pools: access tokens carry client_id and token_use, no aud.
void ApplyCognito(IssuerConfig& i) {
  OnlyRs256(i);
  i.policy.client_id_audience = true;
  i.policy.type_claims = {{"token_use", {"access"}}};
  i.claim_headers = {{"cognito:groups", "X-Auth-Groups"}, {"username", "X-Auth-Username"}};
}
std::string_view CheckCognito(const IssuerConfig& i) {
  if (!i.policy.issuer->starts_with("https://cognito-idp.")) {
    return "a Cognito issuer is https://cognito-idp.{region}.amazonaws.com/{userPoolId}";
  }
  if (i.policy.audiences.empty()) {
    return "Cognito access tokens have no aud: list the app client ids in audiences, which "
           "the token's client_id must match";
  }
  return {};
}

// --- Keycloak: the payload's `typ` claim says Bearer for an access token.
void ApplyKeycloak(IssuerConfig& i) {
  i.policy.type_claims = {{"typ", {"Bearer"}}};
  i.claim_headers = {{"realm_access.roles", "X-Auth-Roles"}};
}
std::string_view CheckKeycloak(const IssuerConfig& i) {
  if (i.policy.issuer->find("/realms/") == std::string::npos) {
    return "a Keycloak issuer is https://{host}/realms/{realm} (or /auth/realms/{realm} before "
           "Keycloak 17)";
  }
  return {};
}

// --- Google: ID tokens; iss is either spelling.
constexpr std::string_view kGoogle = "https://accounts.google.com";
constexpr std::string_view kGoogleBare = "accounts.google.com";
void ApplyGoogle(IssuerConfig& i) {
  OnlyRs256(i);
  i.policy.issuer_aliases = {std::string(kGoogleBare)};
  i.claim_headers = {{"email", "X-Auth-Email"}};
}
std::string_view CheckGoogle(const IssuerConfig& i) {
  if (*i.policy.issuer != kGoogle) {
    return "the Google issuer is https://accounts.google.com (tokens saying accounts.google.com "
           "are accepted too)";
  }
  if (i.policy.audiences.empty()) {
    return "Google ID tokens name your OAuth client id in aud: list it in audiences";
  }
  return {};
}
// --- IdentityServer / Duende: at+jwt access tokens; `scope` as an array is read by the core.
void ApplyIdentityServer(IssuerConfig& i) { i.policy.type = "at+jwt"; }
std::string_view CheckNothing(const IssuerConfig&) { return {}; }

// --- TelenorID+ (Norway, IdentityServer-based): at+jwt access tokens, RS256 only.
void ApplyTelenorIdPlus(IssuerConfig& i) {
  OnlyRs256(i);
  i.policy.type = "at+jwt";
}

// --- Telenor CONNECT ID: ID tokens are JWTs, access tokens opaque (introspected).
std::string_view CheckTelenorConnect(const IssuerConfig& i) {
  if (!i.introspection.has_value()) {
    return "CONNECT ID access tokens are opaque: configure introspection";
  }
  // Its JWTs are ID tokens, whose aud is the client's id: without audiences one would pass
  // /validate as if it were an access token.
  if (HasKeys(i) && i.policy.audiences.empty()) {
    return "CONNECT ID's JWTs are ID tokens (aud is a client id): list the audiences your API "
           "accepts, so that an ID token is never taken for an access token";
  }
  return {};
}

// --- Telenor Norway's mobile APIs (api.telenor.no): opaque client-credentials tokens, checked
// by introspection with Basic client authentication; no discovery, no JWK Set.
void ApplyNothing(IssuerConfig&) {}
std::string_view CheckTelenorMobileApi(const IssuerConfig& i) {
  if (HasKeys(i) || !i.introspection.has_value()) {
    return "the Telenor mobile APIs' access tokens are opaque: configure introspection "
           "(with its endpoint) and no key source";
  }
  return {};
}

constexpr std::array<ProviderProfile, 10> kProfiles = {{
    {"okta", ApplyOkta, CheckOkta},
    {"entra", ApplyEntra, CheckEntra},
    {"auth0", ApplyAuth0, CheckAuth0},
    {"cognito", ApplyCognito, CheckCognito},
    {"keycloak", ApplyKeycloak, CheckKeycloak},
    {"google", ApplyGoogle, CheckGoogle},
    {"identityserver", ApplyIdentityServer, CheckNothing},
    {"telenorid-plus", ApplyTelenorIdPlus, CheckNothing},
    {"telenor-connect", ApplyNothing, CheckTelenorConnect},
    {"telenor-mobile-api", ApplyNothing, CheckTelenorMobileApi},
}};

}  // namespace

std::span<const ProviderProfile> ProviderProfiles() { return kProfiles; }

const ProviderProfile* FindProviderProfile(std::string_view name) {
  for (const ProviderProfile& p : kProfiles) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace tokenwarden::server
