// File: server/serve/validate_challenge.h
// -----------------------------------------------------------------------------
// The WWW-Authenticate challenges of /validate's refusals. A request made with one scheme gets
// its error in that scheme's challenge: `Bearer` (RFC 6750 §3) or `DPoP` with the algorithms
// proofs may use (RFC 9449 §7.1); the other scheme, when some issuer or route takes it,
// follows as a bare challenge in the same header value (RFC 9110 §11.6.1 allows a list: one
// header survives gateways such as nginx's auth_request_set, which keep only one).
#ifndef TOKENWARDEN_SERVER_SERVE_VALIDATE_CHALLENGE_H_
#define TOKENWARDEN_SERVER_SERVE_VALIDATE_CHALLENGE_H_

#include <span>
#include <string>
#include <string_view>

#include "core/algorithm.h"
#include "server/config/config.h"
#include "server/http/message.h"
#include "server/serve/original_request.h"

namespace tokenwarden::server {

struct ChallengeSchemes {
  bool dpop_request = false;  // the request used the DPoP scheme
  bool offer_bearer = true;   // some issuer or route takes bearer tokens
  bool offer_dpop = false;    // some issuer or route takes DPoP
  AlgorithmSet dpop_algorithms;
  // The protected resources of RFC 9728: each challenge names the metadata URL of the one the
  // original request is for (§5.1), looked up only when a challenge is written. The original
  // request is `original` once /validate has rebuilt it, else rebuilt from `request`.
  std::span<const ProtectedResourceConfig> resources;
  const http::Request* request = nullptr;
  const OriginalRequest* original = nullptr;
};

// Challenge answers `status` with the JSON error body and the challenges; an empty `error`
// is a bare challenge (no credentials at all, RFC 6750 §3.1) with body code invalid_request.
// Each challenge ends with resource_metadata when the request is for a protected resource.
void Challenge(http::Response& response, const ChallengeSchemes& schemes, int status,
               std::string_view error, std::string_view description, std::string_view scope = {});

// QuotedSafe renders `text` in the characters RFC 6750 §3 allows in error_description and
// scope values (%x20-21 / %x23-5B / %x5D-7E: no '"', no '\', nothing outside ASCII): "§"
// (the core's details cite RFC sections) becomes "section ", any other non-ASCII character
// one '?', a quote, backslash or control character an apostrophe.
std::string QuotedSafe(std::string_view text);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_VALIDATE_CHALLENGE_H_
