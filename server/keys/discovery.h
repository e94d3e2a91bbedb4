// File: server/keys/discovery.h
// -----------------------------------------------------------------------------
// OpenID Connect Discovery 1.0: where an issuer's metadata lives and what we take from it.
#ifndef TOKENWARDEN_SERVER_KEYS_DISCOVERY_H_
#define TOKENWARDEN_SERVER_KEYS_DISCOVERY_H_

#include <string>
#include <string_view>

#include <absl/status/statusor.h>

namespace tokenwarden::server::keys {

struct DiscoveryDocument {
  std::string jwks_uri;
  std::string introspection_endpoint;  // "" when the issuer names none
  std::string revocation_endpoint;     // RFC 7009's, RFC 8414 §2; "" when none is usable
};

// DiscoveryUrl is `issuer` + "/.well-known/openid-configuration" (§4: a trailing '/' of the
// issuer is dropped first, so it is never doubled).
std::string DiscoveryUrl(std::string_view issuer);

// ParseDiscovery reads the metadata document (at most 256 KiB of JSON, an object). Its
// `issuer` must equal `expected_issuer` byte for byte (§4.3: otherwise the document is not
// the issuer's and must not be used); `jwks_uri` is required; it and `introspection_endpoint`
// must be https:// URLs (http:// too with `allow_plain_http`); a `revocation_endpoint` that is
// not is left out.
absl::StatusOr<DiscoveryDocument> ParseDiscovery(std::string_view json,
                                                 std::string_view expected_issuer,
                                                 bool allow_plain_http);

}  // namespace tokenwarden::server::keys

#endif  // TOKENWARDEN_SERVER_KEYS_DISCOVERY_H_
