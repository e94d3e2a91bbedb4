// POST /introspect (RFC 7662): whether a token is active, and its claims, for an
// authenticated caller (caller_auth.h) and within that caller's limits; as a signed JWT
// (RFC 9701, signed_introspection.h) for a client that opted in and asks for one.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/str_cat.h"
#include "core/claims_output.h"
#include "server/serve/caller_auth.h"
#include "server/serve/endpoints.h"
#include "server/serve/route_context.h"
#include "server/serve/signed_introspection.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {

void IntrospectRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                     WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const std::optional<CallerRequest> asked = AcceptCaller(deps, request, ctx, response);
  if (!asked.has_value()) {
    return;
  }
  const auto& [state, now, caller, token] = *asked;
  // The format is settled before the token is judged: a 406 costs no verification.
  const std::optional<IntrospectionFormat> format =
      ChooseIntrospectionFormat(request, caller.client, response);
  if (!format.has_value()) {
    return;
  }
  // token_type_hint is optional and only a hint (RFC 7662 §2.1): the token's shape and the
  // configuration decide how it is judged, whatever the hint says.
  TokenVerdict verdict;
  if (!routes.Judge(request, token, now, state, ctx, verdict)) {
    return;  // deferred: runs again once the issuer has answered
  }
  if (verdict.reached_validator() && state.config().cache.enabled) {
    deps.metrics->CountCache(ctx.index(), verdict.result.cache_hit);
  }
  const bool unavailable = verdict.unavailable() &&
                           RouteContext::AnswersUnavailable(verdict, state, /*introspect=*/true);
  bool active = !unavailable && verdict.error == Error::kOk;
  if (active && !WithinCallerLimits(caller, state, verdict.issuer, verdict.claims)) {
    active = false;
    verdict.outcome = ServerOutcome::kOutsideCallerScope;
  }
  deps.metrics->CountValidation(ctx.index(), verdict.outcome);
  if (deps.log_notes) {
    response.log_note =
        base::StrCat("token=", TokenDigest(token), " result=", verdict.outcome.Name());
  }
  if (unavailable) {
    Unavailable(response, verdict);
    return;
  }
  // RFC 7662 §2.2 / §4: an inactive token gets {"active":false} and nothing else, whatever the
  // reason, so the answer reveals nothing about tokens the caller may not see.
  response.AddHeader("Cache-Control", "no-store");
  if (state.config().introspection_signing.has_value()) {
    response.AddHeader("Vary", "Accept");  // the answer's format follows Accept
  }
  if (!active) {
    response.body = "{\"active\":false}";
  } else {
    response.body.assign("{\"active\":true");
    AppendIntrospectionMembers(*verdict.claims, response.body);
    response.body.push_back('}');
  }
  if (*format == IntrospectionFormat::kJwt) {
    // RFC 9701 §5: the same RFC 7662 object, inactive answers included, signed for the caller.
    absl::StatusOr<std::string> jwt = SignedIntrospection(*state.config().introspection_signing,
                                                          caller.client->id, now, response.body);
    if (!jwt.ok()) {
      SetError(response, 500, "server_error", "the answer could not be signed");
      return;
    }
    response.content_type = kIntrospectionJwtType;
    response.body = *std::move(jwt);
  }
}

}  // namespace tokenwarden::server
