#ifndef TOKENWARDEN_CORE_POLICY_H_
#define TOKENWARDEN_CORE_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>

#include "core/algorithm.h"
#include "core/claims.h"
#include "core/error.h"
#include "core/header.h"
#include "core/possession.h"
#include "core/trace.h"

namespace tokenwarden {

// kDefaultMaxTokenBytes is the default token size limit (16 KiB).
inline constexpr size_t kDefaultMaxTokenBytes = 16384;

// Policy is what a token must satisfy beyond a valid signature. Defaults are strict: exp is
// required, no leeway. Empty / unset members impose nothing.
struct Policy {
  // algorithms is the allow-list. Empty means every algorithm the key set supports (the key
  // fit rules already stop algorithm confusion); `none` cannot be expressed.
  AlgorithmSet algorithms;
  // issuer must equal `iss` exactly (RFC 7519 §4.1.1); an absent `iss` fails too. An issuer
  // holding kTenantPlaceholder is a multi-tenant template (Entra ID's `common` issuer): `iss`
  // must equal it with the token's `tid` claim, a GUID, in place of the placeholder.
  std::optional<std::string> issuer;
  // issuer_aliases are further exact spellings of the same issuer (Google signs ID tokens
  // with both https://accounts.google.com and accounts.google.com).
  std::vector<std::string> issuer_aliases;
  // tenants: with a template issuer, the `tid` values accepted (empty: any tenant).
  std::vector<std::string> tenants;
  // audiences: `aud` (string or array) must contain at least one of them; absent fails.
  std::vector<std::string> audiences;
  // leeway_seconds is the clock skew allowed on exp, nbf, iat and auth_time: finite, >= 0, and
  // fractional where the caller's API has fractions (PyJWT's leeway=1.5, jose's
  // clockTolerance), since NumericDates are compared as doubles.
  double leeway_seconds = 0;
  // require_exp rejects a token without `exp` (missing_claim).
  bool require_exp = true;
  // check_exp / check_nbf / check_iat apply the time rule of a present claim. Only the
  // PyJWT-compatible binding (its verify_exp/verify_nbf/verify_iat options) turns them off;
  // a server never does.
  bool check_exp = true;
  bool check_nbf = true;
  bool check_iat = true;
  // type is the required `typ` header (e.g. "at+jwt", RFC 9068 §4), compared
  // case-insensitively after removing an "application/" prefix from both sides.
  std::optional<std::string> type;
  // required_claims must be present (any value).
  std::vector<std::string> required_claims;
  // type_claims are claims that say what kind of token this is; each must be a string equal
  // to one of its values, else invalid_type (absent: missing_claim). Keycloak's `typ` claim
  // "Bearer" tells an access token from an ID or refresh token, Cognito's `token_use`
  // "access" from an ID token: the payload's counterpart of the `typ` header rule above.
  struct TypeClaim {
    std::string claim;
    std::vector<std::string> values;
  };
  std::vector<TypeClaim> type_claims;
  // client_id_audience: a token without `aud` meets the audience rule when its `client_id`
  // is one of `audiences` (Cognito access tokens name their client there and carry no aud).
  // A token with `aud` is judged by `aud` alone.
  bool client_id_audience = false;
  // required_scopes must each be granted by `scope` or `scp`, or by a scope_claims claim.
  std::vector<std::string> required_scopes;
  // scope_claims are further claims that grant scopes, each a space-separated string or an
  // array of strings (Auth0's `permissions`, Entra ID's application `roles`). They count for
  // required_scopes and a request's scopes, not for the `scope` a response reports.
  std::vector<std::string> scope_claims;
  // id_token turns on the OIDC Core §3.1.3.7 audience rules: with several audiences `azp`
  // must be present, and a present `azp` must be one of `audiences`.
  bool id_token = false;
  // nonce must equal the `nonce` claim, which must be present (OIDC Core §3.1.3.7).
  std::optional<std::string> nonce;
  // access_token: if the token carries `at_hash`, it must match this access token.
  std::optional<std::string> access_token;
  // max_age_seconds: `auth_time` must be present and no older than this (+ leeway).
  std::optional<int64_t> max_age_seconds;
  // max_token_bytes bounds the compact token; larger ones are token_too_large.
  size_t max_token_bytes = kDefaultMaxTokenBytes;
};

// ValidatePolicy reports configuration mistakes (negative leeway or max age, empty issuer or
// audience strings, a zero size limit).
absl::Status ValidatePolicy(const Policy& policy);

// NormalizeType lower-cases `typ` and removes an "application/" prefix, the comparison form
// of RFC 7515 §4.1.9 media types.
std::string NormalizeType(std::string_view typ);

// Requirements are what one request asks of a token beyond its issuer's Policy: a route's
// required scopes, a forward-auth audience. They are checked by the same rules as the
// policy's own (CheckClaims), after everything else passed, on cache hits too.
struct Requirements {
  // scopes must each be granted by `scope` or `scp` (insufficient_scope).
  std::span<const std::string> scopes;
  // audiences: when not empty, `aud` must name one of them (invalid_audience).
  std::span<const std::string> audiences;
  // possession: what the request proved for a sender-constrained token (core/possession.h),
  // checked first. Null: the caller does not judge the binding here; /introspect reports
  // `cnf` to its caller instead (RFC 9449 §6.2), and the PyJWT- and jose-compatible decode
  // functions never checked it. A resource server judging a request must set it, or a
  // DPoP- or certificate-bound token passes as a bearer token.
  const Possession* possession = nullptr;
  bool empty() const { return scopes.empty() && audiences.empty() && possession == nullptr; }
};

// CheckRequirements applies `requirements` to verified `claims` of an issuer with `policy`
// (whose scope_claims grant scopes too): kOk, or the failure with `detail` (static storage).
Error CheckRequirements(const Requirements& requirements, const Policy& policy,
                        const Claims& claims, std::string_view& detail);

// TimeClaims are the claims whose verdict changes with time; a verified-token cache hit
// re-checks them (and the denylist) instead of the whole pipeline.
struct TimeClaims {
  std::optional<double> exp, nbf, iat, auth_time;
};

// RecheckTimes applies the time rules of `policy` to a token that passed every check before:
// expired, not_yet_valid (nbf, iat) and too_old (auth_time with max age). Same predicates as
// CheckClaims. `detail` is set on failure (static storage).
Error RecheckTimes(const Policy& policy, const TimeClaims& times, double now,
                   std::string_view& detail);

// CheckClaims applies every rule of `policy` that follows the signature check to a token
// with `header` and `claims`, at `now` (Unix seconds, fractions kept). Returns the first
// failure, with `detail` saying which rule (static storage), or kOk. With a `trace` every check
// is reported and evaluation continues after a failure.
Error CheckClaims(const Policy& policy, const Header& header, const Claims& claims, double now,
                  Trace* trace, std::string_view& detail);

// CheckIntrospectedClaims applies `policy` to the claims of an active RFC 7662 introspection
// answer (read by ClaimsJson), at `now`: an opaque token's issuer vouched for it, and its
// issuer's policy holds as it would for a JWT, with the same rules and predicates as
// CheckClaims — `iss` (aliases and tenant templates included), `aud`, `exp` (absent:
// missing_claim under require_exp), `nbf`, `iat`, required_claims, type_claims,
// required_scopes (scope_claims included), each with the policy's leeway. Two differences, both
// from what an answer is: `iss` may be absent (RFC 7662 §2.2 makes it optional; the endpoint that
// answered is the issuer's), but one that names another issuer fails; and the rules about a
// JWS header or an ID token (typ, nonce, azp, at_hash, max age) do not apply, since there is
// neither. Returns the first failure with `detail` (static storage), or kOk.
Error CheckIntrospectedClaims(const Policy& policy, const Claims& claims, int64_t now,
                              std::string_view& detail);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_POLICY_H_
