#include "server/serve/validate_challenge.h"

#include "base/str_cat.h"
#include "server/serve/protected_resource.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {

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

namespace {

// DpopAlgs is the algs attribute: the names, space-separated; EdDSA also by RFC 9864's name,
// which proofs may carry (core/dpop.h).
std::string DpopAlgs(AlgorithmSet algorithms) {
  std::string out;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    const auto alg = static_cast<Algorithm>(i);
    if (algorithms.Contains(alg)) {
      base::StrAppend(&out, out.empty() ? "" : " ", AlgorithmName(alg),
                      alg == Algorithm::kEdDsa ? " Ed25519" : "");
    }
  }
  return out;
}

void AppendScheme(std::string& value, bool dpop, const ChallengeSchemes& schemes) {
  base::StrAppend(&value, value.empty() ? "" : ", ", dpop ? "DPoP" : "Bearer",
                  " realm=\"tokenwarden\"");
  if (dpop) {
    base::StrAppend(&value, ", algs=\"", DpopAlgs(schemes.dpop_algorithms), "\"");
  }
}

// ResourceMetadata is the metadata URL of the protected resource the original request is
// for (RFC 9728 §5.1), "" when none is configured for it.
std::string_view ResourceMetadata(const ChallengeSchemes& schemes) {
  const ProtectedResourceConfig* resource = nullptr;
  if (!schemes.resources.empty() && schemes.original != nullptr) {
    resource = ResourceOfRequest(schemes.resources, *schemes.original);
  } else if (!schemes.resources.empty() && schemes.request != nullptr) {
    resource = ResourceOfRequest(schemes.resources, OriginalOf(*schemes.request));
  }
  return resource == nullptr ? std::string_view() : resource->metadata_url;
}

void AppendMetadata(std::string& value, std::string_view resource_metadata) {
  if (!resource_metadata.empty()) {
    // A URL of RFC 3986 characters only (server/config checks it): no escaping needed.
    base::StrAppend(&value, ", resource_metadata=\"", resource_metadata, "\"");
  }
}

}  // namespace

void Challenge(http::Response& response, const ChallengeSchemes& schemes, int status,
               std::string_view error, std::string_view description, std::string_view scope) {
  SetError(response, status, error.empty() ? "invalid_request" : error, description);
  const std::string_view resource_metadata = ResourceMetadata(schemes);
  std::string value;
  AppendScheme(value, schemes.dpop_request, schemes);
  if (!error.empty()) {
    base::StrAppend(&value, ", error=\"", error, "\", error_description=\"",
                    QuotedSafe(description), "\"");
  }
  if (!scope.empty()) {
    base::StrAppend(&value, ", scope=\"", QuotedSafe(scope), "\"");
  }
  AppendMetadata(value, resource_metadata);
  if (schemes.dpop_request ? schemes.offer_bearer : schemes.offer_dpop) {
    AppendScheme(value, !schemes.dpop_request, schemes);
    AppendMetadata(value, resource_metadata);
  }
  response.AddHeader("WWW-Authenticate", value);
}

}  // namespace tokenwarden::server
