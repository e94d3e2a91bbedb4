#include "server/config/issuer_config.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <absl/status/statusor.h>

#include "base/str_cat.h"
#include "core/algorithm.h"
#include "core/key_set.h"
#include "core/policy.h"
#include "server/config/claim_headers_config.h"
#include "server/config/config_reader.h"
#include "server/config/logout_config.h"
#include "server/config/provider_profile.h"
#include "server/config/remote_issuer_config.h"
#include "server/config/sender_constraint_config.h"

namespace tokenwarden::server::config_reader {
namespace {

// IsNormalPathPrefix: already in the form request paths are normalized to — decoded (no
// '%'), no '\\', no empty segment but a trailing one, no "." or ".." segment.
bool IsNormalPathPrefix(std::string_view prefix) {
  if (prefix.find_first_of("%\\") != std::string_view::npos) {
    return false;
  }
  std::string_view rest = prefix.substr(1);
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment == "." || segment == ".." || (segment.empty() && slash != std::string_view::npos)) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    rest.remove_prefix(slash + 1);
  }
}

absl::Status ReadRouteScope(element value, std::string_view path, RouteScopeRule& out) {
  bool has_prefix = false, has_scopes = false;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "method") {
          absl::Status s = ReadString(v, field, out.method);
          if (s.ok() && !IsHttpToken(out.method)) {
            s = Invalid(field, "must be an HTTP method token, e.g. \"POST\"");
          }
          return s;
        }
        if (key == "path_prefix") {
          has_prefix = true;
          absl::Status s = ReadString(v, field, out.path_prefix);
          if (s.ok() && !out.path_prefix.starts_with('/')) {
            s = Invalid(field, "must start with '/'");
          } else if (s.ok() &&
                     !std::all_of(out.path_prefix.begin(), out.path_prefix.end(), [](char c) {
                       return c > ' ' && c != 0x7f && c != '?' && c != '#';
                     })) {
            s = Invalid(field, "must not contain '?', '#', spaces or control characters");
          } else if (s.ok() && !IsNormalPathPrefix(out.path_prefix)) {
            // Requests are matched by their normalized path (server/serve/request_path.h), so
            // a prefix in any other spelling would never match.
            s = Invalid(field,
                        "must be a normalized path: no '%', '\\', '//', '.' or '..' segments");
          }
          return s;
        }
        if (key == "scopes") {
          has_scopes = true;
          absl::Status s = ReadStringList(v, field, /*non_empty=*/true, out.scopes);
          return s.ok() ? CheckScopes(out.scopes, field) : s;
        }
        if (key == "dpop") {
          return ReadDpopMode(v, field, out.dpop.emplace());
        }
        return UnknownField(path, key);
      });
  if (status.ok() && !has_prefix) {
    status = MissingField(path, "path_prefix");
  }
  if (status.ok() && !has_scopes && !out.dpop.has_value()) {
    status = MissingField(path, "scopes");  // a rule that asks nothing is a mistake
  }
  return status;
}

// ReadTypeClaims reads {"claim": ["value", ...]} (a single string is one value).
absl::Status ReadTypeClaims(element value, std::string_view path,
                            std::vector<Policy::TypeClaim>& out) {
  out.clear();
  return VisitObject(value, path, [&](std::string_view claim, element v, const std::string& field) {
    Policy::TypeClaim rule{std::string(claim), {}};
    absl::Status s;
    if (v.is_string()) {
      s = ReadString(v, field, rule.values.emplace_back());
    } else {
      s = ReadStringList(v, field, /*non_empty=*/true, rule.values);
    }
    if (s.ok() && claim.empty()) {
      s = Invalid(path, "claim names must be non-empty");
    }
    out.push_back(std::move(rule));
    return s;
  });
}

// ReadProviderShapeField reads the fields provider profiles set (provider_profile.h).
absl::Status ReadProviderShapeField(std::string_view key, element v, const std::string& field,
                                    IssuerConfig& out) {
  Policy& p = out.policy;
  if (key == "profile") {
    return absl::OkStatus();  // applied before the other fields (ReadIssuer)
  }
  if (key == "issuer_aliases") {
    return ReadStringList(v, field, /*non_empty=*/false, p.issuer_aliases);
  }
  if (key == "tenants") {
    return ReadStringList(v, field, /*non_empty=*/true, p.tenants);
  }
  if (key == "type_claims") {
    return ReadTypeClaims(v, field, p.type_claims);
  }
  if (key == "client_id_audience") {
    return ReadBool(v, field, p.client_id_audience);
  }
  if (key == "scope_claims") {
    return ReadStringList(v, field, /*non_empty=*/false, p.scope_claims);
  }
  if (key == "claim_headers") {
    return ReadClaimHeaders(v, field, out.claim_headers);
  }
  return absl::NotFoundError("");  // the caller names the field
}

// ApplyProfile applies the issuer's `profile`, when it names one, before its other fields
// are read (they replace what it set).
absl::Status ApplyProfile(element value, std::string_view path, IssuerConfig& out) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return absl::OkStatus();  // VisitObject reports it
  }
  element name;
  if (object.at_key("profile").get(name) != simdjson::SUCCESS) {
    return absl::OkStatus();
  }
  const std::string field = FieldPath(path, "profile");
  absl::Status s = ReadString(name, field, out.profile);
  if (!s.ok()) {
    return s;
  }
  const ProviderProfile* profile = FindProviderProfile(out.profile);
  if (profile == nullptr) {
    std::string known;
    for (const ProviderProfile& p : ProviderProfiles()) {
      base::StrAppend(&known, known.empty() ? "" : ", ", p.name);
    }
    return Invalid(
        field, base::StrCat("unknown profile ", Quote(out.profile), " (profiles: ", known, ")"));
  }
  profile->apply(out);
  return absl::OkStatus();
}

absl::Status ReadIssuerField(std::string_view key, element v, const std::string& field,
                             IssuerConfig& out) {
  Policy& p = out.policy;
  if (key == "issuer") {
    std::string issuer;
    absl::Status s = ReadString(v, field, issuer);
    p.issuer = std::move(issuer);
    return s;
  }
  if (key == "jwks_file") {
    return ReadString(v, field, out.jwks_file);
  }
  if (key == "audiences") {
    return ReadStringList(v, field, /*non_empty=*/true, p.audiences);
  }
  if (key == "algorithms") {
    return ReadAlgorithms(v, field, p.algorithms);
  }
  if (key == "leeway_seconds") {
    return ReadNumber(v, field, 0, 3600, p.leeway_seconds);  // whole seconds in a configuration
  }
  if (key == "typ") {
    std::string type;
    absl::Status s = ReadString(v, field, type);
    p.type = std::move(type);
    return s;
  }
  if (key == "required_claims") {
    return ReadStringList(v, field, /*non_empty=*/false, p.required_claims);
  }
  if (key == "required_scopes") {
    absl::Status s = ReadStringList(v, field, /*non_empty=*/false, p.required_scopes);
    return s.ok() ? CheckScopes(p.required_scopes, field) : s;
  }
  if (key == "require_exp") {
    return ReadBool(v, field, p.require_exp);
  }
  if (key == "max_token_bytes") {
    return ReadNumber(v, field, 256, 1 << 20, p.max_token_bytes);
  }
  if (key == "route_scopes") {
    return ReadArray(v, field, /*non_empty=*/false, out.route_scopes, ReadRouteScope);
  }
  if (key == "dpop") {
    return ReadDpopMode(v, field, out.dpop);
  }
  if (key == "max_token_lifetime_seconds") {
    return ReadNumber(v, field, 60, int64_t{400} * 86400, out.max_token_lifetime_seconds);
  }
  if (key == "backchannel_logout") {
    return ReadBackChannelLogout(v, field, out.backchannel_logout.emplace());
  }
  return absl::NotFoundError("");  // the caller names the field
}

// CheckIssuerKeys checks that some key of a jwks_file issuer can verify an allowed algorithm.
absl::Status CheckIssuerKeys(std::string_view path, const IssuerConfig& out) {
  const AlgorithmSet allowed = out.policy.algorithms;
  if (!allowed.empty() && allowed.Intersect(out.keys->algorithms()).empty()) {
    return Invalid(
        FieldPath(path, "algorithms"),
        base::StrCat("no key in ", Quote(out.jwks_file), " can verify ", allowed.ToString(),
                     " (the keys support ", out.keys->algorithms().ToString(), ")"));
  }
  return absl::OkStatus();
}

absl::Status ReadIssuer(element value, std::string_view path, std::string_view base_dir,
                        IssuerConfig& out) {
  std::vector<std::string_view> written;  // views into the parsed document, alive until return
  absl::Status status = ApplyProfile(value, path, out);
  if (status.ok()) {
    status =
        VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
          written.push_back(key);
          absl::Status s = ReadIssuerField(key, v, field, out);
          if (absl::IsNotFound(s)) {
            s = ReadProviderShapeField(key, v, field, out);
          }
          if (absl::IsNotFound(s)) {
            s = ReadRemoteIssuerField(key, v, field, base_dir, out);
          }
          return absl::IsNotFound(s) ? UnknownField(path, key) : s;
        });
  }
  if (status.ok() && !out.policy.issuer.has_value()) {
    status = MissingField(path, "issuer");
  }
  if (status.ok()) {
    status = CheckIssuerSources(path, written, out);
  }
  if (status.ok() && !out.jwks_file.empty()) {
    status = LoadJwksFile(FieldPath(path, "jwks_file"), out.jwks_file, base_dir, out.keys);
    if (status.ok()) {
      status = CheckIssuerKeys(path, out);
    }
  }
  // The provider's own rules first: they name what to change in that provider's terms.
  if (status.ok() && !out.profile.empty()) {
    const std::string_view why = FindProviderProfile(out.profile)->check(out);
    if (!why.empty()) {
      status = Invalid(FieldPath(path, "profile"), why);
    }
  }
  if (status.ok()) {
    status = ValidatePolicy(out.policy);  // a backstop: the reads above already enforce it
    if (!status.ok()) {
      status = Invalid(path, View(status.message()));
    }
  }
  return status;
}

}  // namespace

absl::Status ReadIssuers(element value, std::string_view path, std::string_view base_dir,
                         std::vector<IssuerConfig>& out) {
  return ReadArray(value, path, /*non_empty=*/true, out,
                   [&](element item, const std::string& item_path, IssuerConfig& issuer) {
                     absl::Status s = ReadIssuer(item, item_path, base_dir, issuer);
                     for (size_t i = 0; s.ok() && &out[i] != &issuer; ++i) {
                       if (out[i].policy.issuer == issuer.policy.issuer) {
                         s = Invalid(
                             FieldPath(item_path, "issuer"),
                             base::StrCat("duplicate issuer ", Quote(*issuer.policy.issuer)));
                       }
                     }
                     return s;
                   });
}

}  // namespace tokenwarden::server::config_reader
