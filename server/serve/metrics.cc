#include "server/serve/metrics.h"

#include <functional>

#include <absl/strings/str_format.h>

#include "base/str_cat.h"

namespace tokenwarden::server {
namespace {

// kStatuses are the status codes counted one by one; anything else counts as "other".
constexpr std::array<int, 17> kStatuses = {200, 204, 400, 401, 403, 404, 405, 408, 413,
                                           414, 415, 429, 431, 500, 501, 503, 505};
constexpr size_t kNumStatusSlots = kStatuses.size() + 1;

size_t StatusSlot(int status) {
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) {
      return i;
    }
  }
  return kStatuses.size();
}

// AppendLabelValue escapes a label value (backslash, quote, newline: the exposition format).
void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

// AppendIssuerSeries writes one sample of `name` per issuer that `pick` gives a value for.
template <typename Pick>
void AppendIssuerSeries(std::string& out, const MetricsGauges& gauges, std::string_view name,
                        std::string_view help, std::string_view type, Pick&& pick) {
  base::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  for (const MetricsGauges::Issuer& issuer : gauges.issuers) {
    pick(issuer, [&](std::string_view extra_label, std::string_view extra_value, uint64_t value) {
      base::StrAppend(&out, name, "{issuer=\"");
      AppendLabelValue(out, issuer.issuer);
      out.push_back('"');
      if (!extra_label.empty()) {
        base::StrAppend(&out, ",", extra_label, "=\"", extra_value, "\"");
      }
      base::StrAppend(&out, "} ", value, "\n");
    });
  }
}

void AppendRedis(std::string& out, const RedisGauges& r) {
  base::StrAppend(
      &out,
      "# HELP tokenwarden_redis_connected Whether the shared Redis is connected (subscribed).\n"
      "# TYPE tokenwarden_redis_connected gauge\ntokenwarden_redis_connected ",
      r.connected ? 1 : 0,
      "\n# HELP tokenwarden_redis_connects_total Connections to Redis set up.\n"
      "# TYPE tokenwarden_redis_connects_total counter\ntokenwarden_redis_connects_total ",
      r.connects,
      "\n# HELP tokenwarden_redis_errors_total Failed connection attempts and lost "
      "connections.\n# TYPE tokenwarden_redis_errors_total counter\n"
      "tokenwarden_redis_errors_total ",
      r.errors,
      "\n# HELP tokenwarden_redis_revocations_sent_total Revocations this instance wrote to "
      "Redis.\n# TYPE tokenwarden_redis_revocations_sent_total counter\n"
      "tokenwarden_redis_revocations_sent_total ",
      r.revocations_sent,
      "\n# HELP tokenwarden_redis_revocations_received_total Revocations learnt from other "
      "instances.\n# TYPE tokenwarden_redis_revocations_received_total counter\n"
      "tokenwarden_redis_revocations_received_total ",
      r.revocations_received,
      "\n# HELP tokenwarden_redis_revocations_refused_total Revocations heard from other "
      "instances that this instance's denylist had no room for (raise denylist.capacity).\n"
      "# TYPE tokenwarden_redis_revocations_refused_total counter\n"
      "tokenwarden_redis_revocations_refused_total ",
      r.revocations_refused,
      "\n# HELP tokenwarden_redis_revocations_pending Revocations accepted here that Redis "
      "has not confirmed yet.\n# TYPE tokenwarden_redis_revocations_pending gauge\n"
      "tokenwarden_redis_revocations_pending ",
      r.revocations_pending,
      "\n# HELP tokenwarden_redis_opaque_lookups_total Shared upstream-introspection answers "
      "looked up in Redis.\n# TYPE tokenwarden_redis_opaque_lookups_total counter\n"
      "tokenwarden_redis_opaque_lookups_total{result=\"hit\"} ",
      r.opaque_hits, "\ntokenwarden_redis_opaque_lookups_total{result=\"miss\"} ", r.opaque_misses,
      "\ntokenwarden_redis_opaque_lookups_total{result=\"error\"} ", r.opaque_errors, "\n");
}

void AppendLiveIssuers(std::string& out, const MetricsGauges& gauges) {
  using Emit = std::function<void(std::string_view, std::string_view, uint64_t)>;
  AppendIssuerSeries(out, gauges, "tokenwarden_jwks_events_total",
                     "Key-set fetch outcomes of issuers with fetched keys, by event.", "counter",
                     [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       for (const MetricsGauges::Counted& c : issuer.key_events) {
                         emit("event", c.label, c.value);
                       }
                     });
  AppendIssuerSeries(out, gauges, "tokenwarden_jwks_stale",
                     "1 while the issuer's keys are served past their freshness or after a "
                     "failed refresh.",
                     "gauge", [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       if (issuer.remote) {
                         emit("", "", issuer.stale ? 1 : 0);
                       }
                     });
  AppendIssuerSeries(out, gauges, "tokenwarden_jwks_fallback",
                     "1 while the issuer's fallback JWK Set file is in use.", "gauge",
                     [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       if (issuer.remote) {
                         emit("", "", issuer.fallback ? 1 : 0);
                       }
                     });
  AppendIssuerSeries(out, gauges, "tokenwarden_jwks_consecutive_failures",
                     "Key-set fetches failed in a row.", "gauge",
                     [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       if (issuer.remote) {
                         emit("", "", issuer.consecutive_failures);
                       }
                     });
  AppendIssuerSeries(out, gauges, "tokenwarden_upstream_introspection_total",
                     "Opaque-token lookups at the issuer's introspection endpoint, by result.",
                     "counter", [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       for (const MetricsGauges::Counted& c : issuer.upstream) {
                         emit("result", c.label, c.value);
                       }
                     });
}

}  // namespace

std::string_view RouteName(Route route) {
  switch (route) {
    case Route::kIntrospect:
      return "introspect";
    case Route::kRevoke:
      return "revoke";
    case Route::kValidate:
      return "validate";
    case Route::kHealthz:
      return "healthz";
    case Route::kReadyz:
      return "readyz";
    case Route::kMetrics:
      return "metrics";
    case Route::kOther:
      break;
  }
  return "other";
}

// One worker's counters. alignas keeps shards off each other's cache lines.
struct alignas(64) Metrics::Shard {
  using Counter = std::atomic<uint64_t>;
  std::array<std::array<Counter, kNumStatusSlots>, kNumRoutes> requests{};
  std::array<Counter, Outcome::kCount> validations{};
  Counter cache_hits{0};
  Counter cache_misses{0};
  Counter token_parses{0};
  std::array<Counter, kLatencyBucketsSeconds.size() + 1> latency_buckets{};  // last: +Inf
  Counter latency_sum_ns{0};
};

namespace {
void Bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
  // One writer per shard: a relaxed load + store is enough and avoids a locked instruction.
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}
uint64_t Read(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}
}  // namespace

Metrics::Metrics(int workers)
    : shards_(std::make_unique<Shard[]>(static_cast<size_t>(workers))), workers_(workers) {}

Metrics::~Metrics() = default;

void Metrics::CountRequest(int worker, Route route, int status, uint64_t latency_ns) {
  Shard& s = shards_[static_cast<size_t>(worker)];
  Bump(s.requests[static_cast<size_t>(route)][StatusSlot(status)]);
  const double seconds = static_cast<double>(latency_ns) * 1e-9;
  size_t bucket = 0;
  while (bucket < kLatencyBucketsSeconds.size() && seconds > kLatencyBucketsSeconds[bucket]) {
    ++bucket;
  }
  Bump(s.latency_buckets[bucket]);
  Bump(s.latency_sum_ns, latency_ns);
}

void Metrics::CountValidation(int worker, Outcome outcome) {
  Bump(shards_[static_cast<size_t>(worker)].validations[outcome.Index()]);
}

void Metrics::CountTokenParses(int worker, uint64_t parses) {
  if (parses != 0) {
    Bump(shards_[static_cast<size_t>(worker)].token_parses, parses);
  }
}

void Metrics::CountCache(int worker, bool hit) {
  Shard& s = shards_[static_cast<size_t>(worker)];
  Bump(hit ? s.cache_hits : s.cache_misses);
}

std::string Metrics::Render(const MetricsGauges& gauges) const {
  auto sum = [&](auto&& pick) {
    uint64_t total = 0;
    for (int w = 0; w < workers_; ++w) {
      total += Read(pick(shards_[static_cast<size_t>(w)]));
    }
    return total;
  };
  std::string out;
  out.reserve(8192);

  out.append(
      "# HELP tokenwarden_http_requests_total HTTP responses sent, by route and status.\n"
      "# TYPE tokenwarden_http_requests_total counter\n");
  for (int r = 0; r < kNumRoutes; ++r) {
    for (size_t slot = 0; slot < kNumStatusSlots; ++slot) {
      const uint64_t n = sum([&](const Shard& s) -> const std::atomic<uint64_t>& {
        return s.requests[static_cast<size_t>(r)][slot];
      });
      if (n == 0) {
        continue;
      }
      const std::string status =
          slot < kStatuses.size() ? base::StrCat(kStatuses[slot]) : std::string("other");
      base::StrAppend(&out, "tokenwarden_http_requests_total{route=\"",
                      RouteName(static_cast<Route>(r)), "\",status=\"", status, "\"} ", n, "\n");
    }
  }

  out.append(
      "# HELP tokenwarden_validations_total Token validations, by result code.\n"
      "# TYPE tokenwarden_validations_total counter\n");
  for (size_t o = 0; o < Outcome::kCount; ++o) {
    const uint64_t n =
        sum([&](const Shard& s) -> const std::atomic<uint64_t>& { return s.validations[o]; });
    base::StrAppend(&out, "tokenwarden_validations_total{result=\"", Outcome::FromIndex(o).Name(),
                    "\"} ", n, "\n");
  }

  base::StrAppend(
      &out,
      "# HELP tokenwarden_cache_hits_total Validations served from the verified-token cache.\n"
      "# TYPE tokenwarden_cache_hits_total counter\n"
      "tokenwarden_cache_hits_total ",
      sum([](const Shard& s) -> const std::atomic<uint64_t>& { return s.cache_hits; }),
      "\n# HELP tokenwarden_cache_misses_total Validations that ran the full check.\n"
      "# TYPE tokenwarden_cache_misses_total counter\n"
      "tokenwarden_cache_misses_total ",
      sum([](const Shard& s) -> const std::atomic<uint64_t>& { return s.cache_misses; }),
      "\n# HELP tokenwarden_token_parses_total Token payloads parsed: at most one per token a "
      "request judges, none for a cache hit with a single issuer.\n"
      "# TYPE tokenwarden_token_parses_total counter\n"
      "tokenwarden_token_parses_total ",
      sum([](const Shard& s) -> const std::atomic<uint64_t>& { return s.token_parses; }),
      "\n# HELP tokenwarden_cache_entries Verified tokens in the cache.\n"
      "# TYPE tokenwarden_cache_entries gauge\n"
      "tokenwarden_cache_entries ",
      gauges.cache_entries,
      "\n# HELP tokenwarden_cache_bytes Bytes held by the verified-token cache.\n"
      "# TYPE tokenwarden_cache_bytes gauge\n"
      "tokenwarden_cache_bytes ",
      gauges.cache_bytes,
      "\n# HELP tokenwarden_denylist_entries Revoked tokens not yet expired.\n"
      "# TYPE tokenwarden_denylist_entries gauge\n"
      "tokenwarden_denylist_entries ",
      gauges.denylist_entries,
      "\n# HELP tokenwarden_open_connections Client connections open now.\n"
      "# TYPE tokenwarden_open_connections gauge\n"
      "tokenwarden_open_connections ",
      gauges.open_connections,
      "\n# HELP tokenwarden_refused_connections_total Connections closed at once: over the "
      "connection limit with no idle or slow connection to evict.\n"
      "# TYPE tokenwarden_refused_connections_total counter\n"
      "tokenwarden_refused_connections_total ",
      gauges.refused_connections,
      "\n# HELP tokenwarden_refused_per_source_total Connections closed at once: their source "
      "address already had max_connections_per_source open.\n"
      "# TYPE tokenwarden_refused_per_source_total counter\n"
      "tokenwarden_refused_per_source_total ",
      gauges.refused_per_source,
      "\n# HELP tokenwarden_evicted_connections_total Idle or slow connections closed to make "
      "room for a new one at the connection limit.\n"
      "# TYPE tokenwarden_evicted_connections_total counter\n"
      "tokenwarden_evicted_connections_total ",
      gauges.evicted_connections,
      "\n# HELP tokenwarden_timed_out_connections_total Connections closed by the read or idle "
      "timeout.\n"
      "# TYPE tokenwarden_timed_out_connections_total counter\n"
      "tokenwarden_timed_out_connections_total ",
      gauges.timed_out_connections,
      "\n# HELP tokenwarden_config_reloads_total Configuration reloads (SIGHUP), by result.\n"
      "# TYPE tokenwarden_config_reloads_total counter\n"
      "tokenwarden_config_reloads_total{result=\"ok\"} ",
      gauges.reloads_ok, "\ntokenwarden_config_reloads_total{result=\"failed\"} ",
      gauges.reloads_failed, "\n");

  out.append(
      "# HELP tokenwarden_key_set_age_seconds Time since the issuer's key set was loaded.\n"
      "# TYPE tokenwarden_key_set_age_seconds gauge\n");
  for (const MetricsGauges::Issuer& issuer : gauges.issuers) {
    out.append("tokenwarden_key_set_age_seconds{issuer=\"");
    AppendLabelValue(out, issuer.issuer);
    base::StrAppend(&out, "\"} ", absl::StrFormat("%.3f", issuer.key_set_age_seconds), "\n");
  }
  out.append(
      "# HELP tokenwarden_key_set_keys Usable keys in the issuer's key set.\n"
      "# TYPE tokenwarden_key_set_keys gauge\n");
  for (const MetricsGauges::Issuer& issuer : gauges.issuers) {
    out.append("tokenwarden_key_set_keys{issuer=\"");
    AppendLabelValue(out, issuer.issuer);
    base::StrAppend(&out, "\"} ", issuer.keys, "\n");
  }

  AppendLiveIssuers(out, gauges);
  if (gauges.redis.has_value()) {
    AppendRedis(out, *gauges.redis);
  }

  out.append(
      "# HELP tokenwarden_request_duration_seconds Time from a request's first byte to its "
      "response being queued.\n"
      "# TYPE tokenwarden_request_duration_seconds histogram\n");
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= kLatencyBucketsSeconds.size(); ++b) {
    cumulative +=
        sum([&](const Shard& s) -> const std::atomic<uint64_t>& { return s.latency_buckets[b]; });
    const std::string le = b < kLatencyBucketsSeconds.size()
                               ? absl::StrFormat("%g", kLatencyBucketsSeconds[b])
                               : std::string("+Inf");
    base::StrAppend(&out, "tokenwarden_request_duration_seconds_bucket{le=\"", le, "\"} ",
                    cumulative, "\n");
  }
  const uint64_t sum_ns =
      sum([](const Shard& s) -> const std::atomic<uint64_t>& { return s.latency_sum_ns; });
  base::StrAppend(&out, "tokenwarden_request_duration_seconds_sum ",
                  absl::StrFormat("%.9f", static_cast<double>(sum_ns) * 1e-9),
                  "\ntokenwarden_request_duration_seconds_count ", cumulative, "\n");
  return out;
}

}  // namespace tokenwarden::server
