// /validate: forward authentication for gateways (nginx auth_request, Envoy ext_authz in HTTP
// mode, Traefik forwardAuth). The token comes from `Authorization: Bearer` (RFC 6750 §2.1) on
// any method; the answer is 200 with claim headers, 401 with an RFC 6750 §3 challenge, or
// 403 insufficient_scope.

#include <algorithm>
#include <array>
#include <cstdint>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "base/utf8.h"
#include "core/claims_output.h"
#include "core/verifier.h"
#include "server/serve/endpoints.h"
#include "server/serve/original_request.h"
#include "server/serve/route_context.h"
#include "server/serve/token_check.h"

namespace tokenwarden::server {

namespace {

// QuotedSafe renders `text` in the characters RFC 6750 §3 allows in error_description and
// scope values (%x20-21 / %x23-5B / %x5D-7E: no '"', no '\', nothing outside ASCII): "§"
// (the core's details cite RFC sections) becomes "section ", any other non-ASCII character
// one '?', a quote, backslash or control character an apostrophe.
std::string QuotedSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xa7) {
      out += "section ";
      ++i;
    } else if (u >= 0x80) {
      if ((u & 0xc0) != 0x80) {
        out += '?';  // one per character: continuation bytes (10xxxxxx) add nothing
      }
    } else if (u < 0x20 || u == 0x7f || u == '"' || u == '\\') {
      out += '\'';
    } else {
      out += static_cast<char>(u);
    }
  }
  return out;
}

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
  const bool for_client = verdict.error == Error::kMalformed ||
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

void Challenge(http::Response& response, int status, std::string_view error,
               std::string_view description, std::string_view scope = {}) {
  SetError(response, status, error.empty() ? "invalid_request" : error, description);
  std::string value = "Bearer realm=\"tokenwarden\"";
  if (!error.empty()) {
    base::StrAppend(&value, ", error=\"", error, "\", error_description=\"",
                    QuotedSafe(description), "\"");
  }
  if (!scope.empty()) {
    base::StrAppend(&value, ", scope=\"", QuotedSafe(scope), "\"");
  }
  response.AddHeader("WWW-Authenticate", value);
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

// AnswerValidate turns /validate's verdict into the response (and its metrics);
// `refuse_ambiguous`: the token passed but the original request is ambiguous (400).
void AnswerValidate(const RouteDeps& deps, http::Response& response, const ServerState& state,
                    WorkerContext& ctx, const TokenVerdict& verdict, bool refuse_ambiguous) {
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
    Challenge(response, 400, "invalid_request",
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
    Challenge(response, 403, "insufficient_scope", "the token lacks a required scope",
              Join(issuer_short ? issuer_scopes : ctx.required_scopes));
    return;
  }
  if (verdict.error != Error::kOk) {
    Challenge(response, 401, "invalid_token", Description(verdict));
    return;
  }
  response.content_type = "";
  AddClaimHeaders(state, verdict, ctx, response);
}

}  // namespace

void ValidateRoute(RouteContext& routes, const http::Request& request, http::Response& response,
                   WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const ServerState& state = ctx.Refresh(*deps.state);
  const int64_t now = deps.clock();
  const size_t authorizations = request.HeaderCount("Authorization");
  if (authorizations == 0) {
    // RFC 6750 §3.1: no credentials at all -> a bare challenge, no error code.
    SetError(response, 401, "invalid_request", "a bearer token is required");
    response.AddHeader("WWW-Authenticate", "Bearer realm=\"tokenwarden\"");
    return;
  }
  if (authorizations > 1) {
    Challenge(response, 400, "invalid_request", "more than one Authorization header");
    return;
  }
  const std::string_view value = *request.Header("Authorization");
  if (!base::StartsWithIgnoreCase(value, "Bearer ")) {
    SetError(response, 401, "invalid_request", "the Authorization scheme must be Bearer");
    response.AddHeader("WWW-Authenticate", "Bearer realm=\"tokenwarden\"");
    return;
  }
  const std::string_view token = base::StripWhitespace(value.substr(7));
  if (deps.log_notes) {
    response.log_note = base::StrCat("token=", TokenDigest(token));
  }
  if (!IsB64Token(token)) {
    deps.metrics->CountValidation(ctx.index(), Error::kMalformed);
    // "Bearer Bearer eyJ...": a client that prefixes a header value it already prefixed.
    Challenge(response, 401, "invalid_token",
              base::StartsWithIgnoreCase(token, "Bearer ")
                  ? "the bearer token is malformed: the Bearer scheme is given twice"
                  : "the bearer token is malformed");
    return;
  }
  // This request's own scopes, for the issuer the token turns out to be from: the issuer's
  // per-route rules on the original request, and what the gateway asks in X-Required-Scopes.
  // The core checks them with its one scope rule, on a cache hit as on a miss.
  bool ambiguous = false;
  const auto requirements = [&](int issuer) {
    ctx.required_scopes.clear();
    const IssuerConfig& config = *state.issuers()[static_cast<size_t>(issuer)].config;
    if (!config.route_scopes.empty()) {
      const OriginalRequest original = OriginalOf(request);
      if (original.ambiguous) {
        ambiguous = true;  // answered 400 below, once the token itself has passed
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
  };
  TokenVerdict verdict;
  if (!routes.Judge(request, token, now, state, ctx, verdict, requirements)) {
    response.log_note.clear();
    return;  // deferred: runs again once the issuer has answered
  }
  // An ambiguous original request is refused only once the token itself has passed.
  const bool refuse = ambiguous && verdict.error == Error::kOk;
  if (refuse) {
    verdict.outcome = Error::kMalformed;
  }
  AnswerValidate(deps, response, state, ctx, verdict, refuse);
}

}  // namespace tokenwarden::server
