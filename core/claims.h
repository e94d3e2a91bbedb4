#ifndef TOKENWARDEN_CORE_CLAIMS_H_
#define TOKENWARDEN_CORE_CLAIMS_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tokenwarden {

// ClaimMember is one top-level member of a claims set as it appears in the token: `name`
// unescaped, `value` the exact JSON text of the value (a big integer or an unusual spacing
// stays as the issuer wrote it, so re-emitting it loses nothing).
struct ClaimMember {
  std::string_view name;
  std::string_view value;
};

// Claims are the typed claims of a JWT (RFC 7519 §4.1, OIDC Core §2, RFC 9068, RFC 8693 §4.2,
// RFC 7800) read in one pass over the payload. Views point into the scratch that parsed the
// token (or into the cache entry's copy on a cache hit) and live until its next use. Every
// claim, typed or not, stays reachable through `members` and the payload JSON.
//
// A claim the engine interprets with the wrong JSON type makes the token malformed, so a
// present optional here always has the right type. NumericDates are doubles: fractional
// seconds are allowed and a value beyond int64 (1e300) is simply far away. Claims the engine
// does not interpret may hold anything JSON allows, integers beyond 64 bits included.
struct Claims {
  std::optional<std::string_view> iss;
  std::optional<std::string_view> sub;
  std::optional<std::string_view> jti;
  std::optional<std::string_view> azp;
  std::optional<std::string_view> client_id;
  std::optional<std::string_view> cid;    // Okta's client id claim
  std::optional<std::string_view> appid;  // Entra ID v1's client id claim
  std::optional<std::string_view> sid;    // OIDC session id
  std::optional<std::string_view> nonce;
  std::optional<std::string_view> at_hash;
  // scope is the `scope` claim when it is a string (RFC 8693 §4.2); IdentityServer/Duende
  // issue an array instead, which fills `scopes` only.
  std::optional<std::string_view> scope;
  // cnf is the JSON text of the confirmation object (RFC 7800), always an object.
  std::optional<std::string_view> cnf;
  std::optional<double> exp;
  std::optional<double> nbf;
  std::optional<double> iat;
  std::optional<double> auth_time;
  // has_aud is true when `aud` is present; `aud` then holds its values (a string claim is
  // one value, an array may be empty).
  bool has_aud = false;
  std::span<const std::string_view> aud;
  // scopes are the granted scopes: `scope` and `scp` (Okta, Entra ID), each either one
  // space-separated string or an array of strings, in token order.
  std::span<const std::string_view> scopes;
  // members lists every top-level claim, in token order.
  std::span<const ClaimMember> members;

  // ClientId is the client the token was issued to: `client_id` (RFC 9068, RFC 8693), else
  // `cid` (Okta), else `azp` (OIDC, Keycloak, Entra ID v2), else `appid` (Entra ID v1).
  std::optional<std::string_view> ClientId() const;
  // Has reports whether a top-level claim named `name` is present.
  bool Has(std::string_view name) const;
  // Find returns the JSON text of top-level claim `name`, or nullopt.
  std::optional<std::string_view> Find(std::string_view name) const;
  // HasScope: `scope` or `scp` grants `scope` (exact, case-sensitive, RFC 6749 §3.3).
  bool HasScope(std::string_view scope) const;
  // HasAnyAudience: `aud` names one of `audiences`.
  bool HasAnyAudience(std::span<const std::string> audiences) const;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_CLAIMS_H_
