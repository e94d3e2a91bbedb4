// File: server/serve/routes.h
// -----------------------------------------------------------------------------
// Routes is the dispatcher of `tokenwarden serve`: the transport (server/http) hands it
// complete requests on a worker thread; it picks the endpoint by path, checks the method, and
// runs the endpoint's file (endpoints.h) over the shared RouteContext (route_context.h).
#ifndef TOKENWARDEN_SERVER_SERVE_ROUTES_H_
#define TOKENWARDEN_SERVER_SERVE_ROUTES_H_

#include <string_view>

#include "server/http/message.h"
#include "server/serve/metrics.h"
#include "server/serve/route_context.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

class Routes {
 public:
  Routes(RouteDeps deps, int workers);
  ~Routes();
  Routes(const Routes&) = delete;
  Routes& operator=(const Routes&) = delete;

  // Handle runs on worker `request.worker`.
  void Handle(const http::Request& request, http::Response& response);
  // RouteOf labels a request path for metrics; `logout_path` is where logout tokens arrive.
  static Route RouteOf(std::string_view path,
                       std::string_view logout_path = LogoutReceiverConfig().path);

 private:
  // Dispatch runs the route of `request` (Handle adds the token-parse count afterwards).
  void Dispatch(const http::Request& request, http::Response& response, WorkerContext& ctx);

  RouteContext context_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ROUTES_H_
