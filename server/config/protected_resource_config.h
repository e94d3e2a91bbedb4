// Private to server/config: the `protected_resources` array (ProtectedResourceConfig in
// config.h), the RFC 9728 metadata `serve` publishes for the resources behind the gateway.
#ifndef TOKENWARDEN_SERVER_CONFIG_PROTECTED_RESOURCE_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_PROTECTED_RESOURCE_CONFIG_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// kMaxProtectedResources bounds `protected_resources`: each is a document and a path the
// server answers, and /validate looks through them for every challenge.
inline constexpr size_t kMaxProtectedResources = 64;

// ReadProtectedResources reads the `protected_resources` array at `path` into `out`: each
// `resource` an https URL without query or fragment, none served at the metadata URL of
// another, and the derived fields (host, port, path, metadata_path, metadata_url) filled in.
absl::Status ReadProtectedResources(simdjson::dom::element value, std::string_view path,
                                    std::vector<ProtectedResourceConfig>& out);

// ResolveProtectedResources runs once the whole document is read (`issuers` and `dpop` may
// follow `protected_resources`): a resource without `authorization_servers` gets every
// configured issuer's identifier, and each one listed must be a configured issuer
// (multi-tenant templates, `{tenantid}`, identify no authorization server and are left out);
// a resource without `dpop_signing_alg_values_supported` publishes `dpop_algorithms` (what
// /validate accepts), and one listed must be among them.
absl::Status ResolveProtectedResources(const std::vector<IssuerConfig>& issuers,
                                       AlgorithmSet dpop_algorithms,
                                       std::vector<ProtectedResourceConfig>& resources);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_PROTECTED_RESOURCE_CONFIG_H_
