#include "server/serve/routes.h"

#include <string>
#include <string_view>
#include <utility>

#include "base/str_cat.h"
#include "server/serve/endpoints.h"

namespace tokenwarden::server {
namespace {

// RouteSpec registers one endpoint: its path (with `subtree`, every path below it too), its
// label in the metrics, and where it is served. Marking an endpoint as an admin route is
// setting its `exposure` to Exposure::kAdmin.
struct RouteSpec {
  std::string_view path;
  bool subtree;
  Route route;
  Exposure exposure;
};

constexpr RouteSpec kRouteSpecs[] = {
    {"/introspect", false, Route::kIntrospect, Exposure::kPublic},
    {"/revoke", false, Route::kRevoke, Exposure::kPublic},
    // Ends every token of a session, subject or client: an operator's call.
    {"/revoke-by-attribute", false, Route::kRevokeByAttribute, Exposure::kAdmin},
    // Envoy's ext_authz (HTTP mode) asks for path_prefix + the original path, e.g.
    // /validate/orders/7, with the original method.
    {"/validate", true, Route::kValidate, Exposure::kPublic},
    // Liveness tells a stranger nothing, and load balancers probe it on the port the traffic
    // takes: a liveness answered only by the admin listener's own thread would say nothing
    // about the public workers.
    {"/healthz", false, Route::kHealthz, Exposure::kBoth},
    // Readiness lists the issuers with their key and introspection state, and metrics much
    // more: for operators.
    {"/readyz", false, Route::kReadyz, Exposure::kAdmin},
    {"/metrics", false, Route::kMetrics, Exposure::kAdmin},
    // RFC 9728 §3.1: the metadata of a resource with a path is at the well-known URI followed
    // by that path.
    {"/.well-known/oauth-protected-resource", true, Route::kResourceMetadata, Exposure::kPublic},
};

const RouteSpec* SpecOf(Route route) {
  for (const RouteSpec& spec : kRouteSpecs) {
    if (spec.route == route) {
      return &spec;
    }
  }
  return nullptr;
}

// NotFoundText lists the endpoints `listener` serves, but no well-known URI: those are found
// through the documents that name them, not by trying.
std::string NotFoundText(Listener listener) {
  std::string text = "no such endpoint: try ";
  bool first = true;
  for (const RouteSpec& spec : kRouteSpecs) {
    if (Routes::Serves(listener, spec.route) && !spec.path.starts_with("/.well-known/")) {
      base::StrAppend(&text, first ? "" : ", ", spec.path);
      first = false;
    }
  }
  return text;
}

}  // namespace

Routes::Routes(RouteDeps deps, int workers)
    : context_(std::move(deps), workers,
               // A request resumed after a wait was admitted by its listener the first time.
               [this](const http::Request& request, http::Response& response) {
                 Handle(request, response);
               }) {
  for (const Listener listener : {Listener::kOnly, Listener::kPublic, Listener::kAdmin}) {
    not_found_[static_cast<size_t>(listener)] = NotFoundText(listener);
  }
}

Routes::~Routes() = default;

Route Routes::RouteOf(std::string_view path, std::string_view logout_path) {
  // The logout receiver's path is configured (backchannel_logout.path), so not in the table.
  if (path == logout_path) {
    return Route::kBackChannelLogout;
  }
  for (const RouteSpec& spec : kRouteSpecs) {
    if (path.starts_with(spec.path) &&
        (path.size() == spec.path.size() || (spec.subtree && path[spec.path.size()] == '/'))) {
      return spec.route;
    }
  }
  return Route::kOther;
}

bool Routes::Serves(Listener listener, Route route) {
  if (route == Route::kBackChannelLogout) {
    return listener != Listener::kAdmin;  // the issuers post there, from outside
  }
  const RouteSpec* spec = SpecOf(route);
  if (spec == nullptr) {
    return false;
  }
  switch (listener) {
    case Listener::kOnly:
      return true;
    case Listener::kPublic:
      return spec->exposure != Exposure::kAdmin;
    case Listener::kAdmin:
      return spec->exposure != Exposure::kPublic;
  }
  return false;
}

void Routes::Handle(const http::Request& request, http::Response& response, Listener listener) {
  WorkerContext& ctx = context_.worker(request.worker);
  Dispatch(request, response, ctx, listener);
  context_.deps().metrics->CountTokenParses(ctx.index(), ctx.TakeTokenParses());
}

void Routes::Dispatch(const http::Request& request, http::Response& response, WorkerContext& ctx,
                      Listener listener) {
  Route route = RouteOf(request.path, context_.deps().backchannel_logout_path);
  if (!Serves(listener, route)) {
    route = Route::kOther;  // before the method check: a hidden route is not there at all
  }
  const bool get_like = request.method == "GET" || request.method == "HEAD";
  switch (route) {
    case Route::kIntrospect:
    case Route::kRevoke:
    case Route::kRevokeByAttribute:
    case Route::kBackChannelLogout:
      // RFC 7662 §2.1 / RFC 7009 §2.1 / OIDC Back-Channel Logout §2.5: POST with a form body.
      // A token in a URL ends up in access logs and browser history, so GET and query strings
      // are refused outright.
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
      } else if (route == Route::kRevoke) {
        RevokeRoute(context_, request, response, ctx);
      } else if (route == Route::kRevokeByAttribute) {
        RevokeByAttributeRoute(context_, request, response, ctx);
      } else {
        BackChannelLogoutRoute(context_, request, response, ctx);
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
      // The JWK Set's path is configured (under /.well-known/, clear of every fixed route and
      // of the logout receiver's). Callers verifying answers fetch it where they introspect:
      // a public route, not the admin port's.
      if (listener != Listener::kAdmin &&
          IntrospectionJwksRoute(context_, request, response, ctx)) {
        return;
      }
      break;
  }
  SetError(response, 404, "not_found", not_found_[static_cast<size_t>(listener)]);
}

}  // namespace tokenwarden::server
