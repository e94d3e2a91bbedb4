// Judging tokens whose issuer lives outside the process: a JWT with a kid the current key set
// lacks is settled by a refetch of its issuer's keys that starts after it arrived (AwaitKeys);
// an opaque token is asked of its issuer's introspection endpoint (cached, single-flight).
// Both waits defer the request off the event loop and run the route again when they end.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/denylist.h"
#include "core/policy.h"
#include "server/http/deferred.h"
#include "server/keys/refetch.h"
#include "server/serve/route_context.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {
namespace {

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1 (RFC 9110 §10.2.3).
int64_t RetryAfterSeconds(int64_t ms) { return std::max<int64_t>(1, (ms + 999) / 1000); }

// KeyPending makes `verdict` a 503: the kid is unsettled, because its refetch `failed` or has
// not run yet, and a refetch that may settle it starts in `due_in_ms`.
void KeyPending(TokenVerdict& verdict, bool failed, int64_t due_in_ms) {
  if (failed) {
    verdict.Fail(Judge::kKeysUnavailable, Error::kKeyNotFound, ServerOutcome::kKeyRefetchFailed,
                 "the token's key is not among its issuer's keys, which cannot be fetched now");
  } else {
    verdict.Fail(Judge::kKeysUnavailable, Error::kKeyNotFound, ServerOutcome::kKeyRefetchPending,
                 "the token's key is not among its issuer's keys yet; they are being fetched");
  }
  verdict.retry_after_seconds = RetryAfterSeconds(due_in_ms);
  verdict.claims = nullptr;
}

}  // namespace

void RouteContext::Resume(const http::Request& request, http::Response& response,
                          WorkerContext::Resumed resumed) {
  WorkerContext& ctx = worker(request.worker);
  ctx.resumed = std::move(resumed);
  ctx.resumed.active = true;
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
  return AwaitKeys(request, *issuer.live, issuer.config->refresh.unknown_kid_wait_ms, ctx, verdict);
}

bool RouteContext::AwaitKeys(const http::Request& request, LiveIssuer& live, int64_t wait_ms,
                             WorkerContext& ctx, TokenVerdict& verdict) {
  // An unknown kid may be a key the issuer published after our last fetch, and a client told
  // 401 throws its token away: key_not_found stands only once a fetch that started after this
  // request arrived has succeeded without the kid. Until then the request waits for that
  // fetch (at most keys.unknown_kid_wait_ms) or is answered 503 with Retry-After. The fetch is
  // shared and cooled down by the key source, so junk kids cannot make the issuer busy.
  if (ctx.resumed.active) {
    if (ctx.resumed.refetch.has_value() && ctx.resumed.refetch->fetched) {
      return true;  // the issuer's current set lacks the kid: key_not_found
    }
    KeyPending(verdict, /*failed=*/ctx.resumed.refetch.has_value(), live.RefetchDueInMs());
    return true;
  }
  if (wait_ms == 0 || request.deferrer == nullptr) {
    KeyPending(verdict, /*failed=*/false, live.RequestRefetch(0, nullptr).due_in_ms);
    return true;
  }
  auto later = std::make_shared<http::DeferredResponse>(request.deferrer->Defer(
      static_cast<uint32_t>(wait_ms), [this](const http::Request& again, http::Response& out) {
        Resume(again, out, WorkerContext::Resumed());  // no refetch result: timed out
      }));
  const keys::RefetchTicket ticket =
      live.RequestRefetch(wait_ms, [this, later](const keys::RefetchResult& result) {
        later->Resume([this, result](const http::Request& again, http::Response& response) {
          WorkerContext::Resumed resumed;
          resumed.refetch = result;
          Resume(again, response, std::move(resumed));
        });
      });
  if (ticket.queued) {
    return false;
  }
  request.deferrer->Cancel(*later);  // the refetch is due later than this request may wait
  KeyPending(verdict, /*failed=*/false, ticket.due_in_ms);
  return true;
}

bool RouteContext::JudgeUpstream(const http::Request& request, std::string_view token, int index,
                                 int64_t now, const ServerState& state, WorkerContext& ctx,
                                 TokenVerdict& verdict, const RequirementsFor& requirements,
                                 bool honour_revocations) {
  verdict = TokenVerdict();
  verdict.issuer = index;
  verdict.judge = Judge::kUpstream;
  const IssuerRuntime& issuer = state.issuers()[static_cast<size_t>(index)];
  const std::string& iss = *issuer.config->policy.issuer;
  // Revoked through our /revoke: inactive whatever the upstream (or its cache) says.
  if (honour_revocations && !deps_.denylist->empty() &&
      deps_.denylist->Contains(OpaqueRevocationKey(iss, token), now)) {
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
          WorkerContext::Resumed resumed;  // kError: the upstream did not answer
          resumed.answer = UpstreamAnswer{};
          resumed.token = copy;
          Resume(again, out, std::move(resumed));
        }));
    issuer.live->Lookup(token, [this, later, copy = std::string(token)](const UpstreamAnswer& a) {
      later->Resume([this, a, copy](const http::Request& again, http::Response& response) {
        WorkerContext::Resumed resumed;
        resumed.answer = a;
        resumed.token = copy;
        Resume(again, response, std::move(resumed));
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
  JudgeAnswer(*answer, now, issuer.config->policy, *deps_.denylist, ctx, verdict,
              requirements ? requirements(index) : Requirements());
  return true;
}

void RouteContext::JudgeAnswer(const UpstreamAnswer& answer, int64_t now, const Policy& policy,
                               const Denylist& denylist, WorkerContext& ctx, TokenVerdict& verdict,
                               const Requirements& requirements) {
  // The upstream's answer is read by the core's claims reader and judged by the core's
  // rules: the issuer's whole policy as for a JWT (iss, aud, exp / require_exp, nbf, iat,
  // required claims and scopes, with its leeway), then this request's requirements.
  ctx.upstream_json = answer.json;
  verdict.result.payload_json = *ctx.upstream_json;
  Error error = ctx.upstream_claims.Read(*ctx.upstream_json);
  std::string_view detail = ctx.upstream_claims.detail();
  if (error == Error::kOk) {
    const Claims& claims = ctx.upstream_claims.claims();
    verdict.claims = &claims;
    verdict.result.times = TimeClaims{claims.exp, claims.nbf, claims.iat, claims.auth_time};
    error = CheckIntrospectedClaims(policy, claims, now, detail);
    if (error == Error::kOk) {
      // The answer's own `iss` is optional (RFC 7662 §2.2); the issuer that answered is known.
      error = CheckAttributeRevocations(denylist, policy.issuer.value_or(""), claims, now, detail);
    }
    if (error == Error::kOk) {
      error = CheckRequirements(requirements, policy, claims, detail);
    }
  }
  verdict.error = error;
  verdict.outcome = error;
  verdict.result.detail = detail;
}

bool RouteContext::AnswersUnavailable(const TokenVerdict& verdict, const ServerState& state,
                                      bool introspect) {
  if (verdict.judge != Judge::kUpstreamUnavailable) {
    return true;  // no usable keys, or a kid awaiting its refetch: always unavailable
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
