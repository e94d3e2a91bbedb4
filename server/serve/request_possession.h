// File: server/serve/request_possession.h
// -----------------------------------------------------------------------------
// What a /validate request proves beyond holding its token (issue 21): a DPoP proof
// (RFC 9449) when it comes with `Authorization: DPoP`, and the client certificate its
// gateway forwards (RFC 8705). The proof is checked here, against the original request
// (original_request.h), before the token is judged; which binding the token needs is the
// core's rule (core/possession.h), applied with the token's other requirements, on cache
// hits too. What stays for after the verdict: the replay check, so that only a proof that
// passed everything spends its jti.
#ifndef TOKENWARDEN_SERVER_SERVE_REQUEST_POSSESSION_H_
#define TOKENWARDEN_SERVER_SERVE_REQUEST_POSSESSION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/dpop.h"
#include "core/error.h"
#include "server/config/config.h"
#include "server/http/message.h"
#include "server/serve/original_request.h"

namespace tokenwarden::server {

struct RequestPossession {
  bool dpop = false;  // the request used the DPoP scheme
  // error: why the proof or the forwarded certificate is refused (kInvalidDpopProof,
  // kUseDpopNonce, kCertificateMismatch), with `detail`; kOk otherwise.
  Error error = Error::kOk;
  std::string_view detail;
  DpopProof proof;          // the verified proof (dpop and kOk)
  std::string certificate;  // the forwarded certificate's x5t#S256; empty: none
};

// CheckRequestPossession verifies the request's DPoP proof (when `dpop`) for `token` and
// reads the forwarded client certificate.
RequestPossession CheckRequestPossession(const http::Request& request, bool dpop,
                                         std::string_view token, const OriginalRequest& original,
                                         const ServerConfig& config, int64_t now);

// DpopModeFor is the DPoP mode of a request for a token of `issuer`: the last of its route
// rules that matches `original` and sets one, else the issuer's. An ambiguous original
// request matches no rule.
DpopMode DpopModeFor(const IssuerConfig& issuer, const OriginalRequest& original);

// DpopAcceptedAnywhere / BearerAcceptedAnywhere: whether some issuer or route takes the
// scheme, for the challenges a 401 offers (RFC 9449 §7.1).
bool DpopAcceptedAnywhere(const ServerConfig& config);
bool BearerAcceptedAnywhere(const ServerConfig& config);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_REQUEST_POSSESSION_H_
