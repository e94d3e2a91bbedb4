#include "server/serve/token_check.h"

#include <optional>

namespace tokenwarden::server {

int IssuerFor(std::string_view token, const ServerState& state, WorkerContext& ctx) {
  if (state.issuers().size() == 1) {
    return 0;
  }
  const std::optional<std::string_view> iss = ctx.payload.PeekIssuer(token);
  return iss.has_value() ? state.FindIssuer(*iss) : -1;
}

void CheckToken(std::string_view token, int64_t now, const ServerState& state, WorkerContext& ctx,
                TokenVerdict& verdict) {
  verdict = TokenVerdict();
  verdict.issuer = IssuerFor(token, state, ctx);
  if (verdict.issuer < 0) {
    verdict.error = Error::kInvalidIssuer;
    verdict.outcome = kUnknownIssuerOutcome;
    verdict.result.detail = "the token's issuer is not one this server trusts";
    return;
  }
  const IssuerRuntime& issuer = state.issuers()[static_cast<size_t>(verdict.issuer)];
  verdict.reached_validator = true;
  verdict.error =
      issuer.validator->Validate(token, now, ctx.scratch(verdict.issuer), verdict.result);
  verdict.outcome = static_cast<int>(verdict.error);
}

}  // namespace tokenwarden::server
