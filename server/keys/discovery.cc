#include "server/keys/discovery.h"

#include <string>

#include <absl/status/status.h>
#include <simdjson.h>

#include "base/json_escape.h"
#include "base/str_cat.h"

namespace tokenwarden::server::keys {
namespace {

constexpr size_t kMaxDocumentBytes = 256 * 1024;

bool IsAllowedUrl(std::string_view url, bool allow_plain_http) {
  const std::string_view rest = url.starts_with("https://") ? url.substr(8)
                                : (allow_plain_http && url.starts_with("http://"))
                                    ? url.substr(7)
                                    : std::string_view();
  return !rest.empty() && rest.front() != '/';
}

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError(base::StrCat("discovery document: ", why));
}

// IssuerMismatch explains a document naming another issuer. The usual case is one spelling
// with a trailing '/' and one without: both fetch the same document (DiscoveryUrl), so only
// this comparison tells them apart, and tokens carry the provider's spelling.
absl::Status IssuerMismatch(std::string_view discovered, std::string_view configured) {
  std::string quoted;  // JSON-quoted: the value comes from the network and may hold controls
  base::AppendJsonQuoted(discovered.substr(0, 256), quoted,
                         base::JsonEscapes{.escape_delete = true});
  const bool slash_only = discovered.size() == configured.size() + 1
                              ? discovered.ends_with('/') && discovered.starts_with(configured)
                              : configured.size() == discovered.size() + 1 &&
                                    configured.ends_with('/') && configured.starts_with(discovered);
  return Bad(base::StrCat(
      "issuer mismatch: discovery says ", quoted, ", which is not the configured issuer \"",
      configured, "\"",
      slash_only ? base::StrCat(" (they differ only by a trailing slash: configure ", quoted,
                                ", exactly as the provider spells it)")
                 : std::string(" (OpenID Connect Discovery §4.3: they must be identical)")));
}

}  // namespace

std::string DiscoveryUrl(std::string_view issuer) {
  if (issuer.ends_with('/')) {
    issuer.remove_suffix(1);
  }
  return base::StrCat(issuer, "/.well-known/openid-configuration");
}

absl::StatusOr<DiscoveryDocument> ParseDiscovery(std::string_view json,
                                                 std::string_view expected_issuer,
                                                 bool allow_plain_http) {
  if (json.size() > kMaxDocumentBytes) {
    return Bad("larger than 256 KiB");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return Bad("not a JSON object");
  }
  std::string_view issuer;
  if (root["issuer"].get_string().get(issuer) != simdjson::SUCCESS) {
    return Bad("no issuer");
  }
  if (issuer != expected_issuer) {
    return IssuerMismatch(issuer, expected_issuer);
  }
  DiscoveryDocument out;
  std::string_view jwks_uri;
  if (root["jwks_uri"].get_string().get(jwks_uri) != simdjson::SUCCESS) {
    // OpenID Connect Discovery 1.0 §3 requires it. An issuer without keys is configured
    // without discovery, with introspection.endpoint named.
    return Bad(
        "no jwks_uri (an issuer without keys leaves out discovery and names "
        "introspection.endpoint)");
  }
  if (!IsAllowedUrl(jwks_uri, allow_plain_http)) {
    return Bad("jwks_uri is not an https:// URL");
  }
  out.jwks_uri = std::string(jwks_uri);
  simdjson::dom::element introspection;
  if (root["introspection_endpoint"].get(introspection) == simdjson::SUCCESS) {
    std::string_view endpoint;
    if (introspection.get_string().get(endpoint) != simdjson::SUCCESS ||
        !IsAllowedUrl(endpoint, allow_plain_http)) {
      return Bad("introspection_endpoint is not an https:// URL");
    }
    out.introspection_endpoint = std::string(endpoint);
  }
  // Only forwarded revocations use it, and those are off by default: an unusable one is
  // left out ("none", which forwarding reports) rather than failing the keys' fetch.
  std::string_view revocation;
  if (root["revocation_endpoint"].get_string().get(revocation) == simdjson::SUCCESS &&
      IsAllowedUrl(revocation, allow_plain_http)) {
    out.revocation_endpoint = std::string(revocation);
  }
  return out;
}

}  // namespace tokenwarden::server::keys
