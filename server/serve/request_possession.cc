#include "server/serve/request_possession.h"

#include <algorithm>
#include <optional>

#include "core/dpop_nonce.h"
#include "server/serve/client_certificate.h"

namespace tokenwarden::server {

namespace {

RequestPossession Refuse(RequestPossession out, Error error, std::string_view detail) {
  out.error = error;
  out.detail = detail;
  return out;
}

DpopOptions OptionsOf(const DpopConfig& config) {
  DpopOptions options;
  options.algorithms = config.algorithms;
  options.max_age_seconds = config.max_age_seconds;
  options.max_future_seconds = config.max_future_seconds;
  options.leeway_seconds = config.leeway_seconds;
  return options;
}

}  // namespace

RequestPossession CheckRequestPossession(const http::Request& request, bool dpop,
                                         std::string_view token, const OriginalRequest& original,
                                         const ServerConfig& config, int64_t now) {
  RequestPossession out;
  out.dpop = dpop;
  if (config.client_certificate.has_value()) {
    ForwardedCertificate forwarded = ForwardedCertificateOf(request, *config.client_certificate);
    if (forwarded.malformed) {
      return Refuse(std::move(out), Error::kCertificateMismatch,
                    "the client certificate the gateway forwarded is malformed");
    }
    out.certificate = std::move(forwarded.thumbprint);
  }
  if (!dpop) {
    return out;
  }
  const size_t proofs = request.HeaderCount("DPoP");
  if (proofs != 1) {
    return Refuse(std::move(out), Error::kInvalidDpopProof,
                  proofs == 0 ? "the DPoP scheme needs a DPoP header with a proof"
                              : "more than one DPoP header (RFC 9449 section 4.3)");
  }
  const std::optional<std::string> url = original.Url();
  if (!url.has_value() || original.ambiguous || original.method.empty()) {
    return Refuse(std::move(out), Error::kInvalidDpopProof,
                  "the gateway did not forward the original method and URL unambiguously "
                  "(see the README's DPoP gateway settings), so no proof can be checked");
  }
  DpopRequest checked;
  checked.method = original.method;
  checked.url = *url;
  checked.access_token = token;
  checked.now = now;
  DpopResult result = VerifyDpopProof(*request.Header("DPoP"), checked, OptionsOf(config.dpop));
  if (result.error != Error::kOk) {
    return Refuse(std::move(out), result.error, result.detail);
  }
  if (config.dpop.nonce && (!result.proof.nonce.has_value() ||
                            !IsValidDpopNonce(*result.proof.nonce, config.dpop.nonce_secret,
                                              config.dpop.nonce_lifetime_seconds, now))) {
    return Refuse(std::move(out), Error::kUseDpopNonce,
                  result.proof.nonce.has_value() ? "the DPoP proof's nonce is not a current one"
                                                 : "the DPoP proof lacks the server's nonce");
  }
  out.proof = std::move(result.proof);
  return out;
}

DpopMode DpopModeFor(const IssuerConfig& issuer, const OriginalRequest& original) {
  DpopMode mode = issuer.dpop;
  if (original.ambiguous) {
    return mode;
  }
  for (const RouteScopeRule& rule : issuer.route_scopes) {
    if (rule.dpop.has_value() && (rule.method.empty() || rule.method == original.method) &&
        original.path.starts_with(rule.path_prefix)) {
      mode = *rule.dpop;
    }
  }
  return mode;
}

namespace {

template <typename Predicate>
bool AnyMode(const ServerConfig& config, Predicate&& accepts) {
  return std::any_of(config.issuers.begin(), config.issuers.end(), [&](const IssuerConfig& i) {
    return accepts(i.dpop) ||
           std::any_of(i.route_scopes.begin(), i.route_scopes.end(),
                       [&](const RouteScopeRule& r) { return r.dpop && accepts(*r.dpop); });
  });
}

}  // namespace

bool DpopAcceptedAnywhere(const ServerConfig& config) {
  return AnyMode(config, [](DpopMode m) { return m != DpopMode::kOff; });
}

bool BearerAcceptedAnywhere(const ServerConfig& config) {
  return AnyMode(config, [](DpopMode m) { return m != DpopMode::kRequired; });
}

}  // namespace tokenwarden::server
