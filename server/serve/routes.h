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
#include <string_view>
#include <vector>

#include "core/denylist.h"
#include "server/http/message.h"
#include "server/serve/metrics.h"
#include "server/serve/revocation_log.h"
#include "server/serve/server_state.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// RouteDeps are the long-lived objects the routes use; all outlive the Routes.
struct RouteDeps {
  StateHolder* state = nullptr;
  Metrics* metrics = nullptr;
  Denylist* denylist = nullptr;
  RevocationLog* revocation_log = nullptr;  // null: revocations are not durable
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
  void Introspect(const http::Request& request, http::Response& response, WorkerContext& ctx);
  void Revoke(const http::Request& request, http::Response& response, WorkerContext& ctx);
  void Validate(const http::Request& request, http::Response& response, WorkerContext& ctx);
  void Ready(http::Response& response, WorkerContext& ctx);
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
// QuotedSafe replaces characters RFC 6750 §3 forbids in error_description / scope values.
std::string QuotedSafe(std::string_view text);
}  // namespace routes_internal

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ROUTES_H_
