#include "server/serve/routes.h"

#include <span>
#include <string>
#include <utility>

#include <openssl/sha.h>

#include "base/ascii.h"
#include "base/hex.h"
#include "base/json_escape.h"
#include "base/str_cat.h"

namespace tokenwarden::server {
namespace routes_internal {

void SetError(http::Response& response, int status, std::string_view code,
              std::string_view description) {
  response.status = status;
  response.content_type = "application/json";
  response.body.assign("{\"error\":");
  base::AppendJsonQuoted(code, response.body);
  response.body.append(",\"error_description\":");
  base::AppendJsonQuoted(description, response.body);
  response.body.push_back('}');
}

std::string TokenDigest(std::string_view token) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(token.data()), token.size(), digest);
  return base::HexEncode(std::span<const uint8_t>(digest, 6));
}

std::string QuotedSafe(std::string_view text) {
  // RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E (no '"', no '\').
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') {
      c = '\'';
    }
  }
  return out;
}

}  // namespace routes_internal

using routes_internal::SetError;

Routes::Routes(RouteDeps deps, int workers) : deps_(std::move(deps)) {
  for (int i = 0; i < workers; ++i) {
    workers_.push_back(std::make_unique<WorkerContext>(i));
  }
}

Routes::~Routes() = default;

Route Routes::RouteOf(std::string_view path) {
  if (path == "/introspect") {
    return Route::kIntrospect;
  }
  if (path == "/revoke") {
    return Route::kRevoke;
  }
  // Envoy's ext_authz (HTTP mode) asks for path_prefix + the original path, e.g.
  // /validate/orders/7, with the original method.
  if (path == "/validate" || path.starts_with("/validate/")) {
    return Route::kValidate;
  }
  if (path == "/healthz") {
    return Route::kHealthz;
  }
  if (path == "/readyz") {
    return Route::kReadyz;
  }
  if (path == "/metrics") {
    return Route::kMetrics;
  }
  return Route::kOther;
}

void Routes::Handle(const http::Request& request, http::Response& response) {
  WorkerContext& ctx = *workers_[static_cast<size_t>(request.worker)];
  Dispatch(request, response, ctx);
  deps_.metrics->CountTokenParses(ctx.index(), ctx.TakeTokenParses());
}

void Routes::Dispatch(const http::Request& request, http::Response& response, WorkerContext& ctx) {
  const Route route = RouteOf(request.path);
  const bool get_like = request.method == "GET" || request.method == "HEAD";
  switch (route) {
    case Route::kIntrospect:
    case Route::kRevoke:
      // RFC 7662 §2.1 / RFC 7009 §2.1: POST with a form body. A token in a URL ends up in
      // access logs and browser history, so GET and query strings are refused outright.
      if (request.method != "POST" || request.has_query) {
        SetError(response, 405, "invalid_request",
                 request.method != "POST"
                     ? "use POST with an application/x-www-form-urlencoded body"
                     : "parameters are accepted in the form body only, not the query string");
        response.AddHeader("Allow", "POST");
        return;
      }
      if (route == Route::kIntrospect) {
        Introspect(request, response, ctx);
      } else {
        Revoke(request, response, ctx);
      }
      return;
    case Route::kValidate:
      Validate(request, response, ctx);
      return;
    case Route::kHealthz:
    case Route::kReadyz:
    case Route::kMetrics:
      if (!get_like) {
        SetError(response, 405, "invalid_request", "use GET");
        response.AddHeader("Allow", "GET, HEAD");
        return;
      }
      if (route == Route::kHealthz) {
        response.body = "{\"status\":\"ok\"}";
      } else if (route == Route::kReadyz) {
        Ready(response, ctx);
      } else {
        RenderMetrics(response, ctx);
      }
      return;
    case Route::kOther:
      break;
  }
  SetError(response, 404, "not_found",
           "no such endpoint: try /introspect, /revoke, /validate, /healthz, /readyz, /metrics");
}

void Routes::Ready(http::Response& response, WorkerContext& ctx) {
  const ServerState& state = ctx.Refresh(*deps_.state);
  const int64_t now = deps_.clock();
  std::string missing, issuers;
  for (const IssuerRuntime& issuer : state.issuers()) {
    const bool has_keys = !issuer.validator->snapshot()->verifier.keys().keys().empty();
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
  if (deps_.redis_health) {
    health = deps_.redis_health(redis);
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

absl::Status Routes::RecordRevocation(const Denylist::Key& key, int64_t expires_at, int64_t now) {
  absl::Status status = deps_.denylist->Add(key, expires_at, now);
  if (status.ok() && deps_.revocation_log != nullptr) {
    status = deps_.revocation_log->Append(key, expires_at);
  }
  if (status.ok() && deps_.revocation_sync != nullptr) {
    deps_.revocation_sync->Share(key, expires_at);
  }
  return status;
}

void Routes::RenderMetrics(http::Response& response, WorkerContext& ctx) {
  const ServerState& state = ctx.Refresh(*deps_.state);
  MetricsGauges gauges;
  const int64_t now = deps_.clock();
  for (const IssuerRuntime& issuer : state.issuers()) {
    MetricsGauges::Issuer g;
    g.issuer = *issuer.config->policy.issuer;
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
  gauges.denylist_entries = deps_.denylist->size();
  if (deps_.gauges) {
    deps_.gauges(gauges);
  }
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = deps_.metrics->Render(gauges);
}

}  // namespace tokenwarden::server
