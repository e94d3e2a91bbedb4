// File: tests/server/serve/publish_state.h
// -----------------------------------------------------------------------------
// What every in-process route suite does before its first request: build a ServerState from
// its configuration and publish it (PublishState), then give Routes the state holder,
// metrics and denylist (RouteDepsFor) plus whatever the suite itself needs (a clock, the
// revocation committer, DPoP caches).
#ifndef TOKENWARDEN_TESTS_SERVER_SERVE_PUBLISH_STATE_H_
#define TOKENWARDEN_TESTS_SERVER_SERVE_PUBLISH_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "core/denylist.h"
#include "server/config/config.h"
#include "server/serve/live_issuer.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"

namespace tokenwarden::testing {

// PublishState builds `config` at `now` (with `live` when given) and publishes it in
// `holder`; the build's error otherwise, with nothing published. `warnings`, when given,
// receives the build's warnings.
inline absl::Status PublishState(server::ServerConfig config, std::shared_ptr<Denylist> denylist,
                                 int64_t now, server::StateHolder& holder,
                                 server::LiveIssuers* live = nullptr,
                                 std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> ignored;
  absl::StatusOr<std::shared_ptr<const server::ServerState>> state = server::ServerState::Build(
      std::move(config), std::move(denylist), now, warnings != nullptr ? *warnings : ignored, live);
  if (!state.ok()) {
    return state.status();
  }
  holder.Publish(*std::move(state));
  return absl::OkStatus();
}

// RouteDepsFor names the state, metrics and denylist every suite's Routes share.
inline server::RouteDeps RouteDepsFor(server::StateHolder& holder, server::Metrics& metrics,
                                      Denylist* denylist) {
  server::RouteDeps deps;
  deps.state = &holder;
  deps.metrics = &metrics;
  deps.denylist = denylist;
  return deps;
}

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_SERVE_PUBLISH_STATE_H_
