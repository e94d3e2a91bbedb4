#include "server/config/config.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <absl/status/status.h>
#include <absl/strings/match.h>
#include <simdjson.h>

#include "base/json_syntax.h"
#include "base/read_file.h"
#include "base/str_cat.h"
#include "server/config/claim_headers_config.h"
#include "server/config/config_reader.h"
#include "server/config/introspection_signing_config.h"
#include "server/config/issuer_config.h"
#include "server/config/listen_config.h"
#include "server/config/logout_config.h"
#include "server/config/protected_resource_config.h"
#include "server/config/redis_config.h"
#include "server/config/sender_constraint_config.h"

namespace tokenwarden::server {
namespace {

using config_reader::element;
using config_reader::FieldPath;
using config_reader::IndexPath;
using config_reader::Invalid;
using config_reader::kMaxFileBytes;
using config_reader::Quote;
using config_reader::ReadArray;
using config_reader::ResolvePath;

// kMaxConfigDepth bounds nesting. The deepest valid field is issuers[].route_scopes[].scopes[]
// (depth 6 counting the root object); the margin only lets errors name the unknown field.
constexpr size_t kMaxConfigDepth = 16;

absl::Status ReadClient(element value, std::string_view path, ClientConfig& out) {
  bool has_secret = false;
  absl::Status status = config_reader::VisitObject(
      value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "id") {
          absl::Status s = config_reader::ReadString(v, field, out.id);
          if (s.ok() && out.id.find(':') != std::string::npos) {
            s = Invalid(field, "must not contain ':' (HTTP Basic credentials split there)");
          } else if (s.ok() && std::any_of(out.id.begin(), out.id.end(), [](char c) {
                       return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                     })) {
            s = Invalid(field, "must not contain control characters");
          }
          return s;
        }
        if (key == "secret_hash") {
          has_secret = true;
          std::string_view text;
          if (v.get_string().get(text) != simdjson::SUCCESS) {
            return Invalid(field, "must be a string");
          }
          absl::StatusOr<SecretHash> secret = ParseSecretHash(text);
          if (!secret.ok()) {
            return Invalid(field, config_reader::View(secret.status().message()));
          }
          out.secret = *std::move(secret);
          return absl::OkStatus();
        }
        if (key == "issuers") {
          return config_reader::ReadStringList(v, field, /*non_empty=*/true, out.issuers);
        }
        if (key == "audiences") {
          return config_reader::ReadStringList(v, field, /*non_empty=*/true, out.audiences);
        }
        if (key == "revoke_by_attribute") {
          return config_reader::ReadBool(v, field, out.revoke_by_attribute);
        }
        if (key == "introspection_signed_response_alg") {
          return config_reader::ReadSignedResponseAlg(v, field,
                                                      out.introspection_signed_response_alg);
        }
        return config_reader::UnknownField(path, key);
      });
  if (status.ok() && out.id.empty()) {
    status = config_reader::MissingField(path, "id");
  }
  if (status.ok() && out.revoke_by_attribute && !out.audiences.empty()) {
    status = Invalid(FieldPath(path, "revoke_by_attribute"),
                     "cannot go with audiences: a revoked session, subject or client covers "
                     "tokens of every audience");
  }
  if (status.ok() && !has_secret) {
    status = config_reader::MissingField(path, "secret_hash");
  }
  return status;
}

absl::Status ReadClients(element value, std::string_view path, std::vector<ClientConfig>& out) {
  return ReadArray(value, path, /*non_empty=*/false, out,
                   [&](element item, const std::string& item_path, ClientConfig& client) {
                     absl::Status s = ReadClient(item, item_path, client);
                     for (size_t i = 0; s.ok() && &out[i] != &client; ++i) {
                       if (out[i].id == client.id) {
                         s = Invalid(FieldPath(item_path, "id"),
                                     base::StrCat("duplicate id ", Quote(client.id)));
                       }
                     }
                     return s;
                   });
}

absl::Status ReadBearerCallers(element value, std::string_view path, BearerCallers& out) {
  bool has_issuers = false;
  absl::Status status = config_reader::VisitObject(
      value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "issuers") {
          has_issuers = true;
          return config_reader::ReadStringList(v, field, /*non_empty=*/true, out.issuers);
        }
        if (key == "scopes") {
          absl::Status s = config_reader::ReadStringList(v, field, /*non_empty=*/true, out.scopes);
          return s.ok() ? config_reader::CheckScopes(out.scopes, field) : s;
        }
        if (key == "limit_issuers") {
          return config_reader::ReadStringList(v, field, /*non_empty=*/true, out.limit_issuers);
        }
        if (key == "limit_audiences") {
          return config_reader::ReadStringList(v, field, /*non_empty=*/true, out.limit_audiences);
        }
        return config_reader::UnknownField(path, key);
      });
  if (status.ok() && !has_issuers) {
    status = config_reader::MissingField(path, "issuers");
  }
  return status;
}

absl::Status ReadCache(element value, std::string_view path, CacheConfig& out) {
  return config_reader::VisitObject(
      value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "enabled") {
          return config_reader::ReadBool(v, field, out.enabled);
        }
        if (key == "max_entries") {
          return config_reader::ReadNumber(v, field, 1, int64_t{1} << 24, out.max_entries);
        }
        if (key == "max_bytes") {
          return config_reader::ReadNumber(v, field, int64_t{1} << 20, int64_t{16} << 30,
                                           out.max_bytes);
        }
        return config_reader::UnknownField(path, key);
      });
}

absl::Status ReadDenylist(element value, std::string_view path, std::string_view base_dir,
                          DenylistConfig& out) {
  return config_reader::VisitObject(
      value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "log") {
          std::string log;
          absl::Status s = config_reader::ReadString(v, field, log);
          out.log_path = ResolvePath(base_dir, log);
          return s;
        }
        if (key == "capacity") {
          return config_reader::ReadNumber(v, field, 4, int64_t{1} << 24, out.capacity);
        }
        return config_reader::UnknownField(path, key);
      });
}

absl::Status ReadLimits(element value, std::string_view path, LimitsConfig& out) {
  return config_reader::VisitObject(
      value, path, [&](std::string_view key, element v, const std::string& field) {
        using config_reader::ReadNumber;
        if (key == "max_header_bytes") {
          return ReadNumber(v, field, 1, 1 << 20, out.max_header_bytes);
        }
        if (key == "max_body_bytes") {
          return ReadNumber(v, field, 1, 16 << 20, out.max_body_bytes);
        }
        if (key == "max_headers") {
          return ReadNumber(v, field, 1, 1024, out.max_headers);
        }
        if (key == "max_url_bytes") {
          return ReadNumber(v, field, 1, 1 << 20, out.max_url_bytes);
        }
        if (key == "max_connections") {
          return ReadNumber(v, field, 1, 1 << 20, out.max_connections);
        }
        if (key == "max_connections_per_source") {
          return ReadNumber(v, field, 0, 1 << 20, out.max_connections_per_source);
        }
        if (key == "idle_timeout_ms") {
          return ReadNumber(v, field, 1, 3600000, out.idle_timeout_ms);
        }
        if (key == "read_timeout_ms") {
          return ReadNumber(v, field, 1, 600000, out.read_timeout_ms);
        }
        if (key == "drain_timeout_ms") {
          return ReadNumber(v, field, 1, 600000, out.drain_timeout_ms);
        }
        return config_reader::UnknownField(path, key);
      });
}

absl::Status ReadAccessLog(element value, std::string_view path, std::string_view base_dir,
                           AccessLogConfig& out) {
  auto visit = [&](std::string_view key, element v, const std::string& field) {
    if (key == "enabled") {
      return config_reader::ReadBool(v, field, out.enabled);
    }
    if (key == "path") {
      std::string log;
      absl::Status s = config_reader::ReadString(v, field, log);
      out.path = log == "-" ? log : ResolvePath(base_dir, log);  // "-" is stderr, not a file
      return s;
    }
    return config_reader::UnknownField(path, key);
  };
  return config_reader::VisitObject(value, path, visit);
}

absl::Status ReadRootField(std::string_view key, element v, const std::string& field,
                           std::string_view base_dir, ServerConfig& out,
                           std::string& opaque_issuer_name) {
  if (key == "listen") {
    return config_reader::ReadListen(v, field, out.listen);
  }
  if (key == "admin") {
    return config_reader::ReadAdmin(v, field, out.admin.emplace());
  }
  if (key == "workers") {
    return config_reader::ReadNumber(v, field, 0, 256, out.workers);
  }
  if (key == "issuers") {
    return config_reader::ReadIssuers(v, field, base_dir, out.issuers);
  }
  if (key == "clients") {
    return ReadClients(v, field, out.clients);
  }
  if (key == "bearer_callers") {
    return ReadBearerCallers(v, field, out.bearer_callers.emplace());
  }
  if (key == "cache") {
    return ReadCache(v, field, out.cache);
  }
  if (key == "denylist") {
    return ReadDenylist(v, field, base_dir, out.denylist);
  }
  if (key == "limits") {
    return ReadLimits(v, field, out.limits);
  }
  if (key == "access_log") {
    return ReadAccessLog(v, field, base_dir, out.access_log);
  }
  if (key == "claim_headers") {
    return config_reader::ReadClaimHeaders(v, field, out.claim_headers);
  }
  if (key == "redis") {
    return config_reader::ReadRedis(v, field, base_dir, out.redis.emplace());
  }
  if (key == "opaque_issuer") {
    return config_reader::ReadString(v, field, opaque_issuer_name);
  }
  if (key == "dpop") {
    return config_reader::ReadDpop(v, field, base_dir, out.dpop);
  }
  if (key == "client_certificate") {
    return config_reader::ReadClientCertificate(v, field, out.client_certificate.emplace());
  }
  if (key == "protected_resources") {
    return config_reader::ReadProtectedResources(v, field, out.protected_resources);
  }
  if (key == "backchannel_logout") {
    return config_reader::ReadLogoutReceiver(v, field, out.backchannel_logout);
  }
  if (key == "introspection_signing") {
    return config_reader::ReadIntrospectionSigning(v, field, base_dir,
                                                   out.introspection_signing.emplace());
  }
  return config_reader::UnknownField("", key);
}

// CheckIssuerNames fails unless each of `names` (read from `path`) is a configured issuer.
absl::Status CheckIssuerNames(const ServerConfig& config, const std::vector<std::string>& names,
                              std::string_view path) {
  for (size_t i = 0; i < names.size(); ++i) {
    const bool known =
        std::any_of(config.issuers.begin(), config.issuers.end(),
                    [&](const IssuerConfig& issuer) { return issuer.policy.issuer == names[i]; });
    if (!known) {
      return Invalid(IndexPath(path, i),
                     base::StrCat(Quote(names[i]), " is not a configured issuer"));
    }
  }
  return absl::OkStatus();
}

// ResolveOpaqueIssuer picks the issuer whose introspection endpoint gets tokens that are not
// JWS: the one named by `opaque_issuer`, else the only issuer with `introspection`.
absl::Status ResolveOpaqueIssuer(std::string_view name, ServerConfig& config) {
  std::vector<int> candidates;
  for (size_t i = 0; i < config.issuers.size(); ++i) {
    if (config.issuers[i].introspection.has_value()) {
      candidates.push_back(static_cast<int>(i));
    }
  }
  if (name.empty()) {
    if (candidates.size() > 1) {
      return Invalid("opaque_issuer",
                     "several issuers have introspection: name the one that receives tokens "
                     "that are not JWTs");
    }
    config.opaque_issuer = candidates.empty() ? -1 : candidates[0];
    return absl::OkStatus();
  }
  for (int i : candidates) {
    if (config.issuers[static_cast<size_t>(i)].policy.issuer == name) {
      config.opaque_issuer = i;
      return absl::OkStatus();
    }
  }
  return Invalid("opaque_issuer",
                 base::StrCat(Quote(name), " is not a configured issuer with introspection"));
}

// CheckReferences runs once the whole document is read: members may come in any order.
absl::Status CheckReferences(const ServerConfig& config) {
  for (size_t i = 0; i < config.clients.size(); ++i) {
    absl::Status s = CheckIssuerNames(config, config.clients[i].issuers,
                                      FieldPath(IndexPath("clients", i), "issuers"));
    if (!s.ok()) {
      return s;
    }
  }
  if (!config.bearer_callers.has_value()) {
    return absl::OkStatus();
  }
  const std::vector<std::string>& bearer = config.bearer_callers->issuers;
  absl::Status s = CheckIssuerNames(config, bearer, "bearer_callers.issuers");
  for (size_t i = 0; s.ok() && i < bearer.size(); ++i) {
    // A caller's bearer token is verified locally, by keys an opaque-only issuer lacks.
    const bool keyless = std::any_of(
        config.issuers.begin(), config.issuers.end(),
        [&](const IssuerConfig& c) { return c.policy.issuer == bearer[i] && c.keyless(); });
    if (keyless) {
      s = Invalid(IndexPath("bearer_callers.issuers", i),
                  base::StrCat(Quote(bearer[i]),
                               " has no keys: bearer callers' tokens are verified locally"));
    }
  }
  if (!s.ok()) {
    return s;
  }
  return CheckIssuerNames(config, config.bearer_callers->limit_issuers,
                          "bearer_callers.limit_issuers");
}

}  // namespace

absl::StatusOr<ServerConfig> ParseConfig(std::string_view json, std::string_view base_dir) {
  if (json.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError("config: larger than 1 MiB");
  }
  simdjson::dom::parser parser(kMaxFileBytes);
  // allocate() is where the depth bound is set; parse() keeps it when growing the buffers.
  if (parser.allocate(std::max<size_t>(json.size(), 64), kMaxConfigDepth) != simdjson::SUCCESS) {
    return absl::ResourceExhaustedError("config: cannot allocate the JSON parser");
  }
  element root;
  const simdjson::error_code error = parser.parse(json.data(), json.size()).get(root);
  if (error != simdjson::SUCCESS) {
    // simdjson says what went wrong but not where; a scan of the text finds the spot.
    if (const std::optional<base::JsonSyntaxError> at =
            base::FindJsonSyntaxError(json, kMaxConfigDepth)) {
      return absl::InvalidArgumentError(base::StrCat("config: invalid JSON at line ", at->line,
                                                     ", column ", at->column, ": ", at->problem));
    }
    return absl::InvalidArgumentError(
        base::StrCat("config: invalid JSON: ", simdjson::error_message(error)));
  }
  ServerConfig config;
  bool has_issuers = false;
  std::string opaque_issuer_name;
  absl::Status status = config_reader::VisitObject(
      root, "", [&](std::string_view key, element v, const std::string& field) {
        has_issuers = has_issuers || key == "issuers";
        return ReadRootField(key, v, field, base_dir, config, opaque_issuer_name);
      });
  if (status.ok() && !has_issuers) {
    status = config_reader::MissingField("", "issuers");
  }
  if (status.ok()) {
    status = CheckReferences(config);
  }
  if (status.ok() && config.admin.has_value()) {
    status = config_reader::CheckAdminListen(config.listen, *config.admin);
  }
  if (status.ok()) {
    status = ResolveOpaqueIssuer(opaque_issuer_name, config);
  }
  if (status.ok()) {
    status =
        config_reader::CheckSignedResponseClients(config.clients, config.introspection_signing);
  }
  if (status.ok()) {
    status = config_reader::ResolveProtectedResources(config.issuers, config.dpop.algorithms,
                                                      config.protected_resources);
  }
  if (status.ok() && config.redis.has_value() && config.denylist.log_path.empty()) {
    status = Invalid("redis",
                     "needs denylist.log: revocations accepted while Redis is unreachable are "
                     "kept there until they reach it");
  }
  if (status.ok()) {
    status = config_reader::ResolveDpopReplay(config.redis.has_value(), config.dpop);
  }
  if (!status.ok()) {
    return status;
  }
  config_reader::KeepNonceSecret(config.dpop);
  return config;
}

absl::StatusOr<ServerConfig> LoadConfigFile(const std::string& path) {
  std::string contents, why;
  if (!base::ReadBoundedFile(path, kMaxFileBytes, contents, why)) {
    return absl::InvalidArgumentError(base::StrCat("config: cannot read ", Quote(path), ": ", why));
  }
  const size_t slash = path.rfind('/');
  const std::string_view base_dir = slash == std::string::npos ? std::string_view()
                                    : slash == 0               ? std::string_view("/")
                                                 : std::string_view(path).substr(0, slash);
  return ParseConfig(contents, base_dir);
}

}  // namespace tokenwarden::server
