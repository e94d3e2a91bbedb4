#include "server/serve/routes.h"

#include <utility>

#include "server/serve/endpoints.h"

namespace tokenwarden::server {

Routes::Routes(RouteDeps deps, int workers)
    : context_(std::move(deps), workers,
               [this](const http::Request& request, http::Response& response) {
                 Handle(request, response);
               }) {}

Routes::~Routes() = default;

Route Routes::RouteOf(std::string_view path) {
  if (path == "/introspect") {
    return Route::kIntrospect;
  }
  if (path == "/revoke") {
    return Route::kRevoke;
  }
  // Envoy's ext_authz (HTTP mode) asks for path_prefix + the original path, e.g.
  // /validate/orders/7, with the original method.
  if (path == "/validate" || path.starts_with("/validate/")) {
    return Route::kValidate;
  }
  if (path == "/healthz") {
    return Route::kHealthz;
  }
  if (path == "/readyz") {
    return Route::kReadyz;
  }
  if (path == "/metrics") {
    return Route::kMetrics;
  }
  // RFC 9728 §3.1: the metadata of a resource with a path is at the well-known URI followed
  // by that path.
  constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";
  if (path.starts_with(kWellKnown) &&
      (path.size() == kWellKnown.size() || path[kWellKnown.size()] == '/')) {
    return Route::kResourceMetadata;
  }
  return Route::kOther;
}

void Routes::Handle(const http::Request& request, http::Response& response) {
  WorkerContext& ctx = context_.worker(request.worker);
  Dispatch(request, response, ctx);
  context_.deps().metrics->CountTokenParses(ctx.index(), ctx.TakeTokenParses());
}

void Routes::Dispatch(const http::Request& request, http::Response& response, WorkerContext& ctx) {
  const Route route = RouteOf(request.path);
  const bool get_like = request.method == "GET" || request.method == "HEAD";
  switch (route) {
    case Route::kIntrospect:
    case Route::kRevoke:
      // RFC 7662 §2.1 / RFC 7009 §2.1: POST with a form body. A token in a URL ends up in
      // access logs and browser history, so GET and query strings are refused outright.
      if (request.method != "POST" || request.has_query) {
        SetError(response, 405, "invalid_request",
                 request.method != "POST"
                     ? "use POST with an application/x-www-form-urlencoded body"
                     : "parameters are accepted in the form body only, not the query string");
        response.AddHeader("Allow", "POST");
        return;
      }
      if (route == Route::kIntrospect) {
        IntrospectRoute(context_, request, response, ctx);
      } else {
        RevokeRoute(context_, request, response, ctx);
      }
      return;
    case Route::kValidate:
      ValidateRoute(context_, request, response, ctx);
      return;
    case Route::kHealthz:
    case Route::kReadyz:
    case Route::kMetrics:
    case Route::kResourceMetadata:
      if (!get_like) {
        SetError(response, 405, "invalid_request", "use GET");
        response.AddHeader("Allow", "GET, HEAD");
        return;
      }
      if (route == Route::kHealthz) {
        HealthzRoute(response);
      } else if (route == Route::kReadyz) {
        ReadyzRoute(context_, response, ctx);
      } else if (route == Route::kResourceMetadata) {
        ResourceMetadataRoute(context_, request, response, ctx);
      } else {
        MetricsRoute(context_, response, ctx);
      }
      return;
    case Route::kOther:
      // The JWK Set's path is configured (under /.well-known/, clear of every fixed route).
      if (IntrospectionJwksRoute(context_, request, response, ctx)) {
        return;
      }
      break;
  }
  SetError(response, 404, "not_found",
           "no such endpoint: try /introspect, /revoke, /validate, /healthz, /readyz, /metrics");
}

}  // namespace tokenwarden::server
