// GET /healthz (the process answers) and GET /readyz (every issuer with keys has usable keys,
// and Redis, when configured, has synced once): for orchestrators' probes.

#include <string>

#include "base/json_escape.h"
#include "base/str_cat.h"
#include "server/serve/endpoints.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {

void HealthzRoute(http::Response& response) { response.body = "{\"status\":\"ok\"}"; }

void ReadyzRoute(RouteContext& routes, http::Response& response, WorkerContext& ctx) {
  const RouteDeps& deps = routes.deps();
  const ServerState& state = ctx.Refresh(*deps.state);
  const int64_t now = deps.clock();
  std::string missing, issuers;
  for (const IssuerRuntime& issuer : state.issuers()) {
    // An issuer without keys has nothing to load before it can serve: its tokens are asked
    // of its introspection endpoint as they come, and an upstream failure is a 503 then.
    const bool has_keys =
        issuer.config->keyless() || !issuer.validator->snapshot()->verifier.keys().keys().empty();
    const bool ready = has_keys && (issuer.live == nullptr || issuer.live->ready());
    if (!ready) {
      missing.append(missing.empty() ? "" : ",");
      base::AppendJsonQuoted(*issuer.config->policy.issuer, missing);
    }
    issuers.append(issuers.empty() ? "" : ",");
    base::AppendJsonQuoted(*issuer.config->policy.issuer, issuers);
    base::StrAppend(&issuers, ":{\"ready\":", ready ? "true" : "false");
    if (issuer.live != nullptr) {
      issuer.live->AppendReadyJson(issuers, now);
    }
    issuers.push_back('}');
  }
  std::string redis;
  RedisHealth health = RedisHealth::kUp;
  if (deps.redis_health) {
    health = deps.redis_health(redis);
    redis.insert(0, ",\"redis\":");
  }
  response.AddHeader("Cache-Control", "no-store");
  if (missing.empty() && health != RedisHealth::kStarting) {
    response.body =
        base::StrCat("{\"status\":\"", health == RedisHealth::kUp ? "ready" : "degraded",
                     "\",\"issuers\":{", issuers, "}", redis, "}");
    return;
  }
  response.status = 503;
  response.body = base::StrCat("{\"status\":\"not_ready\",\"issuers_without_keys\":[", missing,
                               "],\"issuers\":{", issuers, "}", redis, "}");
}

}  // namespace tokenwarden::server
