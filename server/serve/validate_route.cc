// /validate: forward authentication for gateways (nginx auth_request, Envoy ext_authz in HTTP
// mode, Traefik forwardAuth). The token comes from `Authorization: Bearer` (RFC 6750 §2.1) or
// `Authorization: DPoP` with a DPoP proof (RFC 9449 §7) on any method; a certificate-bound
// token needs the client certificate the gateway forwards (RFC 8705). The answer is 200 with
// claim headers, 401 with the challenges of validate_challenge.h, or 403 insufficient_scope.

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <utility>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "base/utf8.h"
#include "core/claims_output.h"
#include "core/dpop_nonce.h"
#include "core/verifier.h"
#include "server/http/deferred.h"
#include "server/serve/endpoints.h"
#include "server/serve/original_request.h"
#include "server/serve/request_possession.h"
#include "server/serve/route_context.h"
#include "server/serve/token_check.h"
#include "server/serve/validate_challenge.h"

namespace tokenwarden::server {

namespace {

// kMaxDescriptionBytes bounds an error_description: one sentence, never a dump of input.
constexpr size_t kMaxDescriptionBytes = 200;

// Description is the error_description for a rejected token: the server's own words when it
// judged, else the core's summary of the code, and for a malformed token also the core's
// detail (which part is wrong: the segments, base64url, the JSON, a JWE, a "Bearer " prefix),
// the one thing a client can act on; so are the core's details meant for clients (a token for
// a Microsoft API, a key of another issuer). Bounded, cut on a UTF-8 character boundary.
std::string Description(const TokenVerdict& verdict) {
  std::string out(verdict.description.empty() ? ErrorSummary(verdict.error) : verdict.description);
  const std::string_view detail = verdict.result.detail;
  const bool for_client =
      verdict.error == Error::kMalformed || verdict.error == Error::kProofOfPossessionRequired ||
      verdict.error == Error::kDpopKeyMismatch || verdict.error == Error::kCertificateMismatch ||
      detail == kDetailMicrosoftApiToken || detail == kDetailKeyOfAnotherIssuer;
  if (verdict.description.empty() && for_client && !detail.empty()) {
    base::StrAppend(&out, ": ", verdict.result.detail);
  }
  out.resize(base::Utf8Prefix(out, kMaxDescriptionBytes).size());
  return out;
}

// b64token (RFC 6750 §2.1): 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
constexpr std::array<uint8_t, 256> kB64TokenChar = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[static_cast<size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                    c == '~' || c == '+' || c == '/';
  }
  return table;
}();

// Every /validate request scans its whole token here: one table load per byte, no branch.
bool IsB64Token(std::string_view token) {
  const size_t padding = std::min(token.find('='), token.size());
  if (padding == 0) {
    return false;
  }
  for (size_t i = padding; i < token.size(); ++i) {
    if (token[i] != '=') {
      return false;
    }
  }
  uint8_t all = 1;
  for (size_t i = 0; i < padding; ++i) {
    all &= kB64TokenChar[static_cast<unsigned char>(token[i])];
  }
  return all != 0;
}

// AddScopes appends the space-separated `list` to `scopes`.
void AddScopes(std::string_view list, std::vector<std::string>& scopes) {
  while (!list.empty()) {
    const size_t sp = list.find(' ');
    if (sp != 0) {
      scopes.emplace_back(list.substr(0, sp));
    }
    if (sp == std::string_view::npos) {
      break;
    }
    list.remove_prefix(sp + 1);
  }
}

// Join joins scope names with single spaces (the `scope` attribute of RFC 6750 §3).
template <typename List>
std::string Join(const List& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    base::StrAppend(&out, out.empty() ? "" : " ", s);
  }
  return out;
}

// AddClaimHeaders sends the configured claims of a passing token: the top-level mappings, then
// its issuer's own (a profile's), which win for a header named in both.
void AddClaimHeaders(const ServerState& state, const TokenVerdict& verdict, WorkerContext& ctx,
                     http::Response& response) {
  const std::vector<ClaimHeader>* own = nullptr;
  if (verdict.issuer >= 0) {
    own = &state.issuers()[static_cast<size_t>(verdict.issuer)].config->claim_headers;
  }
  const auto add = [&](const ClaimHeader& mapping) {
    const std::optional<std::string_view> text =
        ClaimText(*verdict.claims, mapping.claim, ctx.buffer);
    if (text.has_value()) {
      // A value with CR/LF cannot be sent as a header; AddHeader drops it.
      (void)response.AddHeader(mapping.header, *text);
    }
  };
  for (const ClaimHeader& mapping : state.config().claim_headers) {
    const bool replaced =
        own != nullptr && std::any_of(own->begin(), own->end(), [&](const ClaimHeader& o) {
          return base::EqualsIgnoreCase(o.header, mapping.header);
        });
    if (!replaced) {
      add(mapping);
    }
  }
  if (own != nullptr) {
    std::for_each(own->begin(), own->end(), add);
  }
}

// RequestScopes are this request's own scopes, for the issuer the token turns out to be from:
// the issuer's per-route rules on the original request, and what the gateway asks in
// X-Required-Scopes. The core checks them with its one scope rule, on a cache hit as on a
// miss. An ambiguous original request sets `ambiguous` (answered 400 once the token itself
// has passed) and asks nothing.
Requirements RequestScopes(const http::Request& request, const OriginalRequest& original,
                           const IssuerConfig& config, WorkerContext& ctx, bool& ambiguous) {
  ctx.required_scopes.clear();
  if (!config.route_scopes.empty()) {
    if (original.ambiguous) {
      ambiguous = true;
      return Requirements();
    }
    for (const RouteScopeRule& rule : config.route_scopes) {
      if ((rule.method.empty() || rule.method == original.method) &&
          original.path.starts_with(rule.path_prefix)) {
        ctx.required_scopes.insert(ctx.required_scopes.end(), rule.scopes.begin(),
                                   rule.scopes.end());
      }
    }
  }
  if (const std::optional<std::string_view> asked = request.Header("X-Required-Scopes")) {
    AddScopes(*asked, ctx.required_scopes);
  }
  return Requirements{ctx.required_scopes, {}};
}

// ErrorOfVerdict is the `error` attribute of a refused token's challenge: RFC 9449 §7.1 uses
// invalid_dpop_proof for the proof, invalid_token for everything about the token.
std::string_view ErrorOfVerdict(Error error) {
  return error == Error::kInvalidDpopProof || error == Error::kDpopProofReplayed
             ? "invalid_dpop_proof"
             : "invalid_token";
}

// AnswerValidate turns /validate's verdict into the response (and its metrics);
// `refuse_ambiguous`: the token passed but the original request is ambiguous (400).
void AnswerValidate(const RouteDeps& deps, http::Response& response, const ServerState& state,
                    WorkerContext& ctx, const TokenVerdict& verdict, bool refuse_ambiguous,
                    const ChallengeSchemes& schemes) {
  if (verdict.reached_validator() && state.config().cache.enabled) {
    deps.metrics->CountCache(ctx.index(), verdict.result.cache_hit);
  }
  deps.metrics->CountValidation(ctx.index(), verdict.outcome);
  if (deps.log_notes) {
    base::StrAppend(&response.log_note, " result=", verdict.outcome.Name());
  }
  if (verdict.unavailable() &&
      RouteContext::AnswersUnavailable(verdict, state, /*introspect=*/false)) {
    Unavailable(response, verdict);
    return;
  }
  if (refuse_ambiguous) {
    Challenge(response, schemes, 400, "invalid_request",
              "the original request's method or path is ambiguous: given twice, "
              "differently, or a path applications read differently");
    return;
  }
  if (verdict.error == Error::kInsufficientScope) {
    // Name what was missing: the issuer's own scopes when the token lacks one of them, else
    // this request's.
    const std::vector<std::string>& issuer_scopes =
        state.issuers()[static_cast<size_t>(verdict.issuer)].config->policy.required_scopes;
    const bool issuer_short =
        verdict.claims == nullptr ||
        std::any_of(issuer_scopes.begin(), issuer_scopes.end(),
                    [&](const std::string& s) { return !verdict.claims->HasScope(s); });
    Challenge(response, schemes, 403, "insufficient_scope", "the token lacks a required scope",
              Join(issuer_short ? issuer_scopes : ctx.required_scopes));
    return;
  }
  if (verdict.error != Error::kOk) {
    Challenge(response, schemes, 401, ErrorOfVerdict(verdict.error), Description(verdict));
    return;
  }
  response.content_type = "";
  AddClaimHeaders(state, verdict, ctx, response);
}

// Presented is the credential of a /validate request: its token and the scheme it came with.
struct Presented {
  bool dpop = false;
  std::string_view token;
};

// ReadAuthorization reads the one Authorization header (the Bearer or the DPoP scheme, in
// any case, RFC 9110 §11.1); nullopt with the response filled when the request is refused.
std::optional<Presented> ReadAuthorization(const http::Request& request, ChallengeSchemes& schemes,
                                           http::Response& response) {
  const size_t authorizations = request.HeaderCount("Authorization");
  if (authorizations == 0) {
    // RFC 6750 §3.1: no credentials at all -> a bare challenge, no error code.
    Challenge(response, schemes, 401, "", "a bearer token is required");
    return std::nullopt;
  }
  if (authorizations > 1) {
    Challenge(response, schemes, 400, "invalid_request", "more than one Authorization header");
    return std::nullopt;
  }
  const std::string_view value = *request.Header("Authorization");
  Presented presented;
  if (base::StartsWithIgnoreCase(value, "Bearer ")) {
    presented.token = base::StripWhitespace(value.substr(7));
  } else if (base::StartsWithIgnoreCase(value, "DPoP ") && schemes.offer_dpop) {
    presented.dpop = true;
    presented.token = base::StripWhitespace(value.substr(5));
  } else {
    Challenge(response, schemes, 401, "",
              schemes.offer_dpop ? "the Authorization scheme must be Bearer or DPoP"
                                 : "the Authorization scheme must be Bearer");
    return std::nullopt;
  }
  schemes.dpop_request = presented.dpop;
  return presented;
}

// RefusePossession answers a request whose DPoP proof or forwarded certificate failed before
// its token was judged; use_dpop_nonce hands out the current nonce (RFC 9449 §9).
void RefusePossession(const RouteDeps& deps, const ServerConfig& config, WorkerContext& ctx,
                      const RequestPossession& possession, const ChallengeSchemes& schemes,
                      int64_t now, http::Response& response) {
  deps.metrics->CountValidation(ctx.index(), possession.error);
  if (deps.log_notes) {
    base::StrAppend(&response.log_note, " result=", ErrorCode(possession.error));
  }
  const std::string_view error = possession.error == Error::kUseDpopNonce ? "use_dpop_nonce"
                                 : possession.error == Error::kCertificateMismatch
                                     ? "invalid_token"
                                     : "invalid_dpop_proof";
  Challenge(response, schemes, 401, error, possession.detail);
  if (possession.error == Error::kUseDpopNonce) {
    response.AddHeader("DPoP-Nonce", CurrentDpopNonce(config.dpop.nonce_secret,
                                                      config.dpop.nonce_lifetime_seconds, now));
  }
}

// JudgeSharedSpend applies what the shared replay store said about a proof this process had
// not seen: kUnknown refuses it (503) unless `mode` lets the local check alone decide.
void JudgeSharedSpend(redis::DpopReplayStore::Answer answer, DpopConfig::Replay mode,
                      TokenVerdict& verdict) {
  using Answer = redis::DpopReplayStore::Answer;
  if (answer == Answer::kReplayed) {
    verdict.Fail(verdict.judge, Error::kDpopProofReplayed, Error::kDpopProofReplayed,
                 "the DPoP proof has been used before, at another instance: make a new one for "
                 "every request");
  } else if (answer == Answer::kUnknown && mode != DpopConfig::Replay::kSharedOrLocal) {
    verdict.Fail(Judge::kReplayUnavailable, Error::kDpopProofReplayed,
                 ServerOutcome::kReplayCheckUnavailable,
                 "whether the DPoP proof was used at another instance cannot be told now: try "
                 "again shortly");
    verdict.retry_after_seconds = 1;
  }
}

// SpendProof spends the jti of a DPoP proof whose request passed everything, once (RFC 9449
// §11.1): in this process's cache, then, when dpop.replay shares it, in Redis, where the first
// spend at any instance wins. false: the request waits for Redis's answer (deferred); it runs
// again with the checked proof and the answer in ctx.resumed.
bool SpendProof(RouteContext& routes, const http::Request& request, const ServerConfig& config,
                WorkerContext& ctx, const RequestPossession& possession, int64_t now,
                TokenVerdict& verdict) {
  const RouteDeps& deps = routes.deps();
  const DpopConfig::Replay mode = config.dpop.replay.value_or(DpopConfig::Replay::kLocal);
  if (ctx.resumed.active && ctx.resumed.possession.has_value()) {
    JudgeSharedSpend(ctx.resumed.replay, mode, verdict);
    return true;
  }
  const DpopProof& proof = possession.proof;
  const DpopReplayCache::Outcome outcome =
      deps.dpop_replay == nullptr
          ? DpopReplayCache::Outcome::kFull
          : deps.dpop_replay->Remember(proof.replay_key, proof.replay_until, now);
  if (outcome == DpopReplayCache::Outcome::kReplayed) {
    verdict.Fail(verdict.judge, Error::kDpopProofReplayed, Error::kDpopProofReplayed,
                 "the DPoP proof has been used before: make a new one for every request");
    return true;
  }
  if (outcome == DpopReplayCache::Outcome::kFull) {
    verdict.Fail(Judge::kReplayUnavailable, Error::kDpopProofReplayed,
                 ServerOutcome::kReplayCheckUnavailable,
                 "too many recent DPoP proofs to tell a replay: try again shortly");
    return true;
  }
  if (mode == DpopConfig::Replay::kLocal || deps.dpop_shared_replay == nullptr) {
    return true;
  }
  if (request.deferrer == nullptr) {
    JudgeSharedSpend(redis::DpopReplayStore::Answer::kUnknown, mode, verdict);
    return true;
  }
  // What the request already waited for (an upstream answer) stays for the run after this wait.
  WorkerContext::Resumed base = ctx.resumed;
  base.possession = possession;
  const uint32_t wait_ms =
      (config.redis.has_value() ? config.redis->command_timeout_ms : 1000) + 500;
  auto later = std::make_shared<http::DeferredResponse>(request.deferrer->Defer(
      wait_ms, [&routes, base](const http::Request& again, http::Response& out) {
        routes.Resume(again, out, base);  // no answer in time: kUnknown
      }));
  deps.dpop_shared_replay->Claim(proof.replay_key, proof.replay_until * 1000,
                                 [&routes, later, base](redis::DpopReplayStore::Answer answer) {
                                   later->Resume([&routes, base, answer](const http::Request& again,
                                                                         http::Response& response) {
                                     WorkerContext::Resumed resumed = base;
                                     resumed.replay = answer;
                                     routes.Resume(again, response, std::move(resumed));
                                   });
                                 });
  return false;
}

ChallengeSchemes SchemesOf(const ServerState& state) {
  const ServerConfig& config = state.config();
  ChallengeSchemes schemes;
  schemes.offer_bearer = state.offers_bearer();
  schemes.offer_dpop = state.offers_dpop();
  schemes.dpop_algorithms = config.dpop.algorithms;
  schemes.resources = config.protected_resources;
  return schemes;
}

}  // namespace

void ValidateRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                   WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const ServerState& state = ctx.Refresh(*deps.state);
  const int64_t now = deps.clock();
  ChallengeSchemes schemes = SchemesOf(state);
  schemes.request = &request;
  const std::optional<Presented> presented = ReadAuthorization(request, schemes, response);
  if (!presented.has_value()) {
    return;
  }
  const std::string_view token = presented->token;
  if (deps.log_notes) {
    response.log_note = base::StrCat("token=", TokenDigest(token));
  }
  if (!IsB64Token(token)) {
    deps.metrics->CountValidation(ctx.index(), Error::kMalformed);
    // "Bearer Bearer eyJ...": a client that prefixes a header value it already prefixed.
    const bool twice =
        base::StartsWithIgnoreCase(token, "Bearer ") || base::StartsWithIgnoreCase(token, "DPoP ");
    const std::string_view what = presented->dpop ? "the access token" : "the bearer token";
    Challenge(response, schemes, 401, "invalid_token",
              base::StrCat(what, " is malformed",
                           twice ? base::StrCat(": the ", token.substr(0, token.find(' ')),
                                                " scheme is given twice")
                                 : std::string()));
    return;
  }
  const OriginalRequest original = OriginalOf(request);
  schemes.original = &original;
  // A request resumed after the shared replay store answered keeps the proof it checked.
  const RequestPossession possession =
      ctx.resumed.active && ctx.resumed.possession.has_value()
          ? *ctx.resumed.possession
          : CheckRequestPossession(request, presented->dpop, token, original, state.config(), now);
  if (possession.error != Error::kOk) {
    RefusePossession(deps, state.config(), ctx, possession, schemes, now, response);
    return;
  }
  Possession proven;
  proven.dpop_jkt = possession.proof.jkt;
  proven.certificate_thumbprint = possession.certificate;
  DpopMode mode = DpopMode::kAllowed;
  bool ambiguous = false;
  const auto requirements = [&](int issuer) {
    const IssuerConfig& config = *state.issuers()[static_cast<size_t>(issuer)].config;
    mode = DpopModeFor(config, original);
    proven.dpop_required = mode == DpopMode::kRequired;
    Requirements out = RequestScopes(request, original, config, ctx, ambiguous);
    out.possession = &proven;
    return out;
  };
  TokenVerdict verdict;
  if (!routes.Judge(request, token, now, state, ctx, verdict, requirements)) {
    response.log_note.clear();
    return;  // deferred: runs again once the issuer has answered
  }
  if (verdict.error == Error::kOk && presented->dpop && mode == DpopMode::kOff) {
    verdict.Fail(verdict.judge, Error::kInvalidDpopProof, Error::kInvalidDpopProof,
                 "this issuer's tokens are not taken with the DPoP scheme here");
  }
  if (verdict.error == Error::kOk && presented->dpop &&
      !SpendProof(routes, request, state.config(), ctx, possession, now, verdict)) {
    response.log_note.clear();
    return;  // deferred: runs again once Redis has answered
  }
  // An ambiguous original request is refused only once the token itself has passed.
  const bool refuse = ambiguous && verdict.error == Error::kOk;
  if (refuse) {
    verdict.outcome = Error::kMalformed;
  }
  AnswerValidate(deps, response, state, ctx, verdict, refuse, schemes);
}

}  // namespace tokenwarden::server
