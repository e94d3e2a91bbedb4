// File: server/config/claim_headers_config.h
// -----------------------------------------------------------------------------
// Private to server/config: reading a `claim_headers` object ({"claim": "Header-Name"}),
// at the top level and in an issuer.
#ifndef TOKENWARDEN_SERVER_CONFIG_CLAIM_HEADERS_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_CLAIM_HEADERS_CONFIG_H_

#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadClaimHeaders replaces `out` with the mappings of `value`: each header an RFC 9110
// token the transport does not write itself, no header twice.
absl::Status ReadClaimHeaders(simdjson::dom::element value, std::string_view path,
                              std::vector<ClaimHeader>& out);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_CLAIM_HEADERS_CONFIG_H_
