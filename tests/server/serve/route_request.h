// File: tests/server/serve/route_request.h
// -----------------------------------------------------------------------------
// HandleRequest hands one request to Routes::Handle as the transport would (no query string,
// no deferrer), for suites that build requests by hand.
#ifndef TOKENWARDEN_TESTS_SERVER_SERVE_ROUTE_REQUEST_H_
#define TOKENWARDEN_TESTS_SERVER_SERVE_ROUTE_REQUEST_H_

#include <span>
#include <string_view>

#include "server/http/message.h"
#include "server/serve/routes.h"

namespace tokenwarden::testing {

// HandleRequest runs `method` `target` with `fields` and `body` on worker 0. The views must
// outlive the call only.
inline server::http::Response HandleRequest(server::Routes& routes, std::string_view method,
                                            std::string_view target,
                                            std::span<const server::http::HeaderField> fields,
                                            std::string_view body = {}) {
  server::http::Request request;
  request.method = method;
  request.target = target;
  request.path = target;
  request.headers = fields;
  request.body = body;
  request.peer = "127.0.0.1:40000";
  server::http::Response response;
  routes.Handle(request, response);
  return response;
}

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_SERVE_ROUTE_REQUEST_H_
