#include "server/serve/token_check.h"

namespace tokenwarden::server {
namespace {

constexpr std::string_view kUntrustedIssuer = "the token's issuer is not trusted";

}  // namespace

void CheckToken(std::string_view token, int64_t now, const ServerState& state, WorkerContext& ctx,
                TokenVerdict& verdict, const RequirementsFor& requirements) {
  verdict = TokenVerdict();
  const IssuerSet::Routing& routing = ctx.Route(token, state);
  verdict.issuer = routing.issuer;
  if (routing.issuer < 0) {
    verdict.result.detail = routing.detail;
    if (routing.error == Error::kInvalidIssuer) {
      verdict.Fail(Judge::kNobody, Error::kInvalidIssuer, ServerOutcome::kUnknownIssuer,
                   kUntrustedIssuer);
    } else {
      verdict.Fail(Judge::kNobody, routing.error, routing.error, {});
    }
    return;
  }
  verdict.judge = Judge::kValidator;
  const Requirements wanted = requirements ? requirements(routing.issuer) : Requirements();
  verdict.error = state.issuer_set().Validate(routing, now, ctx.scratch(), verdict.result, wanted);
  verdict.outcome = verdict.error;
  if (verdict.error != Error::kOk && state.issuer_set().Disowns(routing, verdict.result)) {
    // One issuer: the token was not read before validation; it names another issuer, so it is
    // answered exactly as with several issuers (and never triggers a refetch of our keys).
    verdict.issuer = -1;
    verdict.Fail(Judge::kNobody, Error::kInvalidIssuer, ServerOutcome::kUnknownIssuer,
                 kUntrustedIssuer);
    return;
  }
  if (verdict.result.token.claims_parsed) {
    verdict.claims = &verdict.result.claims();
  }
}

}  // namespace tokenwarden::server
