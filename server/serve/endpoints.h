// File: server/serve/endpoints.h
// -----------------------------------------------------------------------------
// The endpoints of `tokenwarden serve`, one file each, all over the shared RouteContext;
// Routes::Handle (routes.cc) picks one by path and checks the listener and the method first.
// With an admin listener, [admin] ones are served only there, [both] on either port, and the
// rest only on the public port; the table in routes.cc (kRouteSpecs) says which is which.
//   POST /introspect  RFC 7662, caller-authenticated          (introspect_route.cc)
//   POST /revoke      RFC 7009, caller-authenticated, durable (revoke_route.cc)
//   POST /revoke-by-attribute  every token of a session, subject or client; a privileged
//                     caller                                  (revoke_by_attribute_route.cc)
//   POST /backchannel-logout   OIDC Back-Channel Logout 1.0, from the issuers (logout_route.cc)
//   *    /validate    forward-auth for gateways, RFC 6750      (validate_route.cc)
//   GET  /healthz [both]  /readyz [admin]                     (health_routes.cc)
//   GET  /metrics [admin]                                     (metrics_route.cc)
//   GET  /.well-known/oauth-protected-resource[/path]  RFC 9728 (resource_metadata_route.cc)
//   GET  introspection_signing.jwks_path  the JWK Set of RFC 9701 answers
//                                         (introspection_jwks_route.cc)
// `ctx` is the context of the worker the request runs on.
#ifndef TOKENWARDEN_SERVER_SERVE_ENDPOINTS_H_
#define TOKENWARDEN_SERVER_SERVE_ENDPOINTS_H_

#include "server/http/message.h"
#include "server/serve/route_context.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

void IntrospectRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                     WorkerContext& ctx);
void RevokeRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                 WorkerContext& ctx);
void RevokeByAttributeRoute(RouteContext& routes, const http::Request& request,
                            http::Response& response, WorkerContext& ctx);
void BackChannelLogoutRoute(RouteContext& routes, const http::Request& request,
                            http::Response& response, WorkerContext& ctx);
void ValidateRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                   WorkerContext& ctx);
void HealthzRoute(http::Response& response);
void ReadyzRoute(RouteContext& routes, http::Response& response, WorkerContext& ctx);
void MetricsRoute(RouteContext& routes, http::Response& response, WorkerContext& ctx);
// IntrospectionJwksRoute answers when `request` is for the configured JWK Set path; false
// (response untouched) for any other path, or without introspection_signing.
bool IntrospectionJwksRoute(RouteContext& routes, const http::Request& request,
                            http::Response& response, WorkerContext& ctx);
void ResourceMetadataRoute(RouteContext& routes, const http::Request& request,
                           http::Response& response, WorkerContext& ctx);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ENDPOINTS_H_
