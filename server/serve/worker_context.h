// File: server/serve/worker_context.h
// -----------------------------------------------------------------------------
// WorkerContext is one worker thread's private state for the routes: the ServerState it is
// serving from, the IssuerSetScratch of that state (the token parse and a ValidatorScratch
// per issuer), the reader of upstream introspection answers, and reusable buffers. When a
// reload publishes a new state, the worker's next request switches to it (scratches are
// rebuilt; the old state is released once no worker holds it).
// Thread-safety: none; one per worker.
#ifndef TOKENWARDEN_SERVER_SERVE_WORKER_CONTEXT_H_
#define TOKENWARDEN_SERVER_SERVE_WORKER_CONTEXT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/claims_json.h"
#include "core/issuer_set.h"
#include "core/validator.h"
#include "server/http/form_params.h"
#include "server/keys/refetch.h"
#include "server/redis/shared_dpop_replay.h"
#include "server/serve/live_issuer.h"
#include "server/serve/request_possession.h"
#include "server/serve/server_state.h"

namespace tokenwarden::server {

class WorkerContext {
 public:
  explicit WorkerContext(int index) : index_(index) {}
  ~WorkerContext();
  WorkerContext(const WorkerContext&) = delete;
  WorkerContext& operator=(const WorkerContext&) = delete;

  // Refresh starts a request: switches to `holder`'s current state if it changed, forgets the
  // previous request's routing, and returns the state to serve this request from.
  const ServerState& Refresh(const StateHolder& holder);
  // Route routes `token` through the state's IssuerSet once per request: asking again for
  // the same token returns the same routing (and its parse). `parse` forces a parse even with
  // a single issuer (a revocation needs the claims).
  const IssuerSet::Routing& Route(std::string_view token, const ServerState& state,
                                  bool parse = false);
  IssuerSetScratch& scratch() { return *scratch_; }
  // TakeTokenParses returns the token payloads parsed since the last call (for metrics).
  uint64_t TakeTokenParses();
  ValidatorScratch& scratch(int issuer) { return scratch_->scratch(issuer); }
  int index() const { return index_; }

  // Resumed is set while a deferred request runs again (RouteContext::Resume): it must not wait a
  // second time, and `answer` is what the upstream said about `token` meanwhile, `refetch` how
  // the key refetch it waited for ended (unset: the wait timed out first), `possession` the
  // DPoP proof checked before a wait on the shared replay store and `replay` its answer
  // (kUnknown: none in time), `revocation` what the issuer's revocation endpoint said about
  // `token` (revocation_forward.h).
  struct Resumed {
    bool active = false;
    std::optional<UpstreamAnswer> answer;
    std::optional<RevocationAnswer> revocation;
    std::string token;
    std::optional<keys::RefetchResult> refetch;
    std::optional<RequestPossession> possession;
    redis::DpopReplayStore::Answer replay = redis::DpopReplayStore::Answer::kUnknown;
  };
  Resumed resumed;
  // upstream_json keeps the upstream answer that `upstream_claims` views into alive.
  std::shared_ptr<const std::string> upstream_json;
  ClaimsJson upstream_claims;
  http::FormParams form;
  std::vector<std::string> required_scopes;  // this request's scopes (route rules, header)
  std::string buffer;                        // scratch text (claim renderings)

 private:
  void Release();
  int index_;
  uint64_t version_ = 0;
  std::shared_ptr<const ServerState> state_;
  // The scratch must die before the Validators it belongs to: Release() clears it first.
  std::unique_ptr<IssuerSetScratch> scratch_;
  IssuerSet::Routing routing_;
  bool routed_ = false;
  bool routed_parsed_ = false;
  uint64_t parses_taken_ = 0;  // of the current scratch
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_WORKER_CONTEXT_H_
