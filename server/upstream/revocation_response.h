// File: server/upstream/revocation_response.h
// -----------------------------------------------------------------------------
// What an issuer's RFC 7009 revocation endpoint answered to a forwarded revocation: 200 is
// "revoked" (§2.2: also for a token it did not know; the body is ignored), a 400 naming
// `unsupported_token_type` is "this issuer does not revoke such tokens" (§2.2.1), and anything
// else — 503 (§2.2.1: the token must be assumed to still exist; its Retry-After is kept), other
// statuses, no answer — is a failure: the issuer may not have revoked the token.
#ifndef TOKENWARDEN_SERVER_UPSTREAM_REVOCATION_RESPONSE_H_
#define TOKENWARDEN_SERVER_UPSTREAM_REVOCATION_RESPONSE_H_

#include <cstdint>
#include <string>

#include "server/fetch/fetcher.h"

namespace tokenwarden::server::upstream {

// kMaxRetryAfterSeconds bounds the Retry-After relayed from an issuer.
inline constexpr int64_t kMaxRetryAfterSeconds = 3600;

struct RevocationOutcome {
  enum class Kind { kRevoked, kUnsupportedTokenType, kError };
  Kind kind = Kind::kError;
  // retry_after_seconds: a 503's Retry-After in delta-seconds, 1 to kMaxRetryAfterSeconds
  // (0: none, or an HTTP-date).
  int64_t retry_after_seconds = 0;
  std::string error;  // kError: why, for logs; never a token or a secret
};

// ReadRevocationResponse classifies the endpoint's `response`.
RevocationOutcome ReadRevocationResponse(const fetch::FetchResponse& response);

}  // namespace tokenwarden::server::upstream

#endif  // TOKENWARDEN_SERVER_UPSTREAM_REVOCATION_RESPONSE_H_
