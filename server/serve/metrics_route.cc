// GET /metrics: the Prometheus text exposition, with the scrape-time gauges read from the
// published state (keys, caches, denylist) and from the server (RouteDeps::gauges).

#include <utility>

#include "server/serve/endpoints.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {

void MetricsRoute(RouteContext& routes, http::Response& response, WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const ServerState& state = ctx.Refresh(*deps.state);
  MetricsGauges gauges;
  const int64_t now = deps.clock();
  for (const IssuerRuntime& issuer : state.issuers()) {
    MetricsGauges::Issuer g;
    g.issuer = *issuer.config->policy.issuer;
    g.keyless = issuer.config->keyless();
    g.key_set_age_seconds = static_cast<double>(now - issuer.keys_loaded_at);
    g.keys = issuer.validator->snapshot()->verifier.keys().keys().size();
    if (issuer.live != nullptr) {
      issuer.live->FillGauges(g);  // fetched keys: their own age, staleness, events
    }
    gauges.issuers.push_back(std::move(g));
    if (const TokenCache* cache = issuer.validator->cache(); cache != nullptr) {
      gauges.cache_entries += cache->entries();
      gauges.cache_bytes += cache->bytes();
    }
  }
  gauges.denylist_entries = deps.denylist->size();
  if (deps.gauges) {
    deps.gauges(gauges);
  }
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = deps.metrics->Render(gauges);
}

}  // namespace tokenwarden::server
