// File: tests/server/serve/handle_request.h
// -----------------------------------------------------------------------------
// HandleRequest hands one request to Routes::Handle as the transport would (peer, path =
// target) and returns the answer: the in-process suites' way to call an endpoint.
#ifndef TOKENWARDEN_TESTS_SERVER_SERVE_HANDLE_REQUEST_H_
#define TOKENWARDEN_TESTS_SERVER_SERVE_HANDLE_REQUEST_H_

#include <string_view>
#include <vector>

#include "server/http/message.h"
#include "server/serve/routes.h"

namespace tokenwarden::testing {

inline server::http::Response HandleRequest(server::Routes& routes, std::string_view method,
                                            std::string_view target,
                                            const std::vector<server::http::HeaderField>& fields,
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

#endif  // TOKENWARDEN_TESTS_SERVER_SERVE_HANDLE_REQUEST_H_
