// File: server/serve/routes.h
// -----------------------------------------------------------------------------
// Routes is what each endpoint of `tokenwarden serve` means; the transport (server/http)
// hands it complete requests on a worker thread.
//   POST /introspect  RFC 7662, caller-authenticated        (introspection_routes.cc)
//   POST /revoke      RFC 7009, caller-authenticated, durable (introspection_routes.cc)
//   *    /validate    forward-auth for gateways, RFC 6750 errors (validate_route.cc)
//   GET  /healthz /readyz /metrics                           (routes.cc)
#ifndef TOKENWARDEN_SERVER_SERVE_ROUTES_H_
#define TOKENWARDEN_SERVER_SERVE_ROUTES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/denylist.h"
#include "server/http/message.h"
#include "server/revocation/revocation_log.h"
#include "server/revocation/revocation_sync.h"
#include "server/serve/metrics.h"
#include "server/serve/server_state.h"
#include "server/serve/token_check.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// RedisHealth is what Redis means for /readyz: kUp (synced), kDegraded (unreachable, or
// resyncing after a reconnection: ready, but say so), kStarting (the first sync since
// start-up has not finished and no attempt has failed yet: not ready).
enum class RedisHealth { kUp, kDegraded, kStarting };

// RouteDeps are the long-lived objects the routes use; all outlive the Routes.
struct RouteDeps {
  StateHolder* state = nullptr;
  Metrics* metrics = nullptr;
  Denylist* denylist = nullptr;
  revocation::RevocationLog* revocation_log = nullptr;  // null: revocations are not durable
  // revocation_sync shares revocations with other instances; null without `redis`.
  revocation::RevocationSync* revocation_sync = nullptr;
  // redis_health fills /readyz's "redis" object (null without `redis`; serve_command.cc).
  std::function<RedisHealth(std::string& json)> redis_health;
  // gauges fills the scrape-time gauges the routes cannot see (connections, reloads).
  std::function<void(MetricsGauges&)> gauges;
  // clock returns Unix seconds (tests pin it).
  std::function<int64_t()> clock;
  // log_notes: fill Response::log_note (token digest + result) for the access log.
  bool log_notes = false;
};

class Routes {
 public:
  Routes(RouteDeps deps, int workers);
  ~Routes();

  // Handle runs on worker `request.worker`.
  void Handle(const http::Request& request, http::Response& response);
  // RouteOf labels a request path for metrics.
  static Route RouteOf(std::string_view path);

 private:
  // Dispatch runs the route of `request` (Handle adds the token-parse count afterwards).
  void Dispatch(const http::Request& request, http::Response& response, WorkerContext& ctx);
  void Introspect(const http::Request& request, http::Response& response, WorkerContext& ctx);
  void Revoke(const http::Request& request, http::Response& response, WorkerContext& ctx);
  void Validate(const http::Request& request, http::Response& response, WorkerContext& ctx);
  // AnswerValidate turns /validate's verdict into the response (and its metrics);
  // `refuse_ambiguous`: the token passed but the original request is ambiguous (400).
  void AnswerValidate(http::Response& response, const ServerState& state, WorkerContext& ctx,
                      const TokenVerdict& verdict, bool refuse_ambiguous);
  void Ready(http::Response& response, WorkerContext& ctx);

  // Judge decides on `token` for a route (live_check.cc): a JWT by its issuer's Validator —
  // waiting once for a key refetch when its kid is unknown —, an opaque token (or any token of
  // an `opaque` issuer) by the issuer's introspection endpoint. false: the request was
  // deferred, and the route returns at once without touching the response; it runs again
  // (Resume) when the wait is over.
  // `requirements` gives the request's own requirements for the chosen issuer.
  bool Judge(const http::Request& request, std::string_view token, int64_t now,
             const ServerState& state, WorkerContext& ctx, TokenVerdict& verdict,
             const RequirementsFor& requirements = {});
  bool JudgeUpstream(const http::Request& request, std::string_view token, int issuer, int64_t now,
                     const ServerState& state, WorkerContext& ctx, TokenVerdict& verdict,
                     const RequirementsFor& requirements = {});
  // JudgeAnswer judges an active upstream answer by the issuer's policy and the request's
  // requirements (the core's claim rules, on the answer read by the core's claims reader).
  static void JudgeAnswer(const UpstreamAnswer& answer, int64_t now, const Policy& policy,
                          WorkerContext& ctx, TokenVerdict& verdict,
                          const Requirements& requirements);
  // Resume re-runs a deferred request on its worker with what the wait produced.
  void Resume(const http::Request& request, http::Response& response,
              std::optional<UpstreamAnswer> answer, std::string token);
  // RevokeUpstream revokes an opaque token (or one of an `opaque` issuer) that the upstream
  // says is active.
  // `within_caller` applies the caller's limits once the upstream answer is loaded.
  void RevokeUpstream(const http::Request& request, http::Response& response,
                      std::string_view token, int64_t now, const ServerState& state,
                      WorkerContext& ctx, const std::function<bool(int issuer)>& within_caller);
  // AnswersUnavailable tells whether a verdict the issuer could not reach is answered 503
  // (else as an inactive / invalid token): always for missing keys; for an upstream failure,
  // as the issuer's introspection.on_upstream_error says.
  static bool AnswersUnavailable(const TokenVerdict& verdict, const ServerState& state,
                                 bool introspect);
  // RecordRevocation puts a revocation in effect (denylist), makes it durable (log), and
  // shares it with the other instances (Redis), in that order; an error is a 503 to retry.
  absl::Status RecordRevocation(const Denylist::Key& key, int64_t expires_at, int64_t now);
  // Unavailable answers 503: the token's issuer cannot judge it now.
  static void Unavailable(http::Response& response);
  void RenderMetrics(http::Response& response, WorkerContext& ctx);

  RouteDeps deps_;
  std::vector<std::unique_ptr<WorkerContext>> workers_;
};

// Helpers shared by the route files.
namespace routes_internal {
// SetError fills a JSON error response {"error": code, "error_description": description}.
void SetError(http::Response& response, int status, std::string_view code,
              std::string_view description);
// TokenDigest is a short, non-reversible name of a token for logs: the first 12 hex digits
// of its SHA-256.
std::string TokenDigest(std::string_view token);
// OpaqueRevocationKey is the denylist key of a token judged by `issuer`'s introspection
// endpoint: the digest of the issuer and the whole token (there is no verified jti).
Denylist::Key OpaqueRevocationKey(std::string_view issuer, std::string_view token);
// OpaqueIssuerFor returns the issuer whose introspection endpoint judges `token`: the
// configured opaque_issuer for a token that is not a compact JWS, the token's issuer when
// that issuer is `opaque`, else -1.
int OpaqueIssuerFor(std::string_view token, const ServerState& state, WorkerContext& ctx);
// QuotedSafe replaces characters RFC 6750 §3 forbids in error_description / scope values.
std::string QuotedSafe(std::string_view text);
}  // namespace routes_internal

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ROUTES_H_
