// File: server/serve/caller_auth.h
// -----------------------------------------------------------------------------
// Caller authentication for /introspect and /revoke: both take a form body with `token`, and
// both require the caller to authenticate (client_secret_basic, client_secret_post, or a
// bearer token of a configured issuer). A caller may be limited to some issuers and
// audiences: any other token is inactive for it / not revocable by it, and the answer looks
// exactly like the one for an invalid token, so a caller cannot scan tokens across tenants.
#ifndef TOKENWARDEN_SERVER_SERVE_CALLER_AUTH_H_
#define TOKENWARDEN_SERVER_SERVE_CALLER_AUTH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/claims.h"
#include "server/http/message.h"
#include "server/serve/route_context.h"
#include "server/serve/server_state.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// Caller is who is asking, and what they may learn about.
struct Caller {
  const std::vector<std::string>* limit_issuers = nullptr;
  const std::vector<std::string>* limit_audiences = nullptr;
  const ClientConfig* client = nullptr;  // null for a caller with a bearer token
};

// CallerRequest is a form request whose caller has authenticated.
struct CallerRequest {
  const ServerState& state;  // the worker's current state (WorkerContext::Refresh)
  int64_t now;
  Caller caller;
  std::string_view token;  // the `token` parameter, never empty (when asked for)
};

// AcceptCaller refreshes the worker's state, parses the form body (ctx.form) and
// authenticates the caller; nullopt with the error response filled when the request is
// refused. `token`: the `token` parameter is required.
std::optional<CallerRequest> AcceptCaller(const RouteDeps& deps, const http::Request& request,
                                          WorkerContext& ctx, http::Response& response,
                                          bool token = true);

// WithinCallerLimits applies the caller's issuer and audience limits to a judged token's
// `claims` (null: none known, so no audience can match).
bool WithinCallerLimits(const Caller& caller, const ServerState& state, int issuer,
                        const Claims* claims);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_CALLER_AUTH_H_
