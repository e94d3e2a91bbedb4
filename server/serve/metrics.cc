#include "server/serve/metrics.h"

#include <functional>
#include <initializer_list>

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

// Family is one metric family's exposition header.
struct Family {
  std::string_view name;
  std::string_view help;
  std::string_view type;  // "counter" or "gauge"
};

void AppendHeader(std::string& out, const Family& family) {
  base::StrAppend(&out, "# HELP ", family.name, " ", family.help, "\n# TYPE ", family.name, " ",
                  family.type, "\n");
}

// Scalar is a family with one unlabelled sample.
struct Scalar {
  Family family;
  uint64_t value = 0;
};

void AppendScalars(std::string& out, std::initializer_list<Scalar> scalars) {
  for (const Scalar& scalar : scalars) {
    AppendHeader(out, scalar.family);
    base::StrAppend(&out, scalar.family.name, " ", scalar.value, "\n");
  }
}

void AppendRedis(std::string& out, const RedisGauges& r) {
  AppendScalars(
      out, {{{"tokenwarden_redis_connected", "Whether the shared Redis is connected (subscribed).",
              "gauge"},
             r.connected ? 1u : 0u},
            {{"tokenwarden_redis_connects_total", "Connections to Redis set up.", "counter"},
             r.connects},
            {{"tokenwarden_redis_errors_total", "Failed connection attempts and lost connections.",
              "counter"},
             r.errors},
            {{"tokenwarden_redis_revocations_sent_total",
              "Revocations this instance wrote to Redis.", "counter"},
             r.revocations_sent},
            {{"tokenwarden_redis_revocations_received_total",
              "Revocations learnt from other instances.", "counter"},
             r.revocations_received},
            {{"tokenwarden_redis_revocations_refused_total",
              "Revocations heard from other instances that this instance's denylist had no room "
              "for (raise denylist.capacity).",
              "counter"},
             r.revocations_refused},
            {{"tokenwarden_redis_revocations_pending",
              "Revocations accepted here that Redis has not confirmed yet.", "gauge"},
             r.revocations_pending}});
  AppendHeader(out, {"tokenwarden_redis_opaque_lookups_total",
                     "Shared upstream-introspection answers looked up in Redis.", "counter"});
  base::StrAppend(&out, "tokenwarden_redis_opaque_lookups_total{result=\"hit\"} ", r.opaque_hits,
                  "\ntokenwarden_redis_opaque_lookups_total{result=\"miss\"} ", r.opaque_misses,
                  "\ntokenwarden_redis_opaque_lookups_total{result=\"error\"} ", r.opaque_errors,
                  "\n");
  AppendHeader(out, {"tokenwarden_redis_dpop_proofs_total",
                     "DPoP proofs spent in Redis, by what Redis answered: the first spend at any "
                     "instance, a replay of a spend elsewhere, or no answer.",
                     "counter"});
  base::StrAppend(&out, "tokenwarden_redis_dpop_proofs_total{result=\"fresh\"} ", r.dpop_fresh,
                  "\ntokenwarden_redis_dpop_proofs_total{result=\"replayed\"} ", r.dpop_replayed,
                  "\ntokenwarden_redis_dpop_proofs_total{result=\"error\"} ", r.dpop_errors, "\n");
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
  AppendIssuerSeries(out, gauges, "tokenwarden_upstream_connections_total",
                     "Connections to the issuer's introspection endpoint: opened (resumed: of "
                     "those, TLS sessions resumed), reused for a later call, retried (a call sent "
                     "again after a kept connection closed).",
                     "counter", [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       for (const MetricsGauges::Counted& c : issuer.upstream_connections) {
                         emit("event", c.label, c.value);
                       }
                     });
  AppendIssuerSeries(out, gauges, "tokenwarden_upstream_revocations_total",
                     "Revocations forwarded to the issuer's revocation endpoint, by what it "
                     "answered: revoked, unsupported_token_type, error (no answer, or another).",
                     "counter", [](const MetricsGauges::Issuer& issuer, const Emit& emit) {
                       for (const MetricsGauges::Counted& c : issuer.upstream_revocations) {
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
    case Route::kResourceMetadata:
      return "resource_metadata";
    case Route::kBackChannelLogout:
      return "backchannel_logout";
    case Route::kRevokeByAttribute:
      return "revoke_by_attribute";
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

namespace {

// Totals are the shards' counters summed once per scrape.
struct Totals {
  std::array<std::array<uint64_t, kNumStatusSlots>, kNumRoutes> requests{};
  std::array<uint64_t, Outcome::kCount> validations{};
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t token_parses = 0;
  std::array<uint64_t, kLatencyBucketsSeconds.size() + 1> latency_buckets{};
  uint64_t latency_sum_ns = 0;

  // Add sums one shard in (a template: Metrics::Shard is private to Metrics).
  template <typename Shard>
  void Add(const Shard& s) {
    for (size_t r = 0; r < requests.size(); ++r) {
      for (size_t slot = 0; slot < kNumStatusSlots; ++slot) {
        requests[r][slot] += Read(s.requests[r][slot]);
      }
    }
    for (size_t o = 0; o < validations.size(); ++o) {
      validations[o] += Read(s.validations[o]);
    }
    cache_hits += Read(s.cache_hits);
    cache_misses += Read(s.cache_misses);
    token_parses += Read(s.token_parses);
    for (size_t b = 0; b < latency_buckets.size(); ++b) {
      latency_buckets[b] += Read(s.latency_buckets[b]);
    }
    latency_sum_ns += Read(s.latency_sum_ns);
  }
};

void AppendRequests(std::string& out, const Totals& t) {
  AppendHeader(out, {"tokenwarden_http_requests_total", "HTTP responses sent, by route and status.",
                     "counter"});
  for (int r = 0; r < kNumRoutes; ++r) {
    for (size_t slot = 0; slot < kNumStatusSlots; ++slot) {
      const uint64_t n = t.requests[static_cast<size_t>(r)][slot];
      if (n == 0) {
        continue;
      }
      const std::string status =
          slot < kStatuses.size() ? base::StrCat(kStatuses[slot]) : std::string("other");
      base::StrAppend(&out, "tokenwarden_http_requests_total{route=\"",
                      RouteName(static_cast<Route>(r)), "\",status=\"", status, "\"} ", n, "\n");
    }
  }
}

void AppendValidations(std::string& out, const Totals& t) {
  AppendHeader(out,
               {"tokenwarden_validations_total", "Token validations, by result code.", "counter"});
  for (size_t o = 0; o < Outcome::kCount; ++o) {
    base::StrAppend(&out, "tokenwarden_validations_total{result=\"", Outcome::FromIndex(o).Name(),
                    "\"} ", t.validations[o], "\n");
  }
}

// AppendServerScalars writes the unlabelled counters and gauges of the cache, the denylist
// and the transport, then the reload counts.
void AppendServerScalars(std::string& out, const Totals& t, const MetricsGauges& g) {
  AppendScalars(
      out,
      {{{"tokenwarden_cache_hits_total", "Validations served from the verified-token cache.",
         "counter"},
        t.cache_hits},
       {{"tokenwarden_cache_misses_total", "Validations that ran the full check.", "counter"},
        t.cache_misses},
       {{"tokenwarden_token_parses_total",
         "Token payloads parsed: at most one per token a request judges, none for a cache hit "
         "with a single issuer.",
         "counter"},
        t.token_parses},
       {{"tokenwarden_cache_entries", "Verified tokens in the cache.", "gauge"}, g.cache_entries},
       {{"tokenwarden_cache_bytes", "Bytes held by the verified-token cache.", "gauge"},
        g.cache_bytes},
       {{"tokenwarden_denylist_entries", "Revoked tokens not yet expired.", "gauge"},
        g.denylist_entries},
       {{"tokenwarden_open_connections", "Client connections open now.", "gauge"},
        g.open_connections},
       {{"tokenwarden_refused_connections_total",
         "Connections closed at once: over the connection limit with no idle or slow "
         "connection to evict.",
         "counter"},
        g.refused_connections},
       {{"tokenwarden_refused_per_source_total",
         "Connections closed at once: their source address already had "
         "max_connections_per_source open.",
         "counter"},
        g.refused_per_source},
       {{"tokenwarden_evicted_connections_total",
         "Idle or slow connections closed to make room for a new one at the connection limit.",
         "counter"},
        g.evicted_connections},
       {{"tokenwarden_timed_out_connections_total",
         "Connections closed by the read or idle timeout.", "counter"},
        g.timed_out_connections}});
  AppendHeader(out, {"tokenwarden_config_reloads_total",
                     "Configuration reloads (SIGHUP), by result.", "counter"});
  base::StrAppend(&out, "tokenwarden_config_reloads_total{result=\"ok\"} ", g.reloads_ok,
                  "\ntokenwarden_config_reloads_total{result=\"failed\"} ", g.reloads_failed, "\n");
}

void AppendKeySets(std::string& out, const MetricsGauges& gauges) {
  AppendHeader(out, {"tokenwarden_key_set_age_seconds",
                     "Time since the issuer's key set was loaded.", "gauge"});
  for (const MetricsGauges::Issuer& issuer : gauges.issuers) {
    if (issuer.keyless) {
      continue;  // no key set to be old: a constant 0 keys would read as an outage
    }
    out.append("tokenwarden_key_set_age_seconds{issuer=\"");
    AppendLabelValue(out, issuer.issuer);
    base::StrAppend(&out, "\"} ", absl::StrFormat("%.3f", issuer.key_set_age_seconds), "\n");
  }
  AppendHeader(out, {"tokenwarden_key_set_keys", "Usable keys in the issuer's key set.", "gauge"});
  for (const MetricsGauges::Issuer& issuer : gauges.issuers) {
    if (issuer.keyless) {
      continue;
    }
    out.append("tokenwarden_key_set_keys{issuer=\"");
    AppendLabelValue(out, issuer.issuer);
    base::StrAppend(&out, "\"} ", issuer.keys, "\n");
  }
}

void AppendLatency(std::string& out, const Totals& t) {
  AppendHeader(out,
               {"tokenwarden_request_duration_seconds",
                "Time from a request's first byte to its response being queued.", "histogram"});
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= kLatencyBucketsSeconds.size(); ++b) {
    cumulative += t.latency_buckets[b];
    const std::string le = b < kLatencyBucketsSeconds.size()
                               ? absl::StrFormat("%g", kLatencyBucketsSeconds[b])
                               : std::string("+Inf");
    base::StrAppend(&out, "tokenwarden_request_duration_seconds_bucket{le=\"", le, "\"} ",
                    cumulative, "\n");
  }
  base::StrAppend(&out, "tokenwarden_request_duration_seconds_sum ",
                  absl::StrFormat("%.9f", static_cast<double>(t.latency_sum_ns) * 1e-9),
                  "\ntokenwarden_request_duration_seconds_count ", cumulative, "\n");
}

}  // namespace

std::string Metrics::Render(const MetricsGauges& gauges) const {
  Totals totals;
  for (int w = 0; w < workers_; ++w) {
    totals.Add(shards_[static_cast<size_t>(w)]);
  }
  std::string out;
  out.reserve(8192);
  AppendRequests(out, totals);
  AppendValidations(out, totals);
  AppendServerScalars(out, totals, gauges);
  AppendKeySets(out, gauges);
  AppendLiveIssuers(out, gauges);
  if (gauges.redis.has_value()) {
    AppendRedis(out, *gauges.redis);
  }
  AppendLatency(out, totals);
  return out;
}

}  // namespace tokenwarden::server
