#include "server/config/remote_issuer_config.h"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/status.h>

#include "base/ascii.h"
#include "base/basic_credentials.h"
#include "base/read_file.h"
#include "base/str_cat.h"
#include "server/config/config_reader.h"

namespace tokenwarden::server::config_reader {
namespace {

constexpr int64_t kDay = 86400;
constexpr std::string_view kOneSource =
    "has more than one key source: choose one of jwks_file, jwks_uri and \"discovery\": true";

absl::Status ReadUrl(element value, const std::string& field, std::string& out) {
  absl::Status s = ReadString(value, field, out);
  if (s.ok() && !IsAllowedUrl(out, /*allow_plain_http=*/true)) {
    s = Invalid(field, "must be an absolute https:// URL");
  }
  return s;
}

// ParseHostPort reads "HOST:PORT": HOST a DNS name, an IPv4 address or a bracketed IPv6
// address (kept without its brackets, lower case), PORT 1 to 65535.
bool ParseHostPort(std::string_view text, std::string& host, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size() || colon + 6 < text.size()) {
    return false;
  }
  uint32_t number = 0;
  for (char c : text.substr(colon + 1)) {
    if (!base::IsAsciiDigit(c)) {
      return false;
    }
    number = number * 10 + static_cast<uint32_t>(c - '0');
  }
  std::string_view name = text.substr(0, colon);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
    if (name.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return false;
    }
  } else if (name.empty() || name.size() > 253 ||
             name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789.-") != std::string_view::npos) {
    return false;
  }
  if (number == 0 || number > 65535) {
    return false;
  }
  host = base::AsciiLowerCopy(name);
  port = static_cast<uint16_t>(number);
  return true;
}

constexpr size_t kMaxConnectTo = 64;

absl::Status ReadConnectTo(element value, std::string_view path,
                           std::vector<RemoteFetchConfig::ConnectTo>& out) {
  return VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
    RemoteFetchConfig::ConnectTo entry;
    std::string target;
    absl::Status s = ReadString(v, field, target);
    if (s.ok() && !ParseHostPort(key, entry.host, entry.port)) {
      s = Invalid(field, "the member name must be HOST:PORT (a bracketed IPv6 address as HOST)");
    }
    if (s.ok() && !ParseHostPort(target, entry.to_host, entry.to_port)) {
      s = Invalid(field, "must be HOST:PORT (a bracketed IPv6 address as HOST)");
    }
    if (s.ok() && out.size() == kMaxConnectTo) {
      s = Invalid(field, base::StrCat("more than ", kMaxConnectTo, " entries"));
    }
    if (s.ok()) {
      out.push_back(std::move(entry));
    }
    return s;
  });
}

absl::Status ReadFetch(element value, std::string_view path, std::string_view base_dir,
                       RemoteFetchConfig& out) {
  return VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
    if (key == "ca_file") {
      absl::Status s = ReadString(v, field, out.ca_file);
      std::string contents, why;
      if (s.ok()) {
        out.ca_file = ResolvePath(base_dir, out.ca_file);
        if (!base::ReadBoundedFile(out.ca_file, kMaxFileBytes, contents, why)) {
          s = Invalid(field, base::StrCat("cannot read ", Quote(out.ca_file), ": ", why));
        } else if (contents.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
          s = Invalid(field, base::StrCat(Quote(out.ca_file), " holds no PEM certificate"));
        }
      }
      return s;
    }
    if (key == "allow_plain_http") {
      return ReadBool(v, field, out.allow_plain_http);
    }
    if (key == "connect_timeout_ms") {
      return ReadNumber(v, field, 1, 60000, out.connect_timeout_ms);
    }
    if (key == "timeout_ms") {
      return ReadNumber(v, field, 1, 120000, out.timeout_ms);
    }
    if (key == "max_response_bytes") {
      return ReadNumber(v, field, 1024, 16 << 20, out.max_response_bytes);
    }
    if (key == "connect_to") {
      return ReadConnectTo(v, field, out.connect_to);
    }
    return UnknownField(path, key);
  });
}

absl::Status ReadKeyRefresh(element value, std::string_view path, std::string_view base_dir,
                            KeyRefreshConfig& out) {
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "min_refresh_seconds") {
          return ReadInteger(v, field, 1, kDay, out.min_refresh_seconds);
        }
        if (key == "max_refresh_seconds") {
          return ReadInteger(v, field, 1, 7 * kDay, out.max_refresh_seconds);
        }
        if (key == "default_refresh_seconds") {
          return ReadInteger(v, field, 1, 7 * kDay, out.default_refresh_seconds);
        }
        if (key == "unknown_kid_cooldown_seconds") {
          return ReadInteger(v, field, 1, kDay, out.unknown_kid_cooldown_seconds);
        }
        if (key == "unknown_kid_wait_ms") {
          return ReadInteger(v, field, 0, 60000, out.unknown_kid_wait_ms);
        }
        if (key == "max_stale_seconds") {
          return ReadInteger(v, field, 0, 30 * kDay, out.max_stale_seconds);
        }
        if (key == "fallback_jwks_file") {
          absl::Status s = ReadString(v, field, out.fallback_jwks_file);
          if (s.ok()) {
            s = LoadJwksFile(field, out.fallback_jwks_file, base_dir, out.fallback_keys);
          }
          return s;
        }
        return UnknownField(path, key);
      });
  if (status.ok() && out.max_refresh_seconds < out.min_refresh_seconds) {
    status = Invalid(FieldPath(path, "max_refresh_seconds"),
                     "must not be less than min_refresh_seconds");
  }
  if (status.ok() && (out.default_refresh_seconds < out.min_refresh_seconds ||
                      out.default_refresh_seconds > out.max_refresh_seconds)) {
    status = Invalid(FieldPath(path, "default_refresh_seconds"),
                     "must lie between min_refresh_seconds and max_refresh_seconds");
  }
  return status;
}

// Choice is one accepted spelling of an enumerated member and what it means.
template <typename T>
struct Choice {
  std::string_view name;
  T value;
};

// ReadChoice reads a string member that must be one of `choices`; `expected` lists the names
// a user should write (aliases kept for old configurations go unmentioned).
template <typename T>
absl::Status ReadChoice(element v, const std::string& field,
                        std::initializer_list<Choice<T>> choices, std::string_view expected,
                        T& out) {
  std::string name;
  absl::Status s = ReadString(v, field, name);
  if (!s.ok()) {
    return s;
  }
  for (const Choice<T>& choice : choices) {
    if (choice.name == name) {
      out = choice.value;
      return absl::OkStatus();
    }
  }
  return Invalid(field, base::StrCat("must be ", expected));
}

absl::Status ReadOnError(element v, const std::string& field,
                         UpstreamIntrospectionConfig::OnError& out) {
  using OnError = UpstreamIntrospectionConfig::OnError;
  // "error" is the name this mode had before "unavailable" became the default; configurations
  // written with it keep their meaning.
  return ReadChoice<OnError>(v, field,
                             {{"unavailable", OnError::kUnavailable},
                              {"error", OnError::kUnavailable},
                              {"inactive_on_introspect", OnError::kInactiveOnIntrospect},
                              {"inactive", OnError::kInactive}},
                             "\"unavailable\", \"inactive_on_introspect\" or \"inactive\"", out);
}

absl::Status ReadAuthMethod(element v, const std::string& field,
                            UpstreamIntrospectionConfig::AuthMethod& out) {
  using AuthMethod = UpstreamIntrospectionConfig::AuthMethod;
  return ReadChoice<AuthMethod>(
      v, field,
      {{"client_secret_basic", AuthMethod::kBasic},
       {"client_secret_basic_raw", AuthMethod::kBasicRaw},
       {"client_secret_post", AuthMethod::kPost}},
      "\"client_secret_basic\", \"client_secret_basic_raw\" or \"client_secret_post\"", out);
}

// CheckRawBasic refuses credentials that Basic without form-encoding cannot carry (RFC 7617
// §2, base/basic_credentials.h); the encoded form carries anything, so the message points
// there. The secret is never quoted.
absl::Status CheckRawBasic(std::string_view path, const UpstreamIntrospectionConfig& out) {
  constexpr std::string_view kUseEncoded =
      " (RFC 7617 §2): use client_secret_basic or client_secret_post";
  if (!base::IsRawBasicUserId(out.client_id)) {
    return Invalid(FieldPath(path, "client_id"),
                   base::StrCat("holds ':' or a control character, which "
                                "client_secret_basic_raw cannot send",
                                kUseEncoded));
  }
  if (!base::IsRawBasicPassword(out.client_secret)) {
    return Invalid(path, base::StrCat("the client secret holds a control character, which "
                                      "client_secret_basic_raw cannot send",
                                      kUseEncoded));
  }
  return absl::OkStatus();
}

absl::Status ReadIntrospection(element value, std::string_view path, std::string_view base_dir,
                               UpstreamIntrospectionConfig& out) {
  int secrets = 0;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "endpoint") {
          return ReadUrl(v, field, out.endpoint);
        }
        if (key == "client_id") {
          return ReadString(v, field, out.client_id);
        }
        if (key == "client_secret_file") {
          ++secrets;
          return ReadSecretFile(v, field, base_dir, out.client_secret);
        }
        if (key == "client_secret_env") {
          ++secrets;
          return ReadSecretEnv(v, field, out.client_secret);
        }
        if (key == "client_secret") {
          return Invalid(field,
                         "secrets are not kept in the configuration: use "
                         "client_secret_file or client_secret_env");
        }
        if (key == "auth_method") {
          return ReadAuthMethod(v, field, out.auth_method);
        }
        if (key == "cache_ttl_seconds") {
          return ReadInteger(v, field, 0, kDay, out.cache_ttl_seconds);
        }
        if (key == "negative_ttl_seconds") {
          return ReadInteger(v, field, 0, 3600, out.negative_ttl_seconds);
        }
        if (key == "on_upstream_error") {
          return ReadOnError(v, field, out.on_error);
        }
        if (key == "max_connections") {
          return ReadNumber(v, field, 1, 64, out.max_connections);
        }
        if (key == "idle_timeout_ms") {
          return ReadNumber(v, field, 100, 600000, out.idle_timeout_ms);
        }
        if (key == "forward_revocations") {
          return ReadBool(v, field, out.forward_revocations);
        }
        if (key == "revocation_endpoint") {
          return ReadUrl(v, field, out.revocation_endpoint);
        }
        return UnknownField(path, key);
      });
  if (status.ok() && out.client_id.empty()) {
    status = MissingField(path, "client_id");
  }
  if (status.ok() && secrets != 1) {
    status = Invalid(path, "needs exactly one of client_secret_file and client_secret_env");
  }
  if (status.ok() && out.auth_method == UpstreamIntrospectionConfig::AuthMethod::kBasicRaw) {
    status = CheckRawBasic(path, out);
  }
  return status;
}

// CheckKeyless accepts an issuer without a key source as an issuer of opaque tokens only
// (the Telenor mobile API pattern: client-credentials tokens, introspection, no JWK Set):
// it needs an introspection endpoint, every token routed to it is introspected, and the
// members about keys, signatures and JWT headers, which would do nothing, are refused.
absl::Status CheckKeyless(std::string_view path, std::span<const std::string_view> written,
                          IssuerConfig& out) {
  if (!out.introspection.has_value()) {
    return Invalid(path,
                   "needs a key source (jwks_file, jwks_uri or \"discovery\": true), or an "
                   "introspection endpoint (introspection) for an issuer of opaque tokens only");
  }
  const auto wrote = [&](std::string_view name) {
    return std::find(written.begin(), written.end(), name) != written.end();
  };
  if (wrote("opaque") && !out.opaque) {
    return Invalid(FieldPath(path, "opaque"),
                   "an issuer without keys has every token introspected: leave it out");
  }
  if (wrote("keys")) {
    return Invalid(FieldPath(path, "keys"),
                   "applies to fetched keys, and this issuer has no key source");
  }
  // Only what the entry says itself: a profile's algorithms or typ serve its issuers with
  // keys, and do nothing here.
  if (wrote("algorithms")) {
    return Invalid(FieldPath(path, "algorithms"),
                   "an issuer without keys verifies no signature: leave it out");
  }
  if (wrote("typ")) {
    return Invalid(FieldPath(path, "typ"),
                   "an issuer without keys reads no JWT header: leave it out");
  }
  out.key_source = IssuerConfig::KeySource::kNone;
  out.opaque = true;
  return absl::OkStatus();
}

// CheckRevocationEndpoint accepts where forwarded revocations go: an endpoint only with
// forward_revocations (alone it would do nothing), and one that discovery cannot supply.
absl::Status CheckRevocationEndpoint(std::string_view path, const IssuerConfig& out) {
  const std::string introspection = FieldPath(path, "introspection");
  const UpstreamIntrospectionConfig& i = *out.introspection;
  if (!i.revocation_endpoint.empty() && !i.forward_revocations) {
    return Invalid(FieldPath(introspection, "revocation_endpoint"),
                   "is used only with \"forward_revocations\": true");
  }
  if (!i.forward_revocations) {
    return absl::OkStatus();
  }
  if (i.revocation_endpoint.empty() && out.key_source != IssuerConfig::KeySource::kDiscovery) {
    return Invalid(FieldPath(introspection, "forward_revocations"),
                   "needs revocation_endpoint (there is no discovery document to name one)");
  }
  if (!i.revocation_endpoint.empty() &&
      !IsAllowedUrl(i.revocation_endpoint, out.fetch.allow_plain_http)) {
    return Invalid(FieldPath(introspection, "revocation_endpoint"),
                   "must be https:// (http:// only with fetch.allow_plain_http)");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsAllowedUrl(std::string_view url, bool allow_plain_http) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (allow_plain_http && url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
    return false;
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '#') {
      return false;
    }
  }
  return true;
}

absl::Status ReadRemoteIssuerField(std::string_view key, element v, const std::string& field,
                                   std::string_view base_dir, IssuerConfig& out) {
  if ((key == "jwks_uri" || key == "discovery") &&
      out.key_source != IssuerConfig::KeySource::kFile) {
    return Invalid(std::string_view(field).substr(0, field.size() - key.size() - 1), kOneSource);
  }
  if (key == "jwks_uri") {
    out.key_source = IssuerConfig::KeySource::kJwksUri;
    return ReadUrl(v, field, out.jwks_uri);
  }
  if (key == "discovery") {
    bool discovery = false;
    absl::Status s = ReadBool(v, field, discovery);
    if (s.ok() && !discovery) {
      s = Invalid(field,
                  "leave it out for jwks_file / jwks_uri issuers (only true means something)");
    }
    out.key_source = IssuerConfig::KeySource::kDiscovery;
    return s;
  }
  if (key == "fetch") {
    return ReadFetch(v, field, base_dir, out.fetch);
  }
  if (key == "keys") {
    return ReadKeyRefresh(v, field, base_dir, out.refresh);
  }
  if (key == "introspection") {
    out.introspection.emplace();
    return ReadIntrospection(v, field, base_dir, *out.introspection);
  }
  if (key == "opaque") {
    return ReadBool(v, field, out.opaque);
  }
  return absl::NotFoundError("");
}

absl::Status CheckIssuerSources(std::string_view path, std::span<const std::string_view> written,
                                IssuerConfig& out) {
  const int sources = (out.jwks_file.empty() ? 0 : 1) + (out.jwks_uri.empty() ? 0 : 1) +
                      (out.key_source == IssuerConfig::KeySource::kDiscovery ? 1 : 0);
  if (sources > 1) {
    return Invalid(path, kOneSource);
  }
  if (sources == 0) {
    absl::Status s = CheckKeyless(path, written, out);
    if (!s.ok()) {
      return s;
    }
  }
  const bool plain = out.fetch.allow_plain_http;
  const std::string& issuer = *out.policy.issuer;
  if (out.key_source == IssuerConfig::KeySource::kDiscovery && !IsAllowedUrl(issuer, plain)) {
    return Invalid(FieldPath(path, "issuer"),
                   "discovery needs an https:// issuer (http:// only with "
                   "fetch.allow_plain_http)");
  }
  if (out.key_source == IssuerConfig::KeySource::kJwksUri && !IsAllowedUrl(out.jwks_uri, plain)) {
    return Invalid(FieldPath(path, "jwks_uri"),
                   "must be https:// (http:// only with fetch.allow_plain_http)");
  }
  if (out.introspection.has_value()) {
    const std::string& endpoint = out.introspection->endpoint;
    if (endpoint.empty() && out.key_source != IssuerConfig::KeySource::kDiscovery) {
      return MissingField(FieldPath(path, "introspection"), "endpoint");
    }
    if (!endpoint.empty() && !IsAllowedUrl(endpoint, plain)) {
      return Invalid(FieldPath(FieldPath(path, "introspection"), "endpoint"),
                     "must be https:// (http:// only with fetch.allow_plain_http)");
    }
  }
  if (out.introspection.has_value()) {
    absl::Status s = CheckRevocationEndpoint(path, out);
    if (!s.ok()) {
      return s;
    }
  }
  if (out.opaque && !out.introspection.has_value()) {
    return Invalid(FieldPath(path, "opaque"), "needs an introspection endpoint (introspection)");
  }
  if (!out.remote_keys()) {
    return absl::OkStatus();
  }
  if (out.policy.algorithms.empty()) {
    // The allow-list cannot come from keys that are not fetched yet, and RFC 8725 §3.1 wants
    // it explicit anyway.
    return MissingField(path, "algorithms");
  }
  const std::shared_ptr<const KeySet>& fallback = out.refresh.fallback_keys;
  if (fallback != nullptr && out.policy.algorithms.Intersect(fallback->algorithms()).empty()) {
    return Invalid(FieldPath(FieldPath(path, "keys"), "fallback_jwks_file"),
                   base::StrCat("no key can verify ", out.policy.algorithms.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace tokenwarden::server::config_reader
