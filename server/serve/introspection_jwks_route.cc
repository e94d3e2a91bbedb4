// GET <introspection_signing.jwks_path>: the public JWK Set of the key signed introspection
// answers are made with (RFC 9701 §5), so callers can verify them. Public, as every JWK Set
// is: it holds public members only (JwsSigner refuses to publish anything else).

#include "server/serve/endpoints.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {

bool IntrospectionJwksRoute(RouteContext& routes, const http::Request& request,
                            http::Response& response, WorkerContext& ctx) {
  const ServerState& state = ctx.Refresh(*routes.deps().state);
  const std::optional<IntrospectionSigningConfig>& signing = state.config().introspection_signing;
  if (!signing.has_value() || request.path != signing->jwks_path) {
    return false;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    SetError(response, 405, "invalid_request", "use GET");
    response.AddHeader("Allow", "GET, HEAD");
    return true;
  }
  // The set changes only with the configuration. A few minutes of caching is what a key
  // rotation (both keys published through a reload, then the old one dropped) must allow for.
  response.AddHeader("Cache-Control", "public, max-age=300");
  response.body = signing->signer->PublicJwks();
  return true;
}

}  // namespace tokenwarden::server
