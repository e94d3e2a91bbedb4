// File: server/auth/client_auth.h
// -----------------------------------------------------------------------------
// Caller authentication for /introspect and /revoke with client credentials (RFC 6749
// §2.3.1): client_secret_basic (`Authorization: Basic base64(urlencode(id):urlencode(secret))`)
// or client_secret_post (`client_id` and `client_secret` form parameters). Secrets are
// configured only as salted hashes (server/config/secret_hash.h, which also checks them) and
// compared in constant time. Bearer-token callers are checked by the routes (they need a
// Validator).
#ifndef TOKENWARDEN_SERVER_AUTH_CLIENT_AUTH_H_
#define TOKENWARDEN_SERVER_AUTH_CLIENT_AUTH_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "server/config/config.h"
#include "server/config/secret_hash.h"

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

// SlowCheckBudget bounds the CPU that PBKDF2 checks which are not memoized may take: a bucket
// of seconds, refilled at `refill_per_second` (seconds of CPU per second) up to `burst`. A
// wrong or unknown credential costs the full iteration count every time, so without a bound
// anyone who can reach the endpoint could keep the workers busy hashing.
struct SlowCheckBudget {
  double refill_per_second = 0.25;
  double burst_seconds = 1.0;
};

// AuthResult is what Check decided.
struct AuthResult {
  enum class Status { kOk, kRejected, kThrottled };
  Status status = Status::kRejected;
  const ClientConfig* client = nullptr;  // set when kOk
};

// ClientRegistry authenticates configured clients.
// Thread-safety: Authenticate may run concurrently.
class ClientRegistry {
 public:
  explicit ClientRegistry(const std::vector<ClientConfig>& clients,
                          SlowCheckBudget budget = SlowCheckBudget());
  ~ClientRegistry();
  ClientRegistry(ClientRegistry&&) noexcept;
  ClientRegistry& operator=(ClientRegistry&&) noexcept;
  // Authenticate returns the client whose id is `id` and whose secret matches, or null. The
  // result points into the registry (a copy of the configuration) and lives as long as it.
  // Takes the same time whether or not the id exists (a dummy hash check for unknown ids).
  // Successful PBKDF2 checks are memoized per client as a keyed digest of the secret (a
  // process-random key), so repeat requests cost one HMAC, not the PBKDF2 iterations.
  const ClientConfig* Authenticate(std::string_view id, std::string_view secret) const {
    return Check(id, secret).client;
  }
  // Check is Authenticate that also says when a slow (PBKDF2) check was refused because the
  // SlowCheckBudget is spent: kThrottled (callers answer 429). Memoized successes and sha256
  // checks never wait for the budget.
  AuthResult Check(std::string_view id, std::string_view secret) const;

 private:
  struct Entry;  // one client, plus its memo (client_auth.cc)

  // Find returns the entry whose id is `id`, or null.
  Entry* Find(std::string_view id) const;
  // MemoDigest writes HMAC-SHA256(memo_key_, `secret`) to `out`.
  void MemoDigest(std::string_view secret, std::array<uint8_t, 32>& out) const;

  // Sorted by id (stable: with duplicate ids the first configured wins). Each Entry owns a
  // mutex, so entries live behind pointers and never move.
  std::vector<std::unique_ptr<Entry>> entries_;
  // Stands in for an unknown id: the scheme and cost most entries use, a random digest.
  SecretHash dummy_;
  // Random per registry (so per process): memo digests are useless outside this process.
  std::array<uint8_t, 32> memo_key_;
  struct Budget;  // the SlowCheckBudget bucket and its mutex (client_auth.cc)
  std::unique_ptr<Budget> budget_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_AUTH_CLIENT_AUTH_H_
