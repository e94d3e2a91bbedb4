// File: server/serve/protected_resource.h
// -----------------------------------------------------------------------------
// The protected resources of RFC 9728 (`protected_resources` in the configuration): which
// one a request belongs to, and the metadata document each publishes.
//   /validate          ResourceOfRequest: whose metadata URL its challenges name (§5.1)
//   /.well-known/oauth-protected-resource[/path]
//                      ResourceAtMetadataPath and MetadataJson: the document (§3)
// The resources come from the published ServerState; the metadata URL of each is computed
// when the configuration is read (server/config/protected_resource_config.cc).
#ifndef TOKENWARDEN_SERVER_SERVE_PROTECTED_RESOURCE_H_
#define TOKENWARDEN_SERVER_SERVE_PROTECTED_RESOURCE_H_

#include <span>
#include <string>
#include <string_view>

#include "server/config/config.h"
#include "server/serve/original_request.h"

namespace tokenwarden::server {

// ResourceOfRequest returns the protected resource the gateway's original request belongs
// to: among `resources`, the one whose identifier is the longest prefix of original.Url()
// — same scheme and host (ASCII case ignored, a default port the same as none), the path a
// prefix ending at a '/' boundary. When the URL is unknown (the gateway forwarded no scheme,
// host or path, or forwarded them ambiguously) and exactly one resource is configured, that
// one. Else null. The result points into `resources`.
const ProtectedResourceConfig* ResourceOfRequest(std::span<const ProtectedResourceConfig> resources,
                                                 const OriginalRequest& original);

// MetadataLookup is what ResourceAtMetadataPath found: `resource`, or null (404); with
// `ambiguous`, several resources publish at the path and the request gives no host to choose
// by, or gives it twice or as a list (400).
struct MetadataLookup {
  const ProtectedResourceConfig* resource = nullptr;
  bool ambiguous = false;
};

// ResourceAtMetadataPath finds the resource whose metadata is served at `path` (the
// request's own path, without query): the only one with that metadata path, else the one
// of those on the original request's host (X-Forwarded-Host, else Host; ASCII case ignored,
// no port the same as 443).
MetadataLookup ResourceAtMetadataPath(std::span<const ProtectedResourceConfig> resources,
                                      std::string_view path, const OriginalRequest& original);

// MetadataJson renders the RFC 9728 §2 metadata of `resource`: `resource` exactly as
// configured, `authorization_servers`, `bearer_methods_supported` (["header"]: tokens are
// read from the Authorization header only), the DPoP members, and the optional members
// that are configured.
std::string MetadataJson(const ProtectedResourceConfig& resource);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_PROTECTED_RESOURCE_H_
