#ifndef TOKENWARDEN_CORE_CLAIMS_H_
#define TOKENWARDEN_CORE_CLAIMS_H_

#include <optional>
#include <span>
#include <string_view>

namespace tokenwarden {

// Claims are the typed registered claims of a JWT (RFC 7519 §4.1, OIDC Core §2, RFC 9068,
// RFC 8693 §4.2) from a token's payload. Views point into the VerifyScratch that parsed them
// and live until its next Verify. Every claim, typed or not, stays reachable as JSON through
// VerifiedToken::payload_json.
//
// A registered claim of the wrong JSON type makes the token malformed, so a present optional
// here always has the right type. NumericDates are doubles: fractional seconds are allowed
// and a value beyond int64 (1e300) is simply far away.
struct Claims {
  std::optional<std::string_view> iss;
  std::optional<std::string_view> sub;
  std::optional<std::string_view> jti;
  std::optional<std::string_view> azp;
  std::optional<std::string_view> client_id;
  std::optional<std::string_view> nonce;
  std::optional<std::string_view> at_hash;
  std::optional<std::string_view> scope;  // the raw space-separated `scope` string
  std::optional<double> exp;
  std::optional<double> nbf;
  std::optional<double> iat;
  std::optional<double> auth_time;

  // has_aud is true when `aud` is present; `aud` then holds its values (a string claim is
  // one value, an array may be empty).
  bool has_aud = false;
  std::span<const std::string_view> aud;

  // scopes are the granted scopes: `scope` split on spaces, plus `scp` (Okta, Entra ID) as
  // an array of strings or one space-separated string.
  std::span<const std::string_view> scopes;

  // names lists every top-level claim name, in token order.
  std::span<const std::string_view> names;

  // Has reports whether a top-level claim named `name` is present.
  bool Has(std::string_view name) const;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_CLAIMS_H_
