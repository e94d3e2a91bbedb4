// File: server/serve/metrics.h
// -----------------------------------------------------------------------------
// Metrics are the server's counters, rendered in the Prometheus text exposition format
// (version 0.0.4) at /metrics. Each worker thread writes only its own shard (relaxed atomics
// on cache lines no other writer touches), so counting costs no contention; a scrape sums the
// shards. Gauges that live elsewhere (cache size, denylist size, key-set age) are read at
// scrape time by the caller and passed to Render.
#ifndef TOKENWARDEN_SERVER_SERVE_METRICS_H_
#define TOKENWARDEN_SERVER_SERVE_METRICS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/serve/outcome.h"

namespace tokenwarden::server {

// Route labels of tokenwarden_http_requests_total.
enum class Route : uint8_t {
  kIntrospect,
  kRevoke,
  kValidate,
  kHealthz,
  kReadyz,
  kMetrics,
  kResourceMetadata,   // /.well-known/oauth-protected-resource[/...] (RFC 9728)
  kOther,              // unknown paths and transport-level errors
  kBackChannelLogout,  // OIDC Back-Channel Logout 1.0 (backchannel_logout.path)
  kRevokeByAttribute,  // /revoke-by-attribute
};
inline constexpr int kNumRoutes = 10;
std::string_view RouteName(Route route);

// kLatencyBucketsSeconds are the upper bounds of the request latency histogram.
inline constexpr std::array<double, 14> kLatencyBucketsSeconds = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

// RedisGauges: the scale-out link's state (outside MetricsGauges: a nested struct with default
// member initializers cannot be default-constructed inside its enclosing class under clang).
struct RedisGauges {
  bool connected = false;
  uint64_t connects = 0, errors = 0;
  uint64_t revocations_sent = 0, revocations_received = 0;
  uint64_t revocations_refused = 0;  // heard from Redis, not applied: the denylist is full
  size_t revocations_pending = 0;
  uint64_t opaque_hits = 0, opaque_misses = 0, opaque_errors = 0;
  // DPoP proofs spent in Redis: first spends, replays of a spend elsewhere, no answer.
  uint64_t dpop_fresh = 0, dpop_replayed = 0, dpop_errors = 0;
};

// MetricsGauges are the values read at scrape time.
struct MetricsGauges {
  // Counted is one labelled counter value (label values with static storage).
  struct Counted {
    std::string_view label;
    uint64_t value = 0;
  };
  struct Issuer {
    std::string issuer;
    // keyless: an issuer of opaque tokens only has no key set, so no key-set samples.
    bool keyless = false;
    double key_set_age_seconds = 0;
    size_t keys = 0;
    // Issuers whose keys are fetched (remote); the rest is left out for jwks_file issuers.
    bool remote = false;
    bool stale = false;
    bool fallback = false;
    uint64_t consecutive_failures = 0;
    std::vector<Counted> key_events;  // refreshed, unchanged, rotated, failed, ...
    // Upstream introspection (issuers with `introspection`), by result.
    std::vector<Counted> upstream;
    // Its connections to the endpoint: opened, resumed, reused, retried.
    std::vector<Counted> upstream_connections;
    // Revocations forwarded to its revocation endpoint (forward_revocations), by result.
    std::vector<Counted> upstream_revocations;
  };
  std::vector<Issuer> issuers;
  size_t cache_entries = 0;
  size_t cache_bytes = 0;
  size_t denylist_entries = 0;
  size_t open_connections = 0;
  uint64_t refused_connections = 0;
  uint64_t evicted_connections = 0;
  uint64_t refused_per_source = 0;
  uint64_t timed_out_connections = 0;
  uint64_t reloads_ok = 0;
  uint64_t reloads_failed = 0;
  // Redis (scale-out), when configured.
  std::optional<RedisGauges> redis;
};

class Metrics {
 public:
  explicit Metrics(int workers);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Recording: call from worker `worker` only (its shard).
  void CountRequest(int worker, Route route, int status, uint64_t latency_ns);
  void CountValidation(int worker, Outcome outcome);
  void CountCache(int worker, bool hit);
  // CountTokenParses adds the token payloads a request parsed (WorkerContext::TakeTokenParses).
  void CountTokenParses(int worker, uint64_t parses);

  // Render writes the exposition text: shards summed, then `gauges`.
  std::string Render(const MetricsGauges& gauges) const;

 private:
  struct Shard;
  std::unique_ptr<Shard[]> shards_;
  int workers_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_METRICS_H_
