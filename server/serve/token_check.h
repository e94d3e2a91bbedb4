// File: server/serve/token_check.h
// -----------------------------------------------------------------------------
// CheckToken is the one way the routes judge a token: choose the issuer entry by the token's
// `iss` (read before verification; with a single issuer there is nothing to choose), then
// validate with that issuer's Validator only — one issuer's keys never verify another
// issuer's token (RFC 8725 §3.8), and the Validator checks `iss` again after the signature.
#ifndef TOKENWARDEN_SERVER_SERVE_TOKEN_CHECK_H_
#define TOKENWARDEN_SERVER_SERVE_TOKEN_CHECK_H_

#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "core/validator.h"
#include "server/serve/metrics.h"
#include "server/serve/server_state.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

struct TokenVerdict {
  int issuer = -1;  // index into ServerState::issuers(), -1 when none matched
  Error error = Error::kMalformed;
  // outcome is the metrics label: the error, or kUnknownIssuerOutcome.
  int outcome = static_cast<int>(Error::kMalformed);
  bool reached_validator = false;
  // upstream: judged by the issuer's introspection endpoint (an opaque token, or any token of
  // an `opaque` issuer); result.payload_json is then the upstream's response object.
  bool upstream = false;
  // unavailable: the issuer could not judge the token (no usable keys, or its introspection
  // endpoint failed). `error` is then not the token's fault.
  bool unavailable = false;
  // description overrides ErrorSummary(error) in responses when set (static storage).
  std::string_view description;
  ValidationResult result;  // views valid until the worker's next validation
};

// IssuerFor picks the issuer entry for `token`: the only one, or the one named by the
// unverified `iss` (-1 if none). Leaves the unverified payload loaded in ctx.payload when it
// had to peek.
int IssuerFor(std::string_view token, const ServerState& state, WorkerContext& ctx);

void CheckToken(std::string_view token, int64_t now, const ServerState& state, WorkerContext& ctx,
                TokenVerdict& verdict);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_TOKEN_CHECK_H_
