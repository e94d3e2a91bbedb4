// POST <backchannel_logout.path> (default /backchannel-logout): OpenID Connect Back-Channel
// Logout 1.0 (§2.5–2.8). An issuer with `backchannel_logout` posts a logout token when a
// session ends; once it passes the core's rules (core/logout_token.h) every token of that
// session (`sid`), or of that user when only `sub` is given, issued until the logout token's
// iat stops working — at every instance, durably (RouteContext::RecordRevocations). The jti is
// remembered as long as the token could pass, so a replay is refused (§2.6 item 9).
// Answers: 200 (empty), 400 {"error":"invalid_request",...}, 503 to retry; never cached.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/str_cat.h"
#include "core/denylist.h"
#include "core/logout_token.h"
#include "server/http/form_params.h"
#include "server/serve/endpoints.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {
namespace {

// Refuse answers 400 invalid_request (§2.8) naming the failed rule.
void Refuse(http::Response& response, std::string_view why) {
  SetError(response, 400, "invalid_request", why);
  response.AddHeader("Cache-Control", "no-store");
}

// ReadLogoutToken reads the form body's one logout_token; nullopt with the answer filled.
std::optional<std::string_view> ReadLogoutToken(const http::Request& request, WorkerContext& ctx,
                                                http::Response& response) {
  if (!http::IsFormContentType(request.Header("Content-Type"))) {
    Refuse(response, "the body must be application/x-www-form-urlencoded");
    return std::nullopt;
  }
  if (ctx.form.Parse(request.body) != http::FormParams::Status::kOk) {
    Refuse(response, "the form body is malformed or repeats a parameter");
    return std::nullopt;
  }
  const std::optional<std::string_view> token = ctx.form.Get("logout_token");
  if (!token.has_value() || token->empty()) {
    Refuse(response, "the logout_token parameter is required");
    return std::nullopt;
  }
  return token;
}

// Unavailable503 answers a logout the server cannot act on now; the issuer may send it again.
void Unavailable503(http::Response& response, std::string_view why) {
  SetError(response, 503, "temporarily_unavailable", why);
  response.AddHeader("Retry-After", "1");
  response.AddHeader("Cache-Control", "no-store");
}

}  // namespace

void BackChannelLogoutRoute(RouteContext& routes, const http::Request& request,
                            http::Response& response, WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const ServerState& state = ctx.Refresh(*deps.state);
  const int64_t now = deps.clock();
  const std::optional<std::string_view> token = ReadLogoutToken(request, ctx, response);
  if (!token.has_value()) {
    return;
  }
  if (deps.log_notes) {
    response.log_note = base::StrCat("logout_token=", TokenDigest(*token));
  }
  const IssuerSet::Routing& routing = ctx.Route(*token, state);
  if (routing.issuer < 0) {
    Refuse(response, "the logout token names no issuer configured here");
    return;
  }
  const IssuerRuntime& issuer = state.issuers()[static_cast<size_t>(routing.issuer)];
  const IssuerConfig& config = *issuer.config;
  if (!config.backchannel_logout.has_value() || issuer.validator == nullptr) {
    Refuse(response, "logout tokens of this issuer are not accepted here");
    return;
  }
  LogoutTokenRules rules;
  rules.issuer = *config.policy.issuer;
  rules.client_ids = config.backchannel_logout->client_ids;
  rules.algorithms = config.policy.algorithms;
  rules.leeway_seconds = config.policy.leeway_seconds;
  rules.max_age_seconds = state.config().backchannel_logout.max_age_seconds;
  LogoutToken logout;
  std::string_view detail;
  const Error error = VerifyLogoutToken(*token, issuer.validator->snapshot()->verifier.key_set(),
                                        rules, static_cast<double>(now), logout, detail);
  if (error == Error::kKeyNotFound && issuer.live != nullptr && issuer.live->has_key_source()) {
    // A key the issuer published after our last fetch: fetch, and let the issuer retry.
    (void)issuer.live->RequestRefetch(0, nullptr);
    Unavailable503(response, "the logout token's key is not among the issuer's keys yet");
    return;
  }
  if (error != Error::kOk) {
    Refuse(response, base::StrCat(ErrorCode(error), detail.empty() ? "" : ": ", detail));
    return;
  }
  const Denylist::Key spent = Denylist::SpentLogoutKeyFor(logout.issuer, logout.jti);
  if (deps.denylist->Contains(spent, now)) {
    Refuse(response, "the logout token was used before (its jti)");
    return;
  }
  // sid ends that session; sub alone ends every session of the user (§2.4), and so does
  // every logout with "revoke": "subject" (access tokens without sid). Tokens issued after
  // the logout's second (a new sign-in) stand; every token issued in it or before is covered
  // (the denylist compares whole seconds, so a token issued earlier in the logout's own
  // second is never spared). The jti is spent in the same commit, so a logout that could not
  // be recorded can be sent again.
  const bool by_sid =
      logout.sid.has_value() && !(config.backchannel_logout->by_subject && logout.sub.has_value());
  std::vector<revocation::Revocation> revocations = {
      AttributeRevocation(
          state, routing.issuer, by_sid ? RevokedAttribute::kSid : RevokedAttribute::kSub,
          by_sid ? *logout.sid : *logout.sub, static_cast<int64_t>(std::floor(logout.iat))),
      {spent, Denylist::Entry{logout.replay_until}}};
  (void)routes.RecordRevocations(
      request, response, std::move(revocations), now,
      RecordedReply({response.log_note, by_sid ? " ended session" : " ended subject",
                     deps.log_notes, "", /*no_store=*/true}));
}

}  // namespace tokenwarden::server
