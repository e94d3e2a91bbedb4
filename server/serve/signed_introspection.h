// File: server/serve/signed_introspection.h
// -----------------------------------------------------------------------------
// RFC 9701 signed introspection answers: whether a /introspect request gets one (its Accept
// fields and its client's opt-in), and the JWT that wraps the RFC 7662 answer.
#ifndef TOKENWARDEN_SERVER_SERVE_SIGNED_INTROSPECTION_H_
#define TOKENWARDEN_SERVER_SERVE_SIGNED_INTROSPECTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "server/config/config.h"
#include "server/http/message.h"

namespace tokenwarden::server {

// kIntrospectionJwtType is RFC 9701's media type (§4, §10.2), and kIntrospectionJwtTyp its
// JWS `typ` (§5: the media type without "application/", RFC 7515 §4.1.9).
inline constexpr std::string_view kIntrospectionJwtType = "application/token-introspection+jwt";
inline constexpr std::string_view kIntrospectionJwtTyp = "token-introspection+jwt";

enum class IntrospectionFormat { kJson, kJwt };

// ChooseIntrospectionFormat negotiates the answer's format (RFC 9110 §12.5.1). A request whose
// Accept fields do not name the JWT type with a weight above 0 gets plain JSON, whatever else
// they say, as before RFC 9701. One that names it gets the JWT when `client` opted in
// (introspection_signed_response_alg) and weighs it at least as much as JSON; else JSON when
// acceptable; else nullopt with 406 in `response`. An Accept field that cannot be read while
// it names the JWT type is 400. `client` is null for a caller without client credentials.
std::optional<IntrospectionFormat> ChooseIntrospectionFormat(const http::Request& request,
                                                             const ClientConfig* client,
                                                             http::Response& response);

// SignedIntrospection returns the RFC 9701 §5 JWT for `answer` (the RFC 7662 JSON object the
// plain answer has): `iss` the configured issuer, `aud` `client_id`, `iat` `now`, and
// `token_introspection` holding `answer` as it is. No top-level `sub` or `exp`: the JWT is
// not an access token and must not pass for one (RFC 9701's security considerations).
absl::StatusOr<std::string> SignedIntrospection(const IntrospectionSigningConfig& signing,
                                                std::string_view client_id, int64_t now,
                                                std::string_view answer);

// SigningWarnings adds to `warnings` what is legal but likely a mistake in `config`'s signed
// answers: a signing key no client opted in to, a key file other users can read.
void SigningWarnings(const ServerConfig& config, std::vector<std::string>& warnings);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_SIGNED_INTROSPECTION_H_
