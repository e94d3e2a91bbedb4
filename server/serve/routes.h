// File: server/serve/routes.h
// -----------------------------------------------------------------------------
// Routes is the dispatcher of `tokenwarden serve`: the transport (server/http) hands it
// complete requests on a worker thread; it picks the endpoint by path, checks that the
// listener the request came in on serves it, checks the method, and runs the endpoint's file
// (endpoints.h) over the shared RouteContext (route_context.h). Endpoints are registered in
// one table in routes.cc, where a row's Exposure makes an endpoint an admin route.
#ifndef TOKENWARDEN_SERVER_SERVE_ROUTES_H_
#define TOKENWARDEN_SERVER_SERVE_ROUTES_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/message.h"
#include "server/serve/metrics.h"
#include "server/serve/route_context.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// Listener is the port a request came in on. Without an admin listener (`admin` in the
// configuration) there is one port, kOnly, and it serves every route.
enum class Listener : uint8_t { kOnly, kPublic, kAdmin };

// Exposure is where a route is served once the admin routes have a port of their own.
enum class Exposure : uint8_t {
  kPublic,  // the public port only: what gateways, resource servers and clients call
  kAdmin,   // the admin port only: what operators and their tools call
  kBoth,    // either port
};

class Routes {
 public:
  Routes(RouteDeps deps, int workers);
  ~Routes();
  Routes(const Routes&) = delete;
  Routes& operator=(const Routes&) = delete;

  // Handle runs on worker `request.worker` for a request that came in on `listener`. A route
  // that listener does not serve is answered 404 exactly as an unknown path is, so the public
  // port does not even tell that /metrics exists.
  void Handle(const http::Request& request, http::Response& response,
              Listener listener = Listener::kOnly);
  // RouteOf labels a request path for metrics (kOther for no endpoint); `logout_path` is where
  // logout tokens arrive.
  static Route RouteOf(std::string_view path,
                       std::string_view logout_path = LogoutReceiverConfig().path);
  // Serves tells whether `listener` serves `route` (never kOther).
  static bool Serves(Listener listener, Route route);

 private:
  // Dispatch runs the route of `request` (Handle adds the token-parse count afterwards).
  void Dispatch(const http::Request& request, http::Response& response, WorkerContext& ctx,
                Listener listener);

  RouteContext context_;
  // not_found_ is the 404 description of each Listener: the endpoints it serves.
  std::array<std::string, 3> not_found_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ROUTES_H_
