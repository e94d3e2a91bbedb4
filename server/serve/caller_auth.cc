#include "server/serve/caller_auth.h"

#include "base/ascii.h"
#include "base/str_cat.h"
#include "server/auth/client_auth.h"
#include "server/http/form_params.h"
#include "server/serve/route_context.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {

namespace {

bool Contains(const std::vector<std::string>* list, std::string_view value) {
  for (const std::string& item : *list) {
    if (item == value) {
      return true;
    }
  }
  return false;
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
      caller.client = result.client;
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
                                         WorkerContext& ctx, int64_t now, bool want_token,
                                         Caller& caller, http::Response& response) {
  if (!http::IsFormContentType(request.Header("Content-Type"))) {
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
  if (!want_token) {
    return std::string_view();
  }
  const std::optional<std::string_view> token = ctx.form.Get("token");
  if (!token.has_value() || token->empty()) {
    SetError(response, 400, "invalid_request", "the token parameter is required");
    return std::nullopt;
  }
  return token;
}

}  // namespace

std::optional<CallerRequest> AcceptCaller(const RouteDeps& deps, const http::Request& request,
                                          WorkerContext& ctx, http::Response& response,
                                          bool token_required) {
  const ServerState& state = ctx.Refresh(*deps.state);
  const int64_t now = deps.clock();
  Caller caller;
  const std::optional<std::string_view> token =
      ReadForm(request, state, ctx, now, token_required, caller, response);
  if (!token.has_value()) {
    return std::nullopt;
  }
  return CallerRequest{state, now, caller, *token};
}

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

}  // namespace tokenwarden::server
