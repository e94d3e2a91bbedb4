#include "server/serve/token_check.h"

namespace tokenwarden::server {
namespace {

constexpr std::string_view kUntrustedIssuer = "the token's issuer is not trusted";

// RoutedWithKeys is `routing`, or, when it chose an issuer without keys, the routing the
// token's own `iss` gives (IssuerSet::ByIss) with that issuer refused too: such an issuer's
// key set is empty by design and vouches for nothing. Its own JWTs go to its introspection
// endpoint (OpaqueIssuerFor); one routed to it here came by the single-issuer shortcut (it
// names another issuer, none, or cannot be read) or names it where only keys count (a
// bearer caller's token), and is answered as routing answers a token of no issuer of ours.
IssuerSet::Routing RoutedWithKeys(std::string_view token, const ServerState& state,
                                  WorkerContext& ctx) {
  IssuerSet::Routing routing = ctx.Route(token, state);
  if (routing.issuer < 0 ||
      !state.issuers()[static_cast<size_t>(routing.issuer)].config->keyless()) {
    return routing;
  }
  routing = state.issuer_set().ByIss(ctx.Route(token, state, /*parse=*/true));
  if (routing.issuer >= 0) {
    routing.issuer = -1;
    routing.error = Error::kInvalidIssuer;
    routing.detail = "the issuer has no keys: its tokens are judged by its introspection endpoint";
  }
  return routing;
}

}  // namespace

void CheckToken(std::string_view token, int64_t now, const ServerState& state, WorkerContext& ctx,
                TokenVerdict& verdict, const RequirementsFor& requirements) {
  verdict = TokenVerdict();
  const IssuerSet::Routing routing = RoutedWithKeys(token, state, ctx);
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
