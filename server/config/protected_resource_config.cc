#include "server/config/protected_resource_config.h"

#include <algorithm>
#include <string>
#include <vector>

#include <absl/status/statusor.h>
#include <absl/strings/ascii.h>

#include "base/str_cat.h"
#include "base/uri_chars.h"
#include "core/dpop.h"
#include "core/issuer_match.h"
#include "server/config/config_reader.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::config_reader {
namespace {

// RFC 9728 §3: the well-known URI suffix the metadata is published under.
constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";

// kMaxResourceBytes bounds a resource identifier: its metadata URL goes into every challenge
// header, which gateways buffer in a few KiB.
constexpr size_t kMaxResourceBytes = 2048;
// The other members are bounded too: the document is built for every metadata request.
constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxListItems = 256;

// IsPathText accepts RFC 3986 §3.3 path characters (pchar and '/'), '%' only before two hex
// digits. Nothing else, so the metadata URL can stand in a quoted-string (no '"' or '\').
bool IsPathText(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || !absl::ascii_isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !absl::ascii_isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return false;
      }
      i += 2;
    } else if (!base::IsUriUnreserved(c) && !base::IsUriSubDelim(c) && c != ':' && c != '@' &&
               c != '/') {
      return false;
    }
  }
  return true;
}

// ParseResource checks `out.resource` and derives the matching and metadata fields from it;
// the problem in words, or "".
std::string ParseResource(ProtectedResourceConfig& out) {
  const std::string& resource = out.resource;
  constexpr std::string_view kScheme = "https://";
  if (resource.size() > kMaxResourceBytes) {
    return base::StrCat("longer than ", kMaxResourceBytes, " bytes");
  }
  // RFC 9728 §1.2: the resource identifier is an https URL. The scheme in lower case, as
  // clients write it: the metadata URL is derived from the identifier as written.
  if (!resource.starts_with(kScheme)) {
    return "must be an absolute https:// URL (RFC 9728 section 1.2)";
  }
  absl::StatusOr<fetch::Url> url = fetch::ParseUrl(resource);
  if (!url.ok()) {
    return std::string(View(url.status().message()));
  }
  if (resource.find('?') != std::string::npos) {
    return "must not have a query (RFC 8707 section 2): name the resource by its path";
  }
  if (!IsPathText(url->target)) {
    return "the path may hold only RFC 3986 path characters (percent-encode the others)";
  }
  const size_t authority_end = resource.find('/', kScheme.size());
  out.host = url->host;
  out.port = url->port;
  // RFC 9728 §3.1: a terminating slash right after the host is dropped before the
  // well-known suffix goes in; any other path follows the suffix as it is.
  out.path = url->target == "/" ? "" : url->target;
  out.metadata_path = base::StrCat(kWellKnown, out.path);
  out.metadata_url =
      base::StrCat(std::string_view(resource).substr(0, authority_end), out.metadata_path);
  return "";
}

// ReadUrlMember reads a URL for people to open (documentation, policy, terms): http(s) only,
// so a client never renders a javascript: or data: link from it.
absl::Status ReadUrlMember(element v, const std::string& field, std::string& out) {
  absl::Status s = ReadString(v, field, out);
  if (s.ok() && !out.starts_with("https://") && !out.starts_with("http://")) {
    return Invalid(field, "must be an absolute https:// (or http://) URL");
  }
  if (absl::StatusOr<fetch::Url> url = fetch::ParseUrl(out); s.ok() && !url.ok()) {
    return Invalid(field, View(url.status().message()));
  }
  return s;
}

// ReadUniqueList reads a non-empty, bounded list of strings, none twice.
absl::Status ReadUniqueList(element v, const std::string& field, std::vector<std::string>& out) {
  absl::Status s = ReadStringList(v, field, /*non_empty=*/true, out);
  if (s.ok() && out.size() > kMaxListItems) {
    return Invalid(field, base::StrCat("more than ", kMaxListItems, " items"));
  }
  for (size_t i = 1; s.ok() && i < out.size(); ++i) {
    if (std::find(out.begin(), out.begin() + static_cast<ptrdiff_t>(i), out[i]) !=
        out.begin() + static_cast<ptrdiff_t>(i)) {
      s = Invalid(IndexPath(field, i), base::StrCat(Quote(out[i]), " is listed twice"));
    }
  }
  return s;
}

absl::Status ReadResourceField(std::string_view key, element v, const std::string& field,
                               ProtectedResourceConfig& out) {
  if (key == "resource") {
    absl::Status s = ReadString(v, field, out.resource);
    const std::string problem = s.ok() ? ParseResource(out) : "";
    return problem.empty() ? s : Invalid(field, problem);
  }
  if (key == "authorization_servers") {
    return ReadUniqueList(v, field, out.authorization_servers);
  }
  if (key == "scopes_supported") {
    absl::Status s = ReadUniqueList(v, field, out.scopes_supported);
    return s.ok() ? CheckScopes(out.scopes_supported, field) : s;
  }
  if (key == "resource_name") {
    absl::Status s = ReadString(v, field, out.resource_name);
    if (s.ok() && out.resource_name.size() > kMaxNameBytes) {
      s = Invalid(field, base::StrCat("longer than ", kMaxNameBytes, " bytes"));
    }
    return s;
  }
  if (key == "resource_documentation") {
    return ReadUrlMember(v, field, out.resource_documentation);
  }
  if (key == "resource_policy_uri") {
    return ReadUrlMember(v, field, out.resource_policy_uri);
  }
  if (key == "resource_tos_uri") {
    return ReadUrlMember(v, field, out.resource_tos_uri);
  }
  if (key == "dpop_bound_access_tokens_required") {
    return ReadBool(v, field, out.dpop_bound_access_tokens_required);
  }
  if (key == "dpop_signing_alg_values_supported") {
    return ReadAlgorithms(v, field, out.dpop_algorithms, DpopAlgorithms(),
                          "is not for DPoP proofs: they are signed with an asymmetric key "
                          "(RFC 9449 section 4.2)");
  }
  if (key == "bearer_methods_supported") {
    return Invalid(field,
                   "is always [\"header\"]: tokenwarden reads tokens from the Authorization "
                   "header only");
  }
  return absl::NotFoundError("");
}

absl::Status ReadResource(element value, std::string_view path, ProtectedResourceConfig& out) {
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        absl::Status s = ReadResourceField(key, v, field, out);
        return absl::IsNotFound(s) ? UnknownField(path, key) : s;
      });
  if (status.ok() && out.resource.empty()) {
    status = MissingField(path, "resource");
  }
  return status;
}

}  // namespace

absl::Status ReadProtectedResources(element value, std::string_view path,
                                    std::vector<ProtectedResourceConfig>& out) {
  return ReadArray(
      value, path, /*non_empty=*/false, out,
      [&](element item, const std::string& item_path, ProtectedResourceConfig& resource) {
        if (out.size() > kMaxProtectedResources) {
          return Invalid(path, base::StrCat("more than ", kMaxProtectedResources, " resources"));
        }
        absl::Status s = ReadResource(item, item_path, resource);
        for (size_t i = 0; s.ok() && &out[i] != &resource; ++i) {
          // Origins compare as URLs do (host case, default port); the path byte for byte.
          const ProtectedResourceConfig& other = out[i];
          if (other.host == resource.host && other.port == resource.port &&
              other.path == resource.path) {
            s = Invalid(FieldPath(item_path, "resource"),
                        base::StrCat(Quote(resource.resource), " has the metadata URL of ",
                                     IndexPath(path, i), " (", Quote(other.resource), ")"));
          }
        }
        return s;
      });
}

absl::Status ResolveProtectedResources(const std::vector<IssuerConfig>& issuers,
                                       AlgorithmSet dpop_algorithms,
                                       std::vector<ProtectedResourceConfig>& resources) {
  for (size_t r = 0; r < resources.size(); ++r) {
    // What /validate accepts is what the metadata may promise.
    AlgorithmSet& published = resources[r].dpop_algorithms;
    if (published.empty()) {
      published = dpop_algorithms;
    } else if (published.Intersect(dpop_algorithms) != published) {
      return Invalid(
          FieldPath(IndexPath("protected_resources", r), "dpop_signing_alg_values_supported"),
          base::StrCat("names algorithms that dpop.algorithms does not accept (",
                       dpop_algorithms.ToString(), ")"));
    }
    std::vector<std::string>& servers = resources[r].authorization_servers;
    const std::string field =
        FieldPath(IndexPath("protected_resources", r), "authorization_servers");
    if (servers.empty()) {
      for (const IssuerConfig& issuer : issuers) {
        if (!IsTenantTemplate(*issuer.policy.issuer)) {
          servers.push_back(*issuer.policy.issuer);
        }
      }
      if (servers.empty()) {
        return Invalid(field, "no issuer to name: every issuer is a {tenantid} template");
      }
      continue;
    }
    for (size_t i = 0; i < servers.size(); ++i) {
      const bool known = std::any_of(issuers.begin(), issuers.end(), [&](const IssuerConfig& c) {
        return *c.policy.issuer == servers[i];
      });
      if (!known) {
        return Invalid(IndexPath(field, i),
                       base::StrCat(Quote(servers[i]), " is not a configured issuer"));
      }
      if (IsTenantTemplate(servers[i])) {
        return Invalid(IndexPath(field, i),
                       base::StrCat(Quote(servers[i]),
                                    " is a multi-tenant template, not an issuer identifier"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tokenwarden::server::config_reader
