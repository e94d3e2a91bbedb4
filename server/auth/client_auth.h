// File: server/auth/client_auth.h
// -----------------------------------------------------------------------------
// Caller authentication for /introspect and /revoke with client credentials (RFC 6749
// §2.3.1): client_secret_basic (`Authorization: Basic base64(urlencode(id):urlencode(secret))`)
// or client_secret_post (`client_id` and `client_secret` form parameters). Secrets are
// configured only as salted hashes (server/config/config.h SecretHash) and compared in
// constant time. Bearer-token callers are checked by the routes (they need a Validator).
#ifndef TOKENWARDEN_SERVER_AUTH_CLIENT_AUTH_H_
#define TOKENWARDEN_SERVER_AUTH_CLIENT_AUTH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "server/config/config.h"

namespace tokenwarden::server {

// BasicCredentials are the decoded id and secret of an `Authorization: Basic` value.
struct BasicCredentials {
  std::string id;
  std::string secret;
};

// ParseBasicAuthorization decodes the credentials of a full Authorization header value
// ("Basic dXNlcjpwYXNz"; the scheme name is case-insensitive): strict Base64 (RFC 4648 §4,
// padding required), then split at the first ':', then each part form-urlencoding-decoded
// ('+' is a space, %XX; a bad escape is an error). nullopt when the value is not Basic or is
// malformed.
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header_value);

// VerifySecret reports whether `secret` matches `stored`. The final comparison is constant
// time. PBKDF2 costs `iterations` HMACs: callers memoize successes (SecretMemo).
bool VerifySecret(const SecretHash& stored, std::string_view secret);

// HashSecret makes the stored form of `secret` with a fresh random salt (the
// `tokenwarden hash-secret` command). `iterations` 0 picks "sha256", else "pbkdf2-sha256".
std::string HashSecret(std::string_view secret, uint32_t iterations);

// ClientRegistry authenticates configured clients.
// Thread-safety: Authenticate may run concurrently.
class ClientRegistry {
 public:
  explicit ClientRegistry(const std::vector<ClientConfig>& clients);
  // Authenticate returns the client whose id is `id` and whose secret matches, or null.
  // Takes the same time whether or not the id exists (a dummy hash check for unknown ids).
  // Successful PBKDF2 checks are memoized per client as a keyed digest of the secret (a
  // process-random key), so repeat requests cost one HMAC, not the PBKDF2 iterations.
  const ClientConfig* Authenticate(std::string_view id, std::string_view secret) const;

 private:
  struct Entry;
  std::vector<Entry> entries_;  // ...
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_AUTH_CLIENT_AUTH_H_
