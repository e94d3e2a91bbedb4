#include "server/serve/token_check.h"

namespace tokenwarden::server {

void CheckToken(std::string_view token, int64_t now, const ServerState& state, WorkerContext& ctx,
                TokenVerdict& verdict, const RequirementsFor& requirements) {
  verdict = TokenVerdict();
  const IssuerSet::Routing& routing = ctx.Route(token, state);
  verdict.issuer = routing.issuer;
  if (routing.issuer < 0) {
    if (routing.too_large) {
      verdict.Fail(Judge::kNobody, Error::kTokenTooLarge, Error::kTokenTooLarge, {});
      return;
    }
    verdict.Fail(Judge::kNobody, Error::kInvalidIssuer, ServerOutcome::kUnknownIssuer,
                 "the token's issuer is not trusted");
    verdict.result.detail = "the token's issuer is not one this server trusts";
    return;
  }
  verdict.judge = Judge::kValidator;
  const Requirements wanted = requirements ? requirements(routing.issuer) : Requirements();
  verdict.error = state.issuer_set().Validate(routing, now, ctx.scratch(), verdict.result, wanted);
  verdict.outcome = verdict.error;
  if (verdict.result.token.claims_parsed) {
    verdict.claims = &verdict.result.claims();
  }
}

}  // namespace tokenwarden::server
