// File: server/serve/token_check.h
// -----------------------------------------------------------------------------
// CheckToken is how the routes have a JWT judged by its issuer: the core's IssuerSet chooses
// the issuer entry from the token's `iss` (read by the one parse the token gets; with a single
// issuer there is nothing to choose) and that issuer's Validator alone verifies it, `iss`
// included, together with this request's requirements (a route's scopes, a caller's). The
// server never splits or decodes a token itself.
#ifndef TOKENWARDEN_SERVER_SERVE_TOKEN_CHECK_H_
#define TOKENWARDEN_SERVER_SERVE_TOKEN_CHECK_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/claims.h"
#include "core/error.h"
#include "core/policy.h"
#include "core/validator.h"
#include "server/serve/outcome.h"
#include "server/serve/server_state.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// Judge is who decided about a token.
enum class Judge : uint8_t {
  kNobody,               // no trusted issuer: `iss` unknown (or unreadable)
  kValidator,            // the issuer's Validator: signature, policy and requirements
  kUpstream,             // the issuer's introspection endpoint (opaque token / issuer)
  kKeysUnavailable,      // the issuer's keys cannot judge the token now: none are usable,
                         // or its kid awaits a refetch (not the token's fault)
  kUpstreamUnavailable,  // the issuer's introspection endpoint failed: not the token's fault
  kReplayUnavailable,    // the token passed, but the DPoP replay check cannot tell now
};

struct TokenVerdict {
  Judge judge = Judge::kNobody;
  int issuer = -1;  // index into ServerState::issuers(), -1 when none matched
  Error error = Error::kMalformed;
  Outcome outcome = Error::kMalformed;  // the metrics label
  // description overrides ErrorSummary(error) in responses when set (static storage).
  std::string_view description;
  // retry_after_seconds: when an unavailable verdict is worth asking again (Retry-After);
  // 0: the server's default.
  int64_t retry_after_seconds = 0;
  // claims are the judged token's claims (the Validator's typed view, or the upstream's
  // answer read by the same reader), valid until the worker's next check; null when none.
  const Claims* claims = nullptr;
  ValidationResult result;  // views valid until the worker's next validation

  // reached_validator: the Validator ran (its result and cache hit are meaningful).
  bool reached_validator() const {
    return judge == Judge::kValidator || judge == Judge::kKeysUnavailable;
  }
  bool unavailable() const {
    return judge == Judge::kKeysUnavailable || judge == Judge::kUpstreamUnavailable ||
           judge == Judge::kReplayUnavailable;
  }
  // Fail sets an error judged by the server itself.
  void Fail(Judge by, Error e, Outcome o, std::string_view why) {
    judge = by;
    error = e;
    outcome = o;
    description = why;
  }
};

// RequirementsFor gives this request's requirements for a token of issuer `issuer` (a route's
// scopes depend on the issuer's rules); it returns empty requirements when there are none.
using RequirementsFor = std::function<Requirements(int issuer)>;

// CheckToken judges a JWT with its issuer's Validator. `routing` may come from an earlier
// RouteToken of the same token (its parse is reused); without one, CheckToken routes. An
// issuer without keys vouches for no JWT here: its own JWTs are judged by its introspection
// endpoint (RouteContext::Judge), and one routed to it by a single-issuer configuration is
// answered as the token's own `iss` routes it with several issuers (not trusted, malformed).
void CheckToken(std::string_view token, int64_t now, const ServerState& state, WorkerContext& ctx,
                TokenVerdict& verdict, const RequirementsFor& requirements = {});

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_TOKEN_CHECK_H_
