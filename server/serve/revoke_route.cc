// POST /revoke (RFC 7009): an authenticated caller (caller_auth.h) revokes a token within its
// limits; the revocation is in effect at once, durable before the answer, and shared with the
// other instances (RouteContext::RecordRevocation). A token an issuer's introspection endpoint
// judges is then also revoked at the issuer when it forwards revocations
// (revocation_forward.h).

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>

#include "base/str_cat.h"
#include "core/clock.h"
#include "core/denylist.h"
#include "server/serve/caller_auth.h"
#include "server/serve/endpoints.h"
#include "server/serve/revocation_forward.h"
#include "server/serve/route_context.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {
namespace {

// Recorded answers /revoke once the revocation is settled: 200 with no body, or a 503.
RouteContext::RecordedAnswer Recorded(bool log_notes, std::string note) {
  return RecordedReply({std::move(note), " revoked", log_notes, "", false});
}

// RevokeUpstream revokes an opaque token (or one of an `opaque` issuer) that the upstream
// says is active, and forwards the revocation to the issuer when it wants that.
// `within_caller` applies the caller's limits once the upstream answer is loaded.
void RevokeUpstream(RouteContext& routes, const http::Request& request, http::Response& response,
                    std::string_view token, int64_t now, const ServerState& state,
                    WorkerContext& ctx, const std::function<bool(int issuer)>& within_caller) {
  TokenVerdict verdict;
  const int index = OpaqueIssuerFor(token, state, ctx);
  const IssuerRuntime& issuer = state.issuers()[static_cast<size_t>(index)];
  const bool forward = issuer.config->introspection->forward_revocations;
  if (forward && AnswerForwarded(ctx, token, routes.deps().log_notes, response)) {
    return;  // revoked here before the wait; this is the issuer's answer
  }
  // When forwarding, an earlier revocation of ours does not end the matter: a retry after a
  // failed forward must reach the issuer, and whether there is anything left to revoke there
  // is the issuer's answer.
  if (!routes.JudgeUpstream(request, token, index, now, state, ctx, verdict, {},
                            /*honour_revocations=*/!forward)) {
    return;  // deferred: the revocation runs when the upstream has answered
  }
  if (verdict.unavailable()) {
    // Whether the token is live is unknown: the caller must retry, not believe it revoked.
    Unavailable(response, verdict);
    return;
  }
  if (verdict.error != Error::kOk && verdict.error != Error::kInsufficientScope &&
      verdict.error != Error::kInvalidAudience) {
    return;  // inactive, revoked or expired already: nothing to do (RFC 7009 §2.2)
  }
  if (!within_caller(index)) {
    return;
  }
  const std::optional<double> exp = verdict.result.times.exp;
  // The entry may go once the token has expired: rounded up (a fractional exp keeps its last
  // fraction of a second covered) and saturating (an exp beyond int64 is "never").
  const int64_t expires_at =
      exp.has_value() ? WholeSeconds(std::ceil(*exp + issuer.config->policy.leeway_seconds))
                      : std::numeric_limits<int64_t>::max();
  const Denylist::Key key = OpaqueRevocationKey(*issuer.config->policy.issuer, token);
  RouteContext::RecordedAnswer answer = Recorded(routes.deps().log_notes, response.log_note);
  if (forward) {
    answer = ThenForward(routes, request, token, issuer, ctx, std::move(answer));
  }
  (void)routes.RecordRevocations(request, response, {{key, Denylist::Entry{expires_at}}}, now,
                                 answer);
}

}  // namespace

void RevokeRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                 WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const std::optional<CallerRequest> asked = AcceptCaller(deps, request, ctx, response);
  if (!asked.has_value()) {
    return;
  }
  const auto& [state, now, caller, token] = *asked;
  response.content_type = "";
  if (deps.log_notes) {
    response.log_note = base::StrCat("token=", TokenDigest(token));
  }
  if (OpaqueIssuerFor(token, state, ctx) >= 0) {
    // Captures `asked`, not its bindings: clang before 16 cannot capture a structured binding.
    RevokeUpstream(routes, request, response, token, now, state, ctx, [&asked, &ctx](int issuer) {
      return WithinCallerLimits(asked->caller, asked->state, issuer, &ctx.upstream_claims.claims());
    });
    return;
  }
  // RFC 7009 §2.2: 200 whether or not the token was known or valid; only a token whose
  // signature verifies under its issuer's keys, within the caller's limits, is revoked. The
  // token is parsed once (even with one issuer: the caller's audience limit reads its claims,
  // once the signature has vouched for them).
  const IssuerSet::Routing& routing = ctx.Route(token, state, /*parse=*/true);
  if (routing.issuer < 0) {
    return;
  }
  const std::optional<Validator::Revocation> revocation =
      state.issuer_set().RevocationFor(routing, now, ctx.scratch());
  if (!revocation.has_value() || revocation->expires_at <= now ||
      !WithinCallerLimits(caller, state, routing.issuer, &routing.parsed->claims())) {
    return;
  }
  // In effect first (so the token stops working at once), then durable before the 200: a
  // failure of either is a 503 the caller should retry.
  (void)routes.RecordRevocations(request, response,
                                 {{revocation->key, Denylist::Entry{revocation->expires_at}}}, now,
                                 Recorded(deps.log_notes, response.log_note));
}

}  // namespace tokenwarden::server
