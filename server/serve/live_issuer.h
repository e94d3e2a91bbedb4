// File: server/serve/live_issuer.h
// -----------------------------------------------------------------------------
// LiveIssuer is what the routes see of an issuer that lives outside the process: its key
// source (OIDC discovery / jwks_uri, refreshed on a thread of its own, server/keys) and its
// introspection endpoint for opaque tokens (server/upstream). LiveIssuers keeps them across
// configuration reloads: an issuer whose settings did not change keeps its fetched keys, its
// refresh schedule and its upstream cache, so a SIGHUP never makes a live issuer unavailable.
#ifndef TOKENWARDEN_SERVER_SERVE_LIVE_ISSUER_H_
#define TOKENWARDEN_SERVER_SERVE_LIVE_ISSUER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/base/thread_annotations.h>
#include <absl/status/statusor.h>

#include "base/mutex.h"
#include "core/validator.h"
#include "server/config/config.h"
#include "server/keys/refetch.h"
#include "server/serve/metrics.h"
#include "server/upstream/shared_result_store.h"

namespace tokenwarden::server {

namespace fetch {
class Fetcher;
}
namespace keys {
class IssuerKeySource;
}
namespace upstream {
class OpaqueIntrospector;
enum class ClientAuth;  // client_request.h
}  // namespace upstream

// UpstreamAnswer is one upstream introspection outcome as the routes use it.
struct UpstreamAnswer {
  enum class Kind { kActive, kInactive, kError };
  Kind kind = Kind::kError;
  // json: the upstream's response object (kActive), the "payload" the routes render.
  std::shared_ptr<const std::string> json;
};

// RevocationAnswer is what the issuer's revocation endpoint said about a forwarded /revoke
// (upstream::RevocationOutcome as the routes use it): kError also when it did not answer.
struct RevocationAnswer {
  enum class Kind { kRevoked, kUnsupportedTokenType, kError };
  Kind kind = Kind::kError;
  int64_t retry_after_seconds = 0;  // a 503's Retry-After (0: none)
};

// ClientAuthOf is the introspector's spelling of an issuer's `introspection.auth_method`
// (the configuration and server/upstream do not know each other).
upstream::ClientAuth ClientAuthOf(UpstreamIntrospectionConfig::AuthMethod method);

// Logger takes one line (no trailing newline) for stderr.
using Logger = std::function<void(std::string_view line)>;

class LiveIssuer {
 public:
  ~LiveIssuer();
  LiveIssuer(const LiveIssuer&) = delete;
  LiveIssuer& operator=(const LiveIssuer&) = delete;

  // Keys (issuers with jwks_uri / discovery only; the others have no key source).
  bool has_key_source() const { return keys_ != nullptr; }
  // Attach makes `validator` follow the key source: it gets the current set now (the empty
  // set until the first fetch) and every change after.
  void Attach(const std::shared_ptr<Validator>& validator);
  // RequestRefetch asks for a key fetch that starts after this call, because a token named a
  // kid the published set lacks (keys::IssuerKeySource::RequestRefetch): `done` runs on a
  // fetch thread when that fetch ends, if the ticket says it is queued. Without a key source,
  // nothing is queued.
  keys::RefetchTicket RequestRefetch(int64_t max_wait_ms,
                                     std::function<void(const keys::RefetchResult&)> done);
  // RefetchDueInMs is how long until a fetch that settles an unknown kid starts (0: under
  // way), for Retry-After.
  int64_t RefetchDueInMs() const;

  // Upstream introspection (issuers with `introspection` only).
  bool has_upstream() const { return upstream_ != nullptr; }
  // CachedAnswer returns the cached answer for `token`, without I/O.
  std::optional<UpstreamAnswer> CachedAnswer(std::string_view token);
  // Lookup asks the issuer (single-flight) and runs `done` on a fetch thread.
  void Lookup(std::string_view token, std::function<void(const UpstreamAnswer&)> done);
  // Revoke forwards a revocation of `token` to the issuer's RFC 7009 endpoint (`hint`: its
  // token_type_hint, or empty) and runs `done` on a fetch thread, or at once when it cannot
  // be queued; a revoked token's cached answer is dropped first.
  void Revoke(std::string_view token, std::string_view hint,
              std::function<void(const RevocationAnswer&)> done);

  // Readiness: false while the issuer has no usable keys (none fetched yet, or dropped as too
  // stale with no fallback). Issuers without a key source are always ready.
  bool ready() const;
  // AppendReadyJson appends this issuer's state as JSON object members, each preceded by a
  // comma: ,"keys":{...} and/or ,"introspection":{...}.
  void AppendReadyJson(std::string& out, int64_t now) const;
  void FillGauges(MetricsGauges::Issuer& out) const;

 private:
  friend class LiveIssuers;
  LiveIssuer() = default;
  std::string fingerprint_;
  std::unique_ptr<keys::IssuerKeySource> keys_;
  // With discovery, the introspection endpoint comes from the key source's last metadata.
  std::unique_ptr<upstream::OpaqueIntrospector> upstream_;
  bool forwards_revocations_ = false;  // introspection.forward_revocations
};

// MakeHttpsFetcher makes the HTTP client an issuer's `fetch` settings describe (CA file,
// timeouts, size limit): the one its live issuer and `serve --check --online` use. Fails
// when the CA file cannot be used.
absl::StatusOr<std::shared_ptr<fetch::Fetcher>> MakeHttpsFetcher(const RemoteFetchConfig& config);

// LiveIssuers owns the LiveIssuer of every configured live issuer, keyed by the settings that
// shape it. Thread-safety: all methods may be called from any thread.
class LiveIssuers {
 public:
  // MakeFetcher makes the HTTP client of one issuer; the default is an HttpsClient (tests
  // substitute fakes).
  using MakeFetcher = std::function<absl::StatusOr<std::shared_ptr<fetch::Fetcher>>(
      const RemoteFetchConfig& config)>;

  // Without `start`, live issuers are built (their settings checked) but fetch nothing:
  // `serve --check`.
  LiveIssuers(Logger log, bool start, MakeFetcher make_fetcher = nullptr);
  ~LiveIssuers();  // stops every key source and introspector

  // Acquire returns the LiveIssuer for `config` (null when the issuer needs none), reusing the
  // one an identical configuration made earlier and starting a new one otherwise.
  absl::StatusOr<std::shared_ptr<LiveIssuer>> Acquire(const IssuerConfig& config);
  // SetSharedResults gives introspectors started from now on a shared tier (Redis).
  void SetSharedResults(std::shared_ptr<upstream::SharedResultStore> shared) {
    shared_ = std::move(shared);
  }
  // Retain stops the live issuers that `in_use` (those of the published state) does not hold.
  void Retain(const std::vector<std::shared_ptr<LiveIssuer>>& in_use);

 private:
  Logger log_;
  bool start_;
  MakeFetcher make_fetcher_;
  std::shared_ptr<upstream::SharedResultStore> shared_;
  base::Mutex mu_;
  std::map<std::string, std::shared_ptr<LiveIssuer>> by_fingerprint_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_LIVE_ISSUER_H_
