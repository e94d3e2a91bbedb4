// File: server/config/config.h
// -----------------------------------------------------------------------------
// ServerConfig is `tokenwarden serve`'s configuration: one JSON file (parsed with simdjson),
// documented field by field in examples/serve/README.md#configuration. Parsing is strict: an
// unknown field, a wrong type, an out-of-range number or a missing required field is an error
// naming the field path (e.g. `issuers[1].audiences[0]: must be a non-empty string`), and start-up
// stops with exit 2. Nothing here touches the network; files named by the configuration
// (JWK Sets) are read by LoadConfigFile, relative paths resolved against the config's folder.
#ifndef TOKENWARDEN_SERVER_CONFIG_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "core/algorithm.h"
#include "core/dpop.h"
#include "core/jws_signer.h"
#include "core/key_set.h"
#include "core/policy.h"
#include "server/config/secret_hash.h"

namespace tokenwarden::server {

// DpopMode is how an issuer, or a route, takes DPoP (RFC 9449):
//   kOff       the DPoP scheme is refused; DPoP-bound tokens cannot be used at all
//   kAllowed   DPoP-bound tokens need their proof, other tokens come as Bearer (the default)
//   kRequired  only DPoP-bound tokens, each with its proof
enum class DpopMode { kOff, kAllowed, kRequired };

// RouteScopeRule: a request forwarded to /validate whose original method and URI match must
// carry `scopes` (in addition to the issuer's required scopes). Rules are tried in order;
// every matching rule applies. A rule with `dpop` sets the DPoP mode of the requests it
// matches instead of the issuer's (the last matching rule with one wins).
struct RouteScopeRule {
  std::string method;       // "" matches any method; else exact (case-sensitive, e.g. "POST")
  std::string path_prefix;  // matches the original URI's path (before '?') by prefix
  std::vector<std::string> scopes;
  std::optional<DpopMode> dpop;
};

// DpopConfig is the `dpop` object: how proofs are judged, for every issuer.
struct DpopConfig {
  AlgorithmSet algorithms = DpopAlgorithms();
  int64_t max_age_seconds = 60;     // a proof's iat at most this old
  int64_t max_future_seconds = 60;  // and at most this far ahead
  int64_t leeway_seconds = 0;       // on both
  size_t replay_cache_entries = 1 << 20;
  // nonce: proofs must carry a nonce this server issued (RFC 9449 §9); nonce_secret keys
  // them (from nonce_secret_file / nonce_secret_env, at least 32 bytes: instances behind one
  // gateway need the same one; random per process when absent), each valid for
  // nonce_lifetime_seconds and one lifetime more.
  bool nonce = false;
  std::string nonce_secret;
  uint32_t nonce_lifetime_seconds = 300;
  // replay: where a proof's jti is spent (RFC 9449 §11.1). kLocal: this process only.
  // kShared: this process, then Redis, where the first instance wins; a proof Redis cannot
  // answer for is refused 503 (a replay elsewhere cannot be ruled out). kSharedOrLocal: as
  // kShared, but such a proof passes on the local check alone (counted and logged).
  // Default: kShared with `redis`, else kLocal; the shared modes need `redis`.
  enum class Replay { kLocal, kShared, kSharedOrLocal };
  std::optional<Replay> replay;  // nullopt until ParseConfig resolves the default
};

// ClientCertificateConfig is the `client_certificate` object: where the gateway that
// terminates mutual TLS forwards the client's certificate (RFC 8705 certificate-bound tokens).
struct ClientCertificateConfig {
  enum class Format {
    kPem,   // a PEM certificate, URL-encoded (nginx $ssl_client_escaped_cert) or not
    kXfcc,  // Envoy's x-forwarded-client-cert: its Hash= (or Cert=) of the client element
  };
  std::string header;
  Format format = Format::kPem;
};

// RemoteFetchConfig is how an issuer's HTTPS endpoints are reached (`fetch` object).
struct RemoteFetchConfig {
  std::string ca_file;  // resolved path of a PEM bundle; "" = the system CA bundle
  bool allow_plain_http = false;
  uint32_t connect_timeout_ms = 5000;
  uint32_t timeout_ms = 10000;
  size_t max_response_bytes = 1 << 20;
  // connect_to: connections for HOST:PORT go to TO_HOST:TO_PORT instead (curl's
  // --connect-to); the Host header and the certificate check keep the URL's host.
  struct ConnectTo {
    std::string host;  // lower case; an IPv6 literal without brackets
    uint16_t port = 0;
    std::string to_host;
    uint16_t to_port = 0;
  };
  std::vector<ConnectTo> connect_to;
  // Not read from `fetch`: the introspection client's kept connections, set from
  // `introspection` (fetch/fetcher.h, FetchOptions). 0: a connection per exchange, as key
  // fetches and `serve --check --online` have.
  uint32_t max_connections = 0;
  uint32_t idle_timeout_ms = 4000;
};

// KeyRefreshConfig is the key lifecycle of a remote issuer (`keys` object), in seconds.
struct KeyRefreshConfig {
  int64_t min_refresh_seconds = 60;
  int64_t max_refresh_seconds = 86400;
  int64_t default_refresh_seconds = 3600;  // when the response has no Cache-Control/Expires
  // At most one unknown-kid refetch starts per this interval; a kid seen during it gets the
  // refetch scheduled for its end.
  int64_t unknown_kid_cooldown_seconds = 30;
  // How long a request whose kid is unknown may wait for a refetch that starts after it
  // arrived; past that (or with 0) it is answered 503 with Retry-After, never key_not_found.
  int64_t unknown_kid_wait_ms = 2000;
  int64_t max_stale_seconds = 86400;  // stale-if-error limit, from the last good fetch
  std::string fallback_jwks_file;     // as written; loaded into fallback_keys
  std::shared_ptr<const KeySet> fallback_keys;
};

// UpstreamIntrospectionConfig is how opaque tokens of an issuer are introspected at the
// issuer (`introspection` object, RFC 7662).
struct UpstreamIntrospectionConfig {
  // OnError decides what an upstream failure means (it never means "active"):
  //   kUnavailable:           both /introspect and /validate answer 503 with Retry-After
  //                           (the default: "unknown" is not "inactive")
  //   kInactiveOnIntrospect:  /introspect answers {"active":false}, /validate 503
  //   kInactive:              both answer as for an inactive token (/validate 401)
  enum class OnError { kUnavailable, kInactiveOnIntrospect, kInactive };
  // AuthMethod is how tokenwarden authenticates to the endpoint (`auth_method`):
  //   kBasic:     "client_secret_basic", id and secret form-urlencoded, then joined with ':'
  //               and Base64-encoded (RFC 6749 §2.3.1; the default)
  //   kBasicRaw:  "client_secret_basic_raw", id and secret joined as they are (RFC 7617 §2,
  //               UTF-8), for servers that do not form-decode Basic credentials
  //   kPost:      "client_secret_post", id and secret as form parameters of the body
  enum class AuthMethod { kBasic, kBasicRaw, kPost };
  std::string endpoint;  // "" = the discovery document's introspection_endpoint
  std::string client_id;
  std::string client_secret;  // read from client_secret_file or client_secret_env
  AuthMethod auth_method = AuthMethod::kBasic;
  int64_t cache_ttl_seconds = 300;
  int64_t negative_ttl_seconds = 10;
  OnError on_error = OnError::kUnavailable;
  // max_connections: upstream calls at once (the introspector's threads), each on a
  // connection kept open for the next call; idle_timeout_ms: how long one may wait unused.
  // Calls at once bound the rate: an endpoint answering in 10 ms serves 16 connections at
  // most 1,600 calls a second (Little's law), 2 (the fixed count before) only 200.
  uint32_t max_connections = 16;
  uint32_t idle_timeout_ms = 4000;
  // forward_revocations: a /revoke of a token this endpoint judges is also sent to the
  // issuer's RFC 7009 revocation endpoint, with the credentials above; revocation_endpoint
  // ("" = the discovery document's revocation_endpoint) is set only with it.
  bool forward_revocations = false;
  std::string revocation_endpoint;
};

// IssuerConfig is one trusted issuer. The token's `iss` chooses the entry.
// ClaimHeader maps a claim to a /validate response header (core ClaimText renders it).
struct ClaimHeader {
  std::string claim;   // a claim name, or a dotted path into nested objects ("realm_access.roles")
  std::string header;  // e.g. "X-Auth-Subject" (a valid HTTP token; no CR/LF)
};

// BackChannelLogoutConfig is an issuer's `backchannel_logout` object: its OpenID Connect
// Back-Channel Logout tokens are accepted at the logout endpoint when their aud names one of
// client_ids (the relying parties behind this tokenwarden; never empty).
struct BackChannelLogoutConfig {
  std::vector<std::string> client_ids;
  // by_subject: a logout ends every token of the user (`sub`) even when it names a session —
  // for providers whose access tokens carry no `sid`. Else a `sid` ends that session only.
  bool by_subject = false;
};

struct IssuerConfig {
  // Where the keys come from: at most one of `jwks_file`, `jwks_uri`, `discovery: true`;
  // kNone (none of them) is an issuer of opaque tokens only, whose introspection endpoint
  // judges every token routed to it.
  enum class KeySource { kFile, kJwksUri, kDiscovery, kNone };

  // policy.issuer is always set (the `issuer` field); the rest of the Policy comes from the
  // fields audiences, algorithms, leeway_seconds, typ, required_claims, required_scopes,
  // require_exp, max_token_bytes.
  Policy policy;
  KeySource key_source = KeySource::kFile;
  // jwks_file as written (for messages) and the loaded key set (kFile only; remote issuers
  // get theirs from their key source at run time).
  std::string jwks_file;
  std::shared_ptr<const KeySet> keys;
  std::string jwks_uri;  // kJwksUri
  RemoteFetchConfig fetch;
  KeyRefreshConfig refresh;
  std::optional<UpstreamIntrospectionConfig> introspection;
  // opaque: every token naming this issuer is introspected upstream, JWS or not. Always set
  // for an issuer without keys (kNone).
  bool opaque = false;
  std::vector<RouteScopeRule> route_scopes;
  DpopMode dpop = DpopMode::kAllowed;
  // profile names the provider profile the issuer started from ("" = none); its settings
  // are already in the fields above (server/config/provider_profile.h).
  std::string profile;
  // claim_headers are /validate's headers for this issuer's tokens on top of the top-level
  // ones (the issuer's mapping wins for a header named in both); a profile sets some.
  std::vector<ClaimHeader> claim_headers;
  // max_token_lifetime_seconds: no token of this issuer lives longer after its iat. An
  // attribute revocation (a logout, a subject, a client) is kept that long past the issue
  // time it covers, plus the leeway, and then forgotten.
  int64_t max_token_lifetime_seconds = 86400;
  std::optional<BackChannelLogoutConfig> backchannel_logout;  // absent: logouts refused

  // remote_keys: the keys are fetched (jwks_uri or discovery).
  bool remote_keys() const {
    return key_source == KeySource::kJwksUri || key_source == KeySource::kDiscovery;
  }
  // keyless: no keys at all; its tokens are judged by its introspection endpoint only.
  bool keyless() const { return key_source == KeySource::kNone; }
};

// ClientConfig is one caller allowed to use /introspect and /revoke with client credentials.
struct ClientConfig {
  std::string id;
  SecretHash secret;
  // issuers / audiences limit which tokens this caller may learn about; empty = no limit.
  // A token outside them is inactive for this caller.
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  // revoke_by_attribute: may revoke every token of a session, subject or client
  // (/revoke-by-attribute), within `issuers`.
  bool revoke_by_attribute = false;
  // introspection_signed_response_alg (RFC 9701 §6 client metadata) opts the client in to
  // signed introspection answers: when it asks for them (Accept:
  // application/token-introspection+jwt) it gets a JWT signed with introspection_signing's
  // key, whose algorithm this must name. nullopt: plain JSON answers only.
  std::optional<Algorithm> introspection_signed_response_alg = std::nullopt;
};

// IntrospectionSigningConfig is the `introspection_signing` object: tokenwarden's own key for
// signed introspection answers (RFC 9701) and where its public JWK Set is published.
struct IntrospectionSigningConfig {
  std::string issuer;                 // the answers' `iss`: this server's identifier (an https URL)
  std::string key_file;               // resolved path of the private key (PEM or private JWK)
  Algorithm alg = Algorithm::kEs256;  // ES256, RS256, PS256 or EdDSA; must fit the key
  std::string kid;                    // as written; "" = the JWK's kid, else the thumbprint
  // jwks_path: where GET serves the public JWK Set, under /.well-known/.
  std::string jwks_path = "/.well-known/introspection-jwks.json";
  std::shared_ptr<const JwsSigner> signer;  // loaded from key_file; kid() is the kid in use
};

// BearerCallers, when set, lets a caller authenticate with a bearer token of a configured
// issuer (valid under that issuer's policy) instead of client credentials.
struct BearerCallers {
  std::vector<std::string> issuers;  // whose tokens may authenticate callers (non-empty)
  std::vector<std::string> scopes;   // each must be granted to the caller's token
  // limit_issuers / limit_audiences: as ClientConfig::issuers / audiences.
  std::vector<std::string> limit_issuers;
  std::vector<std::string> limit_audiences;
};

struct CacheConfig {
  bool enabled = true;
  size_t max_entries = 1 << 16;
  size_t max_bytes = 64 << 20;
};

struct DenylistConfig {
  std::string log_path;  // "" = revocations are not durable (a warning at start-up)
  size_t capacity = 1 << 16;
};

// RedisConfig is the `redis` object: several instances share revocations and opaque-token
// results through one Redis (server/redis). Requires denylist.log, the durable buffer of
// revocations while Redis is unreachable.
struct RedisConfig {
  std::string url;  // as written (no secrets: userinfo is refused)
  std::string host;
  uint16_t port = 6379;
  int db = 0;
  bool tls = false;      // rediss://
  std::string username;  // ACL user; "" = AUTH with the password only
  std::string password;  // from password_file or password_env; "" = no AUTH
  std::string ca_file;   // rediss:// only; "" = the system CA bundle
  std::string key_prefix = "tokenwarden:";
  uint32_t connect_timeout_ms = 2000;  // TCP connect + TLS handshake + AUTH/SELECT
  uint32_t command_timeout_ms = 1000;  // a reply later than this drops the connection
  uint32_t reconnect_min_ms = 100;     // backoff between attempts, doubling, with jitter
  uint32_t reconnect_max_ms = 5000;
  bool share_opaque_results = true;

  bool operator==(const RedisConfig&) const = default;
};

// ParseRedisUrl reads redis://host[:port][/db] or rediss://... into `out` (host, port, db,
// tls). Userinfo is refused: the password belongs in password_file / password_env.
absl::Status ParseRedisUrl(std::string_view url, RedisConfig& out);

struct LimitsConfig {
  size_t max_header_bytes = 8192;  // request line + headers
  size_t max_body_bytes = 16384;
  size_t max_headers = 64;
  size_t max_url_bytes = 4096;
  size_t max_connections = 4096;          // across all workers
  size_t max_connections_per_source = 0;  // per IPv4 address / IPv6 /64; 0 = no limit
  uint32_t idle_timeout_ms = 60000;       // keep-alive connection with no request in progress
  uint32_t read_timeout_ms = 10000;       // from a request's first byte to its last
  uint32_t drain_timeout_ms = 10000;      // SIGTERM: how long in-flight requests may finish
};

// AdminConfig is the `admin` object: a listener of its own for the operators' routes —
// /metrics, /readyz and every route registered as an admin route (server/serve/routes.cc);
// /healthz is answered there too. With it, the public `listen` addresses answer 404 for those
// routes and the admin addresses 404 for the public ones; without it, every route is served
// on `listen`.
struct AdminConfig {
  std::vector<std::string> listen;  // non-empty; no port of the top-level `listen`

  bool operator==(const AdminConfig&) const = default;
};

struct AccessLogConfig {
  bool enabled = false;
  std::string path = "-";  // "-" = stderr
};

// ProtectedResourceConfig is one entry of `protected_resources`: an OAuth 2.0 protected
// resource behind the gateway, whose RFC 9728 metadata `serve` publishes and whose metadata
// URL /validate's challenges name (RFC 9728 §5.1).
struct ProtectedResourceConfig {
  // resource is the resource identifier exactly as written (RFC 9728 §3.3: the metadata's
  // `resource` must be identical to it): an https URL without query or fragment.
  std::string resource;
  std::vector<std::string> authorization_servers;  // issuer identifiers; default: every issuer
  std::vector<std::string> scopes_supported;       // empty: not published
  // The human-facing members; "" = not published.
  std::string resource_name;
  std::string resource_documentation;
  std::string resource_policy_uri;
  std::string resource_tos_uri;
  bool dpop_bound_access_tokens_required = false;
  // dpop_signing_alg_values_supported: a subset of `dpop.algorithms` (what /validate accepts
  // for proofs), all of them by default.
  AlgorithmSet dpop_algorithms;

  // Derived from `resource` when the configuration is read. host is lower case (an IPv6
  // literal without brackets) and port explicit (443 unless written), for matching request
  // origins; path is the resource's path as written, "" for none or a lone "/".
  std::string host;
  uint16_t port = 443;
  std::string path;
  // metadata_path is where the metadata is served, /.well-known/oauth-protected-resource
  // followed by `path` (RFC 9728 §3.1); metadata_url is that path on the resource's own
  // origin as written, the value of resource_metadata in challenges.
  std::string metadata_path;
  std::string metadata_url;
};

// LogoutReceiverConfig is the top-level `backchannel_logout` object: where logout tokens are
// received (a change takes effect on restart) and how old their iat may be.
struct LogoutReceiverConfig {
  std::string path = "/backchannel-logout";
  int64_t max_age_seconds = 300;
};

// ClaimHeader copies a claim of a valid token into a /validate response header.
struct ServerConfig {
  std::vector<std::string> listen = {"127.0.0.1:8080"};  // "host:port", "[v6]:port"
  int workers = 0;                                       // 0 = one per CPU
  std::optional<AdminConfig> admin;                      // absent: one listener for all
  std::vector<IssuerConfig> issuers;                     // at least one; identifiers unique
  // opaque_issuer is the index of the issuer whose introspection endpoint receives tokens
  // that are not JWS (-1: none configured). `opaque_issuer` in the file names it; it may be
  // left out when only one issuer has `introspection`.
  int opaque_issuer = -1;
  std::vector<ClientConfig> clients;  // ids unique
  std::optional<BearerCallers> bearer_callers;
  CacheConfig cache;
  DenylistConfig denylist;
  LimitsConfig limits;
  AccessLogConfig access_log;
  std::optional<RedisConfig> redis;  // absent: a single instance
  DpopConfig dpop;
  std::optional<ClientCertificateConfig> client_certificate;  // absent: none forwarded
  std::vector<ClaimHeader> claim_headers = {
      {"sub", "X-Auth-Subject"}, {"scope", "X-Auth-Scope"}, {"client_id", "X-Auth-Client-Id"}};
  // protected_resources: RFC 9728 metadata documents (at most 64); empty = none published.
  std::vector<ProtectedResourceConfig> protected_resources;
  LogoutReceiverConfig backchannel_logout;
  // introspection_signing: absent = no signed introspection answers, no JWK Set served.
  std::optional<IntrospectionSigningConfig> introspection_signing;
};

// ParseConfig parses `json`; relative file paths are resolved against `base_dir` and the JWK
// Set files are loaded (a file that yields zero usable keys is an error).
absl::StatusOr<ServerConfig> ParseConfig(std::string_view json, std::string_view base_dir);

// LoadConfigFile reads `path` (bounded size) and calls ParseConfig with its folder.
absl::StatusOr<ServerConfig> LoadConfigFile(const std::string& path);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_CONFIG_CONFIG_H_
