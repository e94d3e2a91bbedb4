// Raw bytes as a client's stream on one connection: the HTTP/1.1 parser (llhttp, limits),
// then every complete request through the server's routes (Basic client auth, form
// decoding, /introspect, /revoke, /validate, /metrics, health) of the embedded demo
// configuration. Bytes after a parse error are dropped, as the server closes then.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/denylist.h"
#include "fuzz/fuzz_support.h"
#include "server/http/message.h"
#include "server/http/request_parser.h"
#include "server/http/server.h"
#include "server/serve/demo.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"

namespace {

using namespace tokenwarden::server;  // NOLINT(build/namespaces): a fuzz harness

struct Server {
  http::Limits limits;
  std::shared_ptr<tokenwarden::Denylist> denylist;
  StateHolder holder;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<Routes> routes;
};

Server& Get() {
  static Server* server = [] {
    auto* s = new Server;
    absl::StatusOr<DemoSetup> demo =
        MakeDemo("127.0.0.1:0", "/nonexistent-tokenwarden-fuzz", tokenwarden::fuzz::kNow);
    if (!demo.ok()) {
      std::abort();
    }
    s->denylist = std::make_shared<tokenwarden::Denylist>(1024);
    std::vector<std::string> warnings;
    auto state =
        ServerState::Build(std::move(demo->config), s->denylist, tokenwarden::fuzz::kNow, warnings);
    if (!state.ok()) {
      std::abort();
    }
    s->holder.Publish(*std::move(state));
    s->metrics = std::make_unique<Metrics>(1);
    RouteDeps deps;
    deps.state = &s->holder;
    deps.metrics = s->metrics.get();
    deps.denylist = s->denylist.get();
    deps.gauges = [](MetricsGauges&) {};
    deps.clock = [] { return tokenwarden::fuzz::kNow; };
    s->routes = std::make_unique<Routes>(std::move(deps), 1);
    return s;
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Server& s = Get();
  http::RequestParser parser(s.limits);
  const char* at = reinterpret_cast<const char*>(data);
  size_t left = size;
  for (int steps = 0; steps < 256; ++steps) {
    const http::RequestParser::Step step = parser.Execute(at, left);
    at += step.consumed;
    left -= step.consumed;
    if (step.event == http::RequestParser::Event::kError) {
      if (parser.error_status() < 400 || parser.error_status() > 599) {
        __builtin_trap();  // every refusal is an HTTP error status
      }
      break;
    }
    if (step.event == http::RequestParser::Event::kMessageComplete) {
      http::Request request;
      parser.Fill(request);
      request.peer = "127.0.0.1:1";
      http::Response response;
      s.routes->Handle(request, response);
      if (response.status < 200 || response.status > 599) {
        __builtin_trap();
      }
      continue;
    }
    if (step.event == http::RequestParser::Event::kNeedMore && left == 0) {
      break;
    }
  }
  return 0;
}
