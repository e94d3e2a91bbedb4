// GET /.well-known/oauth-protected-resource[/path]: the RFC 9728 metadata of the protected
// resources behind the gateway, so a client that met a /validate challenge finds the
// authorization servers to get a token from. Public, as RFC 9728 §3 publishes it: no caller
// authentication.

#include "server/serve/endpoints.h"
#include "server/serve/original_request.h"
#include "server/serve/protected_resource.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {

void ResourceMetadataRoute(RouteContext& routes, const http::Request& request,
                           http::Response& response, WorkerContext& ctx) {
  const ServerState& state = ctx.Refresh(*routes.deps().state);
  const MetadataLookup found =
      ResourceAtMetadataPath(state.config().protected_resources, request.path, OriginalOf(request));
  if (found.ambiguous) {
    SetError(response, 400, "invalid_request",
             "several protected resources publish metadata at this path: the request's host "
             "(X-Forwarded-Host, else Host, given once) chooses one");
    return;
  }
  if (found.resource == nullptr) {
    SetError(response, 404, "not_found", "no protected resource publishes metadata here");
    return;
  }
  // The document changes only with the configuration: clients may keep it a few minutes.
  response.AddHeader("Cache-Control", "public, max-age=300");
  response.body = MetadataJson(*found.resource);
}

}  // namespace tokenwarden::server
