#include "server/serve/live_issuer.h"

#include <utility>

#include "base/json_escape.h"
#include "base/str_cat.h"
#include "server/fetch/https_client.h"
#include "server/keys/key_source.h"
#include "server/upstream/opaque_introspector.h"

namespace tokenwarden::server {
namespace {

// Fingerprint is every setting that shapes a live issuer: equal fingerprints share one across
// a reload. It holds the upstream client secret too (a changed secret must take effect); it
// is only compared, never logged.
std::string Fingerprint(const IssuerConfig& c) {
  std::string out = base::StrCat(*c.policy.issuer, "\n", static_cast<int>(c.key_source), "\n",
                                 c.jwks_uri, "\n", c.fetch.ca_file, "\n",
                                 c.fetch.allow_plain_http ? 1 : 0, "\n", c.fetch.connect_timeout_ms,
                                 "\n", c.fetch.timeout_ms, "\n", c.fetch.max_response_bytes);
  const KeyRefreshConfig& r = c.refresh;
  base::StrAppend(&out, "\n", r.min_refresh_seconds, "\n", r.max_refresh_seconds, "\n",
                  r.default_refresh_seconds, "\n", r.unknown_kid_cooldown_seconds, "\n",
                  r.unknown_kid_wait_ms, "\n", r.max_stale_seconds, "\n", r.fallback_jwks_file);
  if (c.introspection.has_value()) {
    const UpstreamIntrospectionConfig& i = *c.introspection;
    base::StrAppend(&out, "\n", i.endpoint, "\n", i.client_id, "\n", i.client_secret, "\n",
                    static_cast<int>(i.auth_method), "\n", i.cache_ttl_seconds, "\n",
                    i.negative_ttl_seconds, "\n", i.max_connections, "\n", i.idle_timeout_ms, "\n",
                    i.forward_revocations ? 1 : 0, "\n", i.revocation_endpoint);
  }
  return out;
}

UpstreamAnswer AnswerOf(const upstream::UpstreamOutcome& outcome) {
  UpstreamAnswer answer;
  switch (outcome.kind) {
    case upstream::UpstreamOutcome::Kind::kActive:
      answer.kind = UpstreamAnswer::Kind::kActive;
      answer.json = std::shared_ptr<const std::string>(outcome.result, &outcome.result->json);
      break;
    case upstream::UpstreamOutcome::Kind::kInactive:
      answer.kind = UpstreamAnswer::Kind::kInactive;
      break;
    case upstream::UpstreamOutcome::Kind::kError:
      answer.kind = UpstreamAnswer::Kind::kError;
      break;
  }
  return answer;
}

}  // namespace

absl::StatusOr<std::shared_ptr<fetch::Fetcher>> MakeHttpsFetcher(const RemoteFetchConfig& config) {
  fetch::FetchOptions options;
  options.ca_file = config.ca_file;
  options.allow_plain_http = config.allow_plain_http;
  options.connect_timeout_ms = config.connect_timeout_ms;
  options.timeout_ms = config.timeout_ms;
  options.max_response_bytes = config.max_response_bytes;
  options.max_connections = config.max_connections;
  options.idle_timeout_ms = config.idle_timeout_ms;
  for (const RemoteFetchConfig::ConnectTo& entry : config.connect_to) {
    options.connect_to.push_back({entry.host, entry.port, entry.to_host, entry.to_port});
  }
  absl::StatusOr<std::unique_ptr<fetch::HttpsClient>> client =
      fetch::HttpsClient::Create(std::move(options));
  if (!client.ok()) {
    return client.status();
  }
  return std::shared_ptr<fetch::Fetcher>(*std::move(client));
}

upstream::ClientAuth ClientAuthOf(UpstreamIntrospectionConfig::AuthMethod method) {
  switch (method) {
    case UpstreamIntrospectionConfig::AuthMethod::kBasic:
      break;
    case UpstreamIntrospectionConfig::AuthMethod::kBasicRaw:
      return upstream::ClientAuth::kBasicRaw;
    case UpstreamIntrospectionConfig::AuthMethod::kPost:
      return upstream::ClientAuth::kPost;
  }
  return upstream::ClientAuth::kBasic;
}

LiveIssuer::~LiveIssuer() {
  // The introspector may ask the key source for the discovered endpoint: stop it first.
  if (upstream_ != nullptr) {
    upstream_->Stop();
  }
  if (keys_ != nullptr) {
    keys_->Stop();
  }
}

void LiveIssuer::Attach(const std::shared_ptr<Validator>& validator) {
  if (keys_ != nullptr) {
    keys_->Attach(validator);
  }
}

keys::RefetchTicket LiveIssuer::RequestRefetch(
    int64_t max_wait_ms, std::function<void(const keys::RefetchResult&)> done) {
  if (keys_ == nullptr) {
    return keys::RefetchTicket();
  }
  return keys_->RequestRefetch(max_wait_ms, std::move(done));
}

int64_t LiveIssuer::RefetchDueInMs() const {
  return keys_ == nullptr ? 0 : keys_->RefetchDueInMs();
}

std::optional<UpstreamAnswer> LiveIssuer::CachedAnswer(std::string_view token) {
  std::optional<upstream::UpstreamOutcome> cached = upstream_->Cached(token);
  if (!cached.has_value()) {
    return std::nullopt;
  }
  return AnswerOf(*cached);
}

void LiveIssuer::Lookup(std::string_view token, std::function<void(const UpstreamAnswer&)> done) {
  upstream_->Lookup(token, [done = std::move(done)](const upstream::UpstreamOutcome& outcome) {
    done(AnswerOf(outcome));
  });
}

void LiveIssuer::Revoke(std::string_view token, std::string_view hint,
                        std::function<void(const RevocationAnswer&)> done) {
  upstream_->Revoke(token, hint,
                    [done = std::move(done)](const upstream::RevocationOutcome& outcome) {
                      RevocationAnswer answer;
                      switch (outcome.kind) {
                        case upstream::RevocationOutcome::Kind::kRevoked:
                          answer.kind = RevocationAnswer::Kind::kRevoked;
                          break;
                        case upstream::RevocationOutcome::Kind::kUnsupportedTokenType:
                          answer.kind = RevocationAnswer::Kind::kUnsupportedTokenType;
                          break;
                        case upstream::RevocationOutcome::Kind::kError:
                          break;
                      }
                      answer.retry_after_seconds = outcome.retry_after_seconds;
                      done(answer);
                    });
}

bool LiveIssuer::ready() const { return keys_ == nullptr || keys_->Status().usable; }

void LiveIssuer::AppendReadyJson(std::string& out, int64_t now) const {
  if (keys_ != nullptr) {
    const keys::KeySourceStatus s = keys_->Status();
    base::StrAppend(&out, ",\"keys\":{\"usable\":", s.usable ? "true" : "false",
                    ",\"stale\":", s.stale ? "true" : "false",
                    ",\"fallback\":", s.using_fallback ? "true" : "false", ",\"keys\":", s.keys,
                    ",\"kids\":[");
    for (size_t i = 0; i < s.kids.size(); ++i) {
      out.append(i == 0 ? "" : ",");
      base::AppendJsonQuoted(s.kids[i], out);
    }
    out.append("],\"age_seconds\":");
    if (s.last_success_unix > 0) {
      base::StrAppend(&out, now - s.last_success_unix);
    } else {
      out.append("null");
    }
    base::StrAppend(&out, ",\"consecutive_failures\":", s.consecutive_failures,
                    ",\"next_attempt_in_ms\":", s.next_attempt_in_ms, ",\"jwks_uri\":");
    base::AppendJsonQuoted(s.jwks_uri, out);
    out.append(",\"last_error\":");
    if (s.last_error.empty()) {
      out.append("null");
    } else {
      base::AppendJsonQuoted(s.last_error, out);
    }
    out.push_back('}');
  }
  if (upstream_ != nullptr) {
    const upstream::UpstreamStats s = upstream_->Stats();
    base::StrAppend(&out, ",\"introspection\":{\"calls\":", s.calls, ",\"errors\":", s.errors,
                    ",\"cached\":", s.entries, "}");
  }
}

void LiveIssuer::FillGauges(MetricsGauges::Issuer& out) const {
  if (keys_ != nullptr) {
    const keys::KeySourceStatus s = keys_->Status();
    out.remote = true;
    out.stale = s.stale;
    out.fallback = s.using_fallback;
    out.consecutive_failures = static_cast<uint64_t>(s.consecutive_failures);
    out.key_set_age_seconds =
        s.last_success_unix > 0 ? static_cast<double>(s.now_unix - s.last_success_unix) : 0;
    for (int e = 0; e < keys::kNumKeyEvents; ++e) {
      out.key_events.push_back(
          {keys::KeyEventName(static_cast<keys::KeyEvent>(e)), s.events[static_cast<size_t>(e)]});
    }
  }
  if (upstream_ != nullptr) {
    const upstream::UpstreamStats s = upstream_->Stats();
    out.upstream = {{"active", s.active},       {"inactive", s.inactive},
                    {"error", s.errors},        {"cached", s.cache_hits},
                    {"coalesced", s.coalesced}, {"overloaded", s.overloaded}};
    if (forwards_revocations_) {
      out.upstream_revocations = {{"revoked", s.revoked},
                                  {"unsupported_token_type", s.revoke_unsupported},
                                  {"error", s.revoke_errors}};
    }
    out.upstream_connections = {{"opened", s.connections.opened},
                                {"resumed", s.connections.resumed},
                                {"reused", s.connections.reused},
                                {"retried", s.connections.retried}};
  }
}

LiveIssuers::LiveIssuers(Logger log, bool start, MakeFetcher make_fetcher)
    : log_(std::move(log)), start_(start), make_fetcher_(std::move(make_fetcher)) {
  if (!make_fetcher_) {
    make_fetcher_ = MakeHttpsFetcher;
  }
}

LiveIssuers::~LiveIssuers() {
  std::map<std::string, std::shared_ptr<LiveIssuer>> all;
  {
    base::MutexLock lock(&mu_);
    all.swap(by_fingerprint_);
  }
  for (auto& [fingerprint, live] : all) {
    if (live->upstream_ != nullptr) {
      live->upstream_->Stop();
    }
    if (live->keys_ != nullptr) {
      live->keys_->Stop();
    }
  }
}

namespace {

// UpstreamConfigOf is the introspector's configuration for `config`'s `introspection`;
// endpoints left to discovery are read from `source` (the issuer's key source) at each call.
upstream::UpstreamConfig UpstreamConfigOf(const IssuerConfig& config, keys::IssuerKeySource* source,
                                          std::shared_ptr<upstream::SharedResultStore> shared) {
  const UpstreamIntrospectionConfig& i = *config.introspection;
  upstream::UpstreamConfig u;
  u.issuer = *config.policy.issuer;
  u.endpoint = i.endpoint;
  if (u.endpoint.empty()) {
    u.endpoint_provider = [source] { return source->Status().introspection_endpoint; };
  }
  if (i.forward_revocations) {
    u.revocation_endpoint = i.revocation_endpoint;
    if (u.revocation_endpoint.empty() && source != nullptr) {
      u.revocation_endpoint_provider = [source] { return source->Status().revocation_endpoint; };
    }
  }
  u.client_id = i.client_id;
  u.client_secret = i.client_secret;
  u.auth = ClientAuthOf(i.auth_method);
  u.cache_ttl_ms = i.cache_ttl_seconds * 1000;
  u.negative_ttl_ms = i.negative_ttl_seconds * 1000;
  u.shared = std::move(shared);
  // Every cache miss is a call: the introspector's own client keeps its connections, one
  // per thread at most; key fetches keep a connection each.
  u.threads = i.max_connections;
  return u;
}

}  // namespace

absl::StatusOr<std::shared_ptr<LiveIssuer>> LiveIssuers::Acquire(const IssuerConfig& config) {
  if (!config.remote_keys() && !config.introspection.has_value()) {
    return std::shared_ptr<LiveIssuer>();
  }
  const std::string fingerprint = Fingerprint(config);
  {
    base::MutexLock lock(&mu_);
    if (auto it = by_fingerprint_.find(fingerprint); it != by_fingerprint_.end()) {
      return it->second;
    }
  }
  absl::StatusOr<std::shared_ptr<fetch::Fetcher>> fetcher = make_fetcher_(config.fetch);
  if (!fetcher.ok()) {
    return absl::InvalidArgumentError(base::StrCat("fetch: ", fetcher.status().message()));
  }
  std::shared_ptr<LiveIssuer> live(new LiveIssuer());
  live->fingerprint_ = fingerprint;
  if (config.remote_keys()) {
    keys::KeySourceConfig k;
    k.issuer = *config.policy.issuer;
    k.discovery = config.key_source == IssuerConfig::KeySource::kDiscovery;
    k.jwks_uri = config.jwks_uri;
    k.allow_plain_http = config.fetch.allow_plain_http;
    k.min_refresh_ms = config.refresh.min_refresh_seconds * 1000;
    k.max_refresh_ms = config.refresh.max_refresh_seconds * 1000;
    k.default_refresh_ms = config.refresh.default_refresh_seconds * 1000;
    k.cooldown_ms = config.refresh.unknown_kid_cooldown_seconds * 1000;
    k.max_stale_ms = config.refresh.max_stale_seconds * 1000;
    k.fallback = config.refresh.fallback_keys;
    absl::StatusOr<std::unique_ptr<keys::IssuerKeySource>> source =
        keys::IssuerKeySource::Create(std::move(k), *fetcher, log_);
    if (!source.ok()) {
      return source.status();
    }
    live->keys_ = *std::move(source);
  }
  if (config.introspection.has_value()) {
    const UpstreamIntrospectionConfig& i = *config.introspection;
    upstream::UpstreamConfig u = UpstreamConfigOf(config, live->keys_.get(), shared_);
    RemoteFetchConfig kept = config.fetch;
    kept.max_connections = i.max_connections;
    kept.idle_timeout_ms = i.idle_timeout_ms;
    absl::StatusOr<std::shared_ptr<fetch::Fetcher>> upstream_fetcher = make_fetcher_(kept);
    if (!upstream_fetcher.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("fetch: ", upstream_fetcher.status().message()));
    }
    absl::StatusOr<std::unique_ptr<upstream::OpaqueIntrospector>> introspector =
        upstream::OpaqueIntrospector::Create(std::move(u), *std::move(upstream_fetcher), log_);
    if (!introspector.ok()) {
      return introspector.status();
    }
    live->upstream_ = *std::move(introspector);
    live->forwards_revocations_ = i.forward_revocations;
  }
  if (start_ && live->keys_ != nullptr) {
    live->keys_->Start();
  }
  base::MutexLock lock(&mu_);
  by_fingerprint_.emplace(fingerprint, live);
  return live;
}

void LiveIssuers::Retain(const std::vector<std::shared_ptr<LiveIssuer>>& in_use) {
  std::vector<std::shared_ptr<LiveIssuer>> dropped;
  {
    base::MutexLock lock(&mu_);
    for (auto it = by_fingerprint_.begin(); it != by_fingerprint_.end();) {
      const bool used = std::find(in_use.begin(), in_use.end(), it->second) != in_use.end();
      if (used) {
        ++it;
      } else {
        dropped.push_back(std::move(it->second));
        it = by_fingerprint_.erase(it);
      }
    }
  }
  // Dropped ones stop when the last state holding them goes (LiveIssuer's destructor).
}

}  // namespace tokenwarden::server
