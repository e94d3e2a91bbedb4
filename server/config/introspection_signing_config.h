// Private to server/config: the `introspection_signing` object (IntrospectionSigningConfig in
// config.h), the key tokenwarden signs RFC 9701 introspection answers with, and each client's
// `introspection_signed_response_alg`, which opts that client in.
#ifndef TOKENWARDEN_SERVER_CONFIG_INTROSPECTION_SIGNING_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_INTROSPECTION_SIGNING_CONFIG_H_

#include <optional>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <simdjson.h>

#include "core/algorithm.h"
#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadIntrospectionSigning reads the object at `path` into `out` and loads its key file
// (resolved against `base_dir`) into `out.signer`: `issuer` (an https URL), `key_file`,
// `alg`, optional `kid` and `jwks_path`. Messages name the field and the file, never key
// material.
absl::Status ReadIntrospectionSigning(simdjson::dom::element value, std::string_view path,
                                      std::string_view base_dir, IntrospectionSigningConfig& out);

// ReadSignedResponseAlg reads a client's `introspection_signed_response_alg` (RFC 9701 §6):
// the name of one of the algorithms tokenwarden signs with.
absl::Status ReadSignedResponseAlg(simdjson::dom::element value, std::string_view path,
                                   std::optional<Algorithm>& out);

// CheckSignedResponseClients runs once the whole document is read: a client that opts in
// needs `introspection_signing`, and must expect the algorithm its key signs with (one key,
// one algorithm).
absl::Status CheckSignedResponseClients(const std::vector<ClientConfig>& clients,
                                        const std::optional<IntrospectionSigningConfig>& signing);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_INTROSPECTION_SIGNING_CONFIG_H_
