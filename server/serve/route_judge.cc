// Judging tokens whose issuer lives outside the process: a JWT with a kid the current key set
// lacks waits for one refetch of its issuer's keys (rate-limited by the key source's
// cooldown; tokens arriving during the cooldown fail as key_not_found at once); an opaque
// token is asked of its issuer's introspection endpoint (cached, single-flight). Both waits
// defer the request off the event loop and run the route again when they end.

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/denylist.h"
#include "server/http/deferred.h"
#include "server/serve/route_context.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {

void RouteContext::Resume(const http::Request& request, http::Response& response,
                          std::optional<UpstreamAnswer> answer, std::string token) {
  WorkerContext& ctx = worker(request.worker);
  ctx.resumed.active = true;
  ctx.resumed.answer = std::move(answer);
  ctx.resumed.token = std::move(token);
  redispatch_(request, response);
  ctx.resumed = WorkerContext::Resumed();
}

bool RouteContext::Judge(const http::Request& request, std::string_view token, int64_t now,
                         const ServerState& state, WorkerContext& ctx, TokenVerdict& verdict,
                         const RequirementsFor& requirements) {
  const int opaque = OpaqueIssuerFor(token, state, ctx);
  if (opaque >= 0) {
    return JudgeUpstream(request, token, opaque, now, state, ctx, verdict, requirements);
  }
  CheckToken(token, now, state, ctx, verdict, requirements);
  if (verdict.issuer < 0 || verdict.error != Error::kKeyNotFound) {
    return true;
  }
  const IssuerRuntime& issuer = state.issuers()[static_cast<size_t>(verdict.issuer)];
  if (issuer.live == nullptr || !issuer.live->has_key_source()) {
    return true;
  }
  if (issuer.validator->snapshot()->verifier.keys().empty()) {
    // No usable keys at all: the issuer is down (or was never reached), not the token bad.
    verdict.Fail(Judge::kKeysUnavailable, verdict.error, ServerOutcome::kIssuerUnavailable,
                 "the issuer's keys are not available");
    verdict.claims = nullptr;
    return true;
  }
  if (ctx.resumed.active || request.deferrer == nullptr) {
    return true;  // already waited once for this request
  }
  // An unknown kid may be a key the issuer published after our last fetch: ask for one
  // refetch (coalesced with any under way, rate-limited by the cooldown) and wait for it at
  // most keys.unknown_kid_wait_ms, then judge again; 0 means answer now.
  const int64_t wait_ms = issuer.config->refresh.unknown_kid_wait_ms;
  if (wait_ms == 0) {
    (void)issuer.live->RequestRefetch([] {});
    return true;
  }
  auto later = std::make_shared<http::DeferredResponse>(request.deferrer->Defer(
      static_cast<uint32_t>(wait_ms), [this](const http::Request& again, http::Response& out) {
        Resume(again, out, std::nullopt, std::string());
      }));
  const bool waiting = issuer.live->RequestRefetch([this, later] {
    later->Resume([this](const http::Request& again, http::Response& response) {
      Resume(again, response, std::nullopt, std::string());
    });
  });
  if (!waiting) {
    request.deferrer->Cancel(*later);  // cooldown: key_not_found now
  }
  return !waiting;
}

bool RouteContext::JudgeUpstream(const http::Request& request, std::string_view token, int index,
                                 int64_t now, const ServerState& state, WorkerContext& ctx,
                                 TokenVerdict& verdict, const RequirementsFor& requirements) {
  verdict = TokenVerdict();
  verdict.issuer = index;
  verdict.judge = Judge::kUpstream;
  const IssuerRuntime& issuer = state.issuers()[static_cast<size_t>(index)];
  const std::string& iss = *issuer.config->policy.issuer;
  // Revoked through our /revoke: inactive whatever the upstream (or its cache) says.
  if (!deps_.denylist->empty() && deps_.denylist->Contains(OpaqueRevocationKey(iss, token), now)) {
    verdict.Fail(Judge::kUpstream, Error::kRevoked, Error::kRevoked, {});
    return true;
  }
  std::optional<UpstreamAnswer> answer;
  if (ctx.resumed.active && ctx.resumed.answer.has_value() && ctx.resumed.token == token) {
    answer = ctx.resumed.answer;
  } else {
    answer = issuer.live->CachedAnswer(token);
  }
  if (!answer.has_value() && !ctx.resumed.active && request.deferrer != nullptr) {
    // The introspector's own timeout bounds the call; the deadline here also covers its queue.
    const uint32_t wait_ms = issuer.config->fetch.timeout_ms + 1000;
    auto later = std::make_shared<http::DeferredResponse>(request.deferrer->Defer(
        wait_ms,
        [this, copy = std::string(token)](const http::Request& again, http::Response& out) {
          Resume(again, out, UpstreamAnswer{}, copy);  // kError: the upstream did not answer
        }));
    issuer.live->Lookup(token, [this, later, copy = std::string(token)](const UpstreamAnswer& a) {
      later->Resume([this, a, copy](const http::Request& again, http::Response& response) {
        Resume(again, response, a, copy);
      });
    });
    return false;
  }
  if (!answer.has_value() || answer->kind == UpstreamAnswer::Kind::kError) {
    verdict.Fail(Judge::kUpstreamUnavailable, Error::kKeyNotFound,
                 ServerOutcome::kIssuerUnavailable, "the issuer's introspection endpoint failed");
    return true;
  }
  if (answer->kind == UpstreamAnswer::Kind::kInactive || answer->json == nullptr) {
    verdict.Fail(Judge::kUpstream, Error::kRevoked, ServerOutcome::kInactive,
                 "the issuer says the token is not active");
    return true;
  }
  JudgeAnswer(*answer, now, issuer.config->policy, ctx, verdict,
              requirements ? requirements(index) : Requirements());
  return true;
}

void RouteContext::JudgeAnswer(const UpstreamAnswer& answer, int64_t now, const Policy& policy,
                               WorkerContext& ctx, TokenVerdict& verdict,
                               const Requirements& requirements) {
  // The upstream's answer is read by the core's claims reader and judged by the core's
  // rules: the issuer's audiences and scopes, then this request's requirements.
  ctx.upstream_json = answer.json;
  verdict.result.payload_json = *ctx.upstream_json;
  if (answer.exp.has_value()) {
    verdict.result.times.exp = static_cast<double>(*answer.exp);
  }
  Error error = ctx.upstream_claims.Read(*ctx.upstream_json);
  std::string_view detail;
  if (error == Error::kOk) {
    verdict.claims = &ctx.upstream_claims.claims();
    if (answer.exp.has_value() && now >= *answer.exp + policy.leeway_seconds) {
      error = Error::kExpired;
    } else {
      error = CheckRequirements({policy.required_scopes, policy.audiences}, policy, *verdict.claims,
                                detail);
    }
    if (error == Error::kOk) {
      error = CheckRequirements(requirements, policy, *verdict.claims, detail);
    }
  }
  verdict.error = error;
  verdict.outcome = error;
}

bool RouteContext::AnswersUnavailable(const TokenVerdict& verdict, const ServerState& state,
                                      bool introspect) {
  if (verdict.judge != Judge::kUpstreamUnavailable) {
    return true;  // no usable keys: always unavailable
  }
  const IssuerConfig& config = *state.issuers()[static_cast<size_t>(verdict.issuer)].config;
  switch (config.introspection->on_error) {
    case UpstreamIntrospectionConfig::OnError::kUnavailable:
      return true;
    case UpstreamIntrospectionConfig::OnError::kInactiveOnIntrospect:
      return !introspect;
    case UpstreamIntrospectionConfig::OnError::kInactive:
      return false;
  }
  return true;
}

}  // namespace tokenwarden::server
