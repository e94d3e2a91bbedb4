// /introspect (RFC 7662) and /revoke (RFC 7009): both take a form body with `token`, and both
// require the caller to authenticate (client_secret_basic, client_secret_post, or a bearer
// token of a configured issuer). A caller may be limited to some issuers and audiences: any
// other token is inactive for it / not revocable by it, and the answer looks exactly like the
// one for an invalid token, so a caller cannot scan tokens across tenants.

#include "base/ascii.h"
#include "base/str_cat.h"
#include "core/claims_output.h"
#include "server/auth/client_auth.h"
#include "server/serve/routes.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {

using routes_internal::SetError;
using routes_internal::TokenDigest;

namespace {

// Caller is who is asking, and what they may learn about.
struct Caller {
  const std::vector<std::string>* limit_issuers = nullptr;
  const std::vector<std::string>* limit_audiences = nullptr;
};

bool Contains(const std::vector<std::string>* list, std::string_view value) {
  for (const std::string& item : *list) {
    if (item == value) {
      return true;
    }
  }
  return false;
}

bool IsFormContentType(std::optional<std::string_view> value) {
  if (!value.has_value()) {
    return false;
  }
  std::string_view media = value->substr(0, value->find(';'));
  media = base::StripWhitespace(media);
  return base::EqualsIgnoreCase(media, "application/x-www-form-urlencoded");
}

// Unauthorized answers 401 with the challenge RFC 6749 §5.2 / RFC 6750 §3 call for.
void Unauthorized(http::Response& response, std::string_view description, bool bearer) {
  SetError(response, 401, "invalid_client", description);
  response.AddHeader("WWW-Authenticate", bearer ? "Bearer realm=\"tokenwarden\", "
                                                  "error=\"invalid_token\""
                                                : "Basic realm=\"tokenwarden\"");
}

// Admit turns a client-credentials check into the caller, or the error response.
bool Admit(const AuthResult& result, Caller& caller, http::Response& response) {
  switch (result.status) {
    case AuthResult::Status::kOk:
      caller.limit_issuers = &result.client->issuers;
      caller.limit_audiences = &result.client->audiences;
      return true;
    case AuthResult::Status::kThrottled:
      // The budget for slow (PBKDF2) secret checks is spent: someone is guessing. Memoized
      // clients still pass; the others retry shortly.
      SetError(response, 429, "slow_down", "too many client authentication attempts; retry");
      response.AddHeader("Retry-After", "1");
      return false;
    case AuthResult::Status::kRejected:
      break;
  }
  Unauthorized(response, "unknown client or wrong secret", false);
  return false;
}

// AuthenticateCaller fills `caller` or the error response (and returns false).
bool AuthenticateCaller(const http::Request& request, const ServerState& state, WorkerContext& ctx,
                        int64_t now, Caller& caller, http::Response& response) {
  const size_t authorizations = request.HeaderCount("Authorization");
  const bool post_secret = ctx.form.Has("client_secret");
  if (authorizations > 1 || (authorizations == 1 && post_secret)) {
    // RFC 6749 §2.3: a client must not use more than one authentication method per request.
    SetError(response, 400, "invalid_request", "more than one client authentication method");
    return false;
  }
  if (authorizations == 1) {
    const std::string_view value = *request.Header("Authorization");
    if (base::StartsWithIgnoreCase(value, "Basic ")) {
      const std::optional<BasicCredentials> credentials = ParseBasicAuthorization(value);
      if (!credentials.has_value()) {
        Unauthorized(response, "malformed Basic credentials", false);
        return false;
      }
      const std::optional<std::string_view> body_id = ctx.form.Get("client_id");
      if (body_id.has_value() && *body_id != credentials->id) {
        SetError(response, 400, "invalid_request", "client_id differs from the Basic user");
        return false;
      }
      return Admit(state.clients().Check(credentials->id, credentials->secret), caller, response);
    }
    if (base::StartsWithIgnoreCase(value, "Bearer ")) {
      const std::optional<BearerCallers>& bearer = state.config().bearer_callers;
      if (!bearer.has_value()) {
        Unauthorized(response, "bearer tokens do not authenticate callers here", false);
        return false;
      }
      const std::string_view token = base::StripWhitespace(value.substr(7));
      TokenVerdict verdict;
      // The caller's token must carry bearer_callers.scopes: a requirement of this request.
      CheckToken(token, now, state, ctx, verdict, [&](int) {
        return Requirements{bearer->scopes, {}};
      });
      const bool ok =
          verdict.error == Error::kOk &&
          Contains(&bearer->issuers,
                   *state.issuers()[static_cast<size_t>(verdict.issuer)].config->policy.issuer);
      if (!ok) {
        Unauthorized(response, "the caller's bearer token is not accepted", true);
        return false;
      }
      caller.limit_issuers = &bearer->limit_issuers;
      caller.limit_audiences = &bearer->limit_audiences;
      return true;
    }
    Unauthorized(response, "unsupported authorization scheme", false);
    return false;
  }
  if (post_secret) {
    const std::optional<std::string_view> id = ctx.form.Get("client_id");
    if (!id.has_value()) {
      Unauthorized(response, "client_secret without client_id", false);
      return false;
    }
    return Admit(state.clients().Check(*id, *ctx.form.Get("client_secret")), caller, response);
  }
  Unauthorized(response, "client authentication required", false);
  return false;
}

// ReadForm parses the body and authenticates the caller; returns the token to act on, or
// nullopt with the error response filled.
std::optional<std::string_view> ReadForm(const http::Request& request, const ServerState& state,
                                         WorkerContext& ctx, int64_t now, Caller& caller,
                                         http::Response& response) {
  if (!IsFormContentType(request.Header("Content-Type"))) {
    SetError(response, 400, "invalid_request",
             "the body must be application/x-www-form-urlencoded");
    return std::nullopt;
  }
  switch (ctx.form.Parse(request.body)) {
    case http::FormParams::Status::kOk:
      break;
    case http::FormParams::Status::kRepeated:
      SetError(response, 400, "invalid_request",
               base::StrCat("parameter \"", ctx.form.repeated().substr(0, 64), "\" is repeated"));
      return std::nullopt;
    case http::FormParams::Status::kBadEncoding:
      SetError(response, 400, "invalid_request", "the form body is not validly encoded");
      return std::nullopt;
    case http::FormParams::Status::kTooMany:
      SetError(response, 400, "invalid_request", "too many form parameters");
      return std::nullopt;
  }
  if (!AuthenticateCaller(request, state, ctx, now, caller, response)) {
    return std::nullopt;
  }
  const std::optional<std::string_view> token = ctx.form.Get("token");
  if (!token.has_value() || token->empty()) {
    SetError(response, 400, "invalid_request", "the token parameter is required");
    return std::nullopt;
  }
  return token;
}

// WithinCallerLimits applies the caller's issuer and audience limits to a judged token's
// `claims` (null: none known, so no audience can match).
bool WithinCallerLimits(const Caller& caller, const ServerState& state, int issuer,
                        const Claims* claims) {
  if (!caller.limit_issuers->empty() &&
      !Contains(caller.limit_issuers,
                *state.issuers()[static_cast<size_t>(issuer)].config->policy.issuer)) {
    return false;
  }
  return caller.limit_audiences->empty() ||
         (claims != nullptr && claims->HasAnyAudience(*caller.limit_audiences));
}

}  // namespace

void Routes::Introspect(const http::Request& request, http::Response& response,
                        WorkerContext& ctx) {
  const ServerState& state = ctx.Refresh(*deps_.state);
  const int64_t now = deps_.clock();
  Caller caller;
  const std::optional<std::string_view> token =
      ReadForm(request, state, ctx, now, caller, response);
  if (!token.has_value()) {
    return;
  }
  // token_type_hint is optional and only a hint (RFC 7662 §2.1): the token's shape and the
  // configuration decide how it is judged, whatever the hint says.
  TokenVerdict verdict;
  if (!Judge(request, *token, now, state, ctx, verdict)) {
    return;  // deferred: runs again once the issuer has answered
  }
  if (verdict.reached_validator() && state.config().cache.enabled) {
    deps_.metrics->CountCache(ctx.index(), verdict.result.cache_hit);
  }
  const bool unavailable =
      verdict.unavailable() && AnswersUnavailable(verdict, state, /*introspect=*/true);
  bool active = !unavailable && verdict.error == Error::kOk;
  if (active && !WithinCallerLimits(caller, state, verdict.issuer, verdict.claims)) {
    active = false;
    verdict.outcome = ServerOutcome::kOutsideCallerScope;
  }
  deps_.metrics->CountValidation(ctx.index(), verdict.outcome);
  if (deps_.log_notes) {
    response.log_note =
        base::StrCat("token=", TokenDigest(*token), " result=", verdict.outcome.Name());
  }
  if (unavailable) {
    Unavailable(response);
    return;
  }
  // RFC 7662 §2.2 / §4: an inactive token gets {"active":false} and nothing else, whatever the
  // reason, so the answer reveals nothing about tokens the caller may not see.
  response.AddHeader("Cache-Control", "no-store");
  if (!active) {
    response.body = "{\"active\":false}";
    return;
  }
  response.body.assign("{\"active\":true");
  AppendIntrospectionMembers(*verdict.claims, response.body);
  response.body.push_back('}');
}

void Routes::Revoke(const http::Request& request, http::Response& response, WorkerContext& ctx) {
  const ServerState& state = ctx.Refresh(*deps_.state);
  const int64_t now = deps_.clock();
  Caller caller;
  const std::optional<std::string_view> token =
      ReadForm(request, state, ctx, now, caller, response);
  if (!token.has_value()) {
    return;
  }
  response.content_type = "";
  if (deps_.log_notes) {
    response.log_note = base::StrCat("token=", TokenDigest(*token));
  }
  if (routes_internal::OpaqueIssuerFor(*token, state, ctx) >= 0) {
    RevokeUpstream(request, response, *token, now, state, ctx, [&](int issuer) {
      return WithinCallerLimits(caller, state, issuer, &ctx.upstream_claims.claims());
    });
    return;
  }
  // RFC 7009 §2.2: 200 whether or not the token was known or valid; only a token whose
  // signature verifies under its issuer's keys, within the caller's limits, is revoked. The
  // token is parsed once (even with one issuer: the caller's audience limit reads its claims,
  // once the signature has vouched for them).
  const IssuerSet::Routing& routing = ctx.Route(*token, state, /*parse=*/true);
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
  const absl::Status status = RecordRevocation(revocation->key, revocation->expires_at, now);
  if (!status.ok()) {
    SetError(response, 503, "temporarily_unavailable",
             absl::IsResourceExhausted(status) ? "the revocation denylist is full"
                                               : "the revocation could not be made durable");
    response.AddHeader("Retry-After", "1");
    return;
  }
  if (deps_.log_notes) {
    base::StrAppend(&response.log_note, " revoked");
  }
}

}  // namespace tokenwarden::server
