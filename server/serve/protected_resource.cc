#include "server/serve/protected_resource.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/ascii.h"
#include "base/json_escape.h"
#include "base/str_cat.h"
#include "core/algorithm.h"

namespace tokenwarden::server {
namespace {

// SplitHost reads `authority` (host[:port], as in a Host header) into `host` (an IPv6 literal
// without its brackets, case as sent) and `port` (443 when absent: resources are https).
// Nothing is allocated: /validate asks this for every challenge it writes, once per request.
bool SplitHost(std::string_view authority, std::string_view& host, uint16_t& port) {
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos ||
        (close + 1 < authority.size() && authority[close + 1] != ':')) {
      return false;
    }
    host = authority.substr(1, close - 1);
    port_text = authority.substr(std::min(close + 2, authority.size()));
    if (close + 1 < authority.size() && port_text.empty()) {
      return false;  // "[::1]:"
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return false;
      }
    }
  }
  uint32_t value = port_text.empty() ? 443 : 0;
  for (const char c : port_text) {
    if (!base::IsAsciiDigit(c)) {
      return false;
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
    if (value > 65535) {
      return false;
    }
  }
  port = static_cast<uint16_t>(value);
  return !host.empty() && value != 0;
}

// OnHost tells whether `host` and `port` (SplitHost's) are the resource's: ASCII case ignored.
bool OnHost(const ProtectedResourceConfig& resource, std::string_view host, uint16_t port) {
  return port == resource.port && base::EqualsIgnoreCase(host, resource.host);
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
  if (!original.Url().has_value()) {
    return resources.size() == 1 ? resources.data() : nullptr;
  }
  // The URL as the gateway forwarded it: scheme and host compare as URLs do (case, default
  // port), the path byte for byte. Resource identifiers are https URLs (RFC 9728 §1.2).
  std::string_view host;
  uint16_t port = 0;
  if (!base::EqualsIgnoreCase(*original.scheme, "https") ||
      !SplitHost(*original.host, host, port)) {
    return nullptr;
  }
  const ProtectedResourceConfig* best = nullptr;
  for (const ProtectedResourceConfig& resource : resources) {
    if (PathWithin(resource.path, original.raw_path) && OnHost(resource, host, port) &&
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
  if (original.origin_ambiguous || !original.host.has_value()) {
    out.ambiguous = true;
    return out;
  }
  std::string_view host;
  uint16_t port = 0;
  if (!SplitHost(*original.host, host, port)) {
    return out;  // no host[:port]: no resource's
  }
  for (const ProtectedResourceConfig& resource : resources) {
    if (resource.metadata_path == path && OnHost(resource, host, port)) {
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
  // The names the DPoP challenges' algs attribute gives (validate_challenge.cc): EdDSA also
  // by RFC 9864's name, which proofs may carry (core/dpop.h).
  std::vector<std::string_view> algorithms;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    const auto alg = static_cast<Algorithm>(i);
    if (resource.dpop_algorithms.Contains(alg)) {
      algorithms.push_back(AlgorithmName(alg));
      if (alg == Algorithm::kEdDsa) {
        algorithms.push_back("Ed25519");
      }
    }
  }
  AppendList(out, "dpop_signing_alg_values_supported", algorithms);
  base::StrAppend(&out, ",\"dpop_bound_access_tokens_required\":",
                  resource.dpop_bound_access_tokens_required ? "true" : "false", "}");
  return out;
}

}  // namespace tokenwarden::server
