// Private to server/config: reading the `issuers` array (policies, route scopes, and each
// issuer's JWK Set).
#ifndef TOKENWARDEN_SERVER_CONFIG_ISSUER_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_ISSUER_CONFIG_H_

#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadIssuers reads the non-empty `issuers` array at `path` into `out`: every member typed
// and range-checked, `issuer` values unique, each `jwks_file` (relative to `base_dir`) loaded
// with at least one usable key that can verify an allowed algorithm.
absl::Status ReadIssuers(simdjson::dom::element value, std::string_view path,
                         std::string_view base_dir, std::vector<IssuerConfig>& out);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_ISSUER_CONFIG_H_
