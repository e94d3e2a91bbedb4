#include "server/serve/protected_resource.h"

#include <optional>
#include <utility>
#include <vector>

#include <absl/status/statusor.h>

#include "base/json_escape.h"
#include "base/str_cat.h"
#include "core/algorithm.h"
#include "server/fetch/url.h"

namespace tokenwarden::server {
namespace {

// HostOf parses the original request's host[:port] (X-Forwarded-Host, else Host) as the
// host of an https URL: lower case, the port explicit. False when it is absent, given twice
// or as a list, or not a URL host.
bool HostOf(const OriginalRequest& original, fetch::Url& out) {
  if (original.origin_ambiguous || !original.host.has_value()) {
    return false;
  }
  absl::StatusOr<fetch::Url> url = fetch::ParseUrl(base::StrCat("https://", *original.host, "/"));
  if (!url.ok() || url->target != "/") {
    return false;  // a host with a path or query in it names no origin
  }
  out = *std::move(url);
  return true;
}

bool SameHost(const ProtectedResourceConfig& resource, const fetch::Url& url) {
  return url.host == resource.host && url.port == resource.port;
}

// PathWithin tells whether `prefix` ("" or a path) is `path` or a prefix of it that ends at
// a '/' boundary: /mcp holds /mcp and /mcp/tools, not /mcpx.
bool PathWithin(std::string_view prefix, std::string_view path) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || prefix.empty() ||
                                      prefix.back() == '/' || path[prefix.size()] == '/');
}

void AppendString(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) {
    return;  // not configured: RFC 9728 §3.2 leaves out members without a value
  }
  base::StrAppend(&out, ",\"", name, "\":");
  base::AppendJsonQuoted(value, out);
}

template <typename List>
void AppendList(std::string& out, std::string_view name, const List& values) {
  base::StrAppend(&out, ",\"", name, "\":[");
  bool first = true;
  for (const auto& value : values) {
    out.append(first ? "" : ",");
    base::AppendJsonQuoted(value, out);
    first = false;
  }
  out.push_back(']');
}

}  // namespace

const ProtectedResourceConfig* ResourceOfRequest(std::span<const ProtectedResourceConfig> resources,
                                                 const OriginalRequest& original) {
  const std::optional<std::string> url = original.Url();
  if (!url.has_value()) {
    return resources.size() == 1 ? resources.data() : nullptr;
  }
  // The URL as the gateway forwarded it: scheme and host compare as URLs do, after the
  // parser lowered their case and made the port explicit; the path byte for byte.
  const absl::StatusOr<fetch::Url> parsed = fetch::ParseUrl(*url);
  if (!parsed.ok() || parsed->scheme != "https") {
    return nullptr;  // resource identifiers are https URLs (RFC 9728 §1.2)
  }
  const ProtectedResourceConfig* best = nullptr;
  for (const ProtectedResourceConfig& resource : resources) {
    if (SameHost(resource, *parsed) && PathWithin(resource.path, parsed->target) &&
        (best == nullptr || resource.path.size() > best->path.size())) {
      best = &resource;
    }
  }
  return best;
}

MetadataLookup ResourceAtMetadataPath(std::span<const ProtectedResourceConfig> resources,
                                      std::string_view path, const OriginalRequest& original) {
  MetadataLookup out;
  size_t candidates = 0;
  for (const ProtectedResourceConfig& resource : resources) {
    if (resource.metadata_path == path) {
      ++candidates;
      out.resource = &resource;
    }
  }
  if (candidates <= 1) {
    return out;  // one resource at this path is served whatever the host the gateway sends
  }
  // Several origins publish at this path (the configuration allows one per origin): the
  // host the client asked picks one, and a host that cannot pick is refused, not guessed.
  out.resource = nullptr;
  fetch::Url host;
  if (!HostOf(original, host)) {
    out.ambiguous = true;
    return out;
  }
  for (const ProtectedResourceConfig& resource : resources) {
    if (resource.metadata_path == path && SameHost(resource, host)) {
      out.resource = &resource;
    }
  }
  return out;
}

std::string MetadataJson(const ProtectedResourceConfig& resource) {
  std::string out = "{\"resource\":";
  base::AppendJsonQuoted(resource.resource, out);
  AppendList(out, "authorization_servers", resource.authorization_servers);
  if (!resource.scopes_supported.empty()) {
    AppendList(out, "scopes_supported", resource.scopes_supported);
  }
  out.append(",\"bearer_methods_supported\":[\"header\"]");
  AppendString(out, "resource_name", resource.resource_name);
  AppendString(out, "resource_documentation", resource.resource_documentation);
  AppendString(out, "resource_policy_uri", resource.resource_policy_uri);
  AppendString(out, "resource_tos_uri", resource.resource_tos_uri);
  std::vector<std::string_view> algorithms;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    if (resource.dpop_algorithms.Contains(static_cast<Algorithm>(i))) {
      algorithms.push_back(AlgorithmName(static_cast<Algorithm>(i)));
    }
  }
  AppendList(out, "dpop_signing_alg_values_supported", algorithms);
  base::StrAppend(&out, ",\"dpop_bound_access_tokens_required\":",
                  resource.dpop_bound_access_tokens_required ? "true" : "false", "}");
  return out;
}

}  // namespace tokenwarden::server
