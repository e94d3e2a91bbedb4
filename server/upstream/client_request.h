// File: server/upstream/client_request.h
// -----------------------------------------------------------------------------
// The requests tokenwarden sends as a client of an issuer: RFC 7662 introspection and RFC 7009
// revocation, each a form POST carrying tokenwarden's own client credentials. Client
// authentication is written once, here, so a forwarded revocation authenticates exactly as
// the introspection requests that `serve --check --online` proves do.
#ifndef TOKENWARDEN_SERVER_UPSTREAM_CLIENT_REQUEST_H_
#define TOKENWARDEN_SERVER_UPSTREAM_CLIENT_REQUEST_H_

#include <string_view>

#include "server/fetch/fetcher.h"

namespace tokenwarden::server::upstream {

// ClientAuth is how tokenwarden authenticates to the issuer (RFC 6749 §2.3.1): kBasic sends
// id and secret form-urlencoded inside Basic, as §2.3.1 asks; kBasicRaw joins them as they
// are (RFC 7617 §2, UTF-8), for servers that do not form-decode Basic credentials (the id
// then must not hold ':', nor either part a control character); kPost sends them as body
// parameters (client_secret_post).
enum class ClientAuth { kBasic, kBasicRaw, kPost };

// IntrospectionRequest is the RFC 7662 §2.1 request asking `endpoint` about `token`, with
// tokenwarden's client credentials sent as `auth` says.
fetch::FetchRequest IntrospectionRequest(std::string_view endpoint, std::string_view token,
                                         std::string_view client_id, std::string_view client_secret,
                                         ClientAuth auth);

// RevocationRequest is the RFC 7009 §2.1 request revoking `token` at `endpoint`, with
// `token_type_hint` when `hint` is not empty, and the credentials as above.
fetch::FetchRequest RevocationRequest(std::string_view endpoint, std::string_view token,
                                      std::string_view hint, std::string_view client_id,
                                      std::string_view client_secret, ClientAuth auth);

}  // namespace tokenwarden::server::upstream

#endif  // TOKENWARDEN_SERVER_UPSTREAM_CLIENT_REQUEST_H_
