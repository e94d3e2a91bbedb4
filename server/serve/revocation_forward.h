// File: server/serve/revocation_forward.h
// -----------------------------------------------------------------------------
// A /revoke of a token an issuer's introspection endpoint judges, forwarded to that issuer's
// RFC 7009 revocation endpoint when its `introspection.forward_revocations` is on. The route
// revokes locally first (in effect, durable, shared: RouteContext::RecordRevocations, as
// without forwarding); once that is settled, it defers the request off the event loop until
// the issuer has answered — at most the issuer's fetch timeout, plus a second for the queue —
// and runs again, answering from what it said:
//   - revoked (200):                200;
//   - unsupported_token_type (400): 400 unsupported_token_type (RFC 7009 §2.2.1): the issuer
//                                   keeps the token, and no retry will change that;
//   - anything else, no answer:     503 temporarily_unavailable with Retry-After (the issuer's
//                                   own on a 503): §2.2.1 has the caller assume the token still
//                                   exists at the issuer and retry; the retry repeats nothing
//                                   locally and asks the issuer again.
// A local failure is answered as without forwarding, and nothing is forwarded.
#ifndef TOKENWARDEN_SERVER_SERVE_REVOCATION_FORWARD_H_
#define TOKENWARDEN_SERVER_SERVE_REVOCATION_FORWARD_H_

#include <string_view>

#include "server/http/message.h"
#include "server/serve/route_context.h"
#include "server/serve/server_state.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// ThenForward wraps `settled`, the route's answer once its local revocation is settled: a
// failure is answered by `settled`; a success forwards the revocation of `token` to `issuer`'s
// endpoint instead, with the caller's token_type_hint from `ctx.form` when it is one RFC 7009
// §2.1 defines, the request deferred (without a deferrer: 503 at once). `request` is the
// request being answered, which a deferred answer runs with too (deferred.h); what else the
// forward needs is copied now, so it may run after the worker has served other requests.
RouteContext::RecordedAnswer ThenForward(RouteContext& routes, const http::Request& request,
                                         std::string_view token, const IssuerRuntime& issuer,
                                         const WorkerContext& ctx,
                                         RouteContext::RecordedAnswer settled);

// AnswerForwarded answers a request run again after the forward of `token`, from what
// the endpoint said; false when this run is not that one (the route then works as usual).
bool AnswerForwarded(const WorkerContext& ctx, std::string_view token, bool log_notes,
                     http::Response& response);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_REVOCATION_FORWARD_H_
