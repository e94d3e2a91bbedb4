// File: core/logout_token.h
// -----------------------------------------------------------------------------
// OpenID Connect Back-Channel Logout 1.0 (§2.4, §2.6): the logout token an OpenID Provider
// posts to a relying party when a session ends, and its validation — the one place these
// rules live (the server's receiver and any binding call it).
//
// A logout token is a JWS by one of the issuer's keys, under the issuer's algorithms, with
//   iss   the issuer, exactly;           aud  naming one of the relying party's client ids;
//   iat   present, at most max_age_seconds old (plus leeway) and not in the future;
//   exp   when present, not passed (the final spec requires it; providers built on the
//         earlier text omit it, and then iat's window bounds a replay instead);
//   jti   present (the caller refuses a jti it has seen: replay, §2.6 item 9);
//   events  a JSON object with the member "http://schemas.openid.net/event/backchannel-logout"
//         whose value is a JSON object;
//   sub and/or sid;  no nonce (so an ID token can never pass as a logout token);
//   typ   when present, "logout+jwt" (explicit typing, §2.4 and RFC 8725 §3.11).
#ifndef TOKENWARDEN_CORE_LOGOUT_TOKEN_H_
#define TOKENWARDEN_CORE_LOGOUT_TOKEN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/algorithm.h"
#include "core/error.h"
#include "core/key.h"
#include "core/verifier.h"

namespace tokenwarden {

inline constexpr std::string_view kBackChannelLogoutEvent =
    "http://schemas.openid.net/event/backchannel-logout";

struct LogoutTokenRules {
  std::string issuer;
  std::vector<std::string> client_ids;  // aud must name one of them (non-empty)
  AlgorithmSet algorithms;              // empty: every algorithm the keys support
  double leeway_seconds = 0;
  int64_t max_age_seconds = 300;  // how old iat may be
};

// LogoutToken is what a valid logout token says; strings are copies.
struct LogoutToken {
  std::string issuer;
  std::optional<std::string> sub;
  std::optional<std::string> sid;
  std::string jti;
  double iat = 0;
  // replay_until is how long the jti must be remembered: until the token would be refused
  // anyway (exp, else iat + max_age_seconds, plus leeway), in whole seconds rounded up.
  int64_t replay_until = 0;
};

// VerifyLogoutToken checks `token` against `keys` and `rules` at `now` (Unix seconds). On kOk
// `out` is filled; otherwise `detail` names the failed rule (static storage). Errors:
// the token's own (malformed, invalid_signature, key_not_found, invalid_issuer,
// invalid_audience, expired, ...), invalid_type (typ, or no logout event), missing_claim
// (iat, jti, events, or neither sub nor sid), invalid_nonce (a nonce is present), too_old.
Error VerifyLogoutToken(std::string_view token, std::shared_ptr<const KeySet> keys,
                        const LogoutTokenRules& rules, double now, LogoutToken& out,
                        std::string_view& detail);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_LOGOUT_TOKEN_H_
