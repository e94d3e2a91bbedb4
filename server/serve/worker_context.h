// File: server/serve/worker_context.h
// -----------------------------------------------------------------------------
// WorkerContext is one worker thread's private state for the routes: the ServerState it is
// serving from, a ValidatorScratch per issuer of that state, and reusable parsers and
// buffers. When a reload publishes a new state, the worker's next request switches to it
// (scratches are rebuilt; the old state is released once no worker holds it).
// Thread-safety: none; one per worker.
#ifndef TOKENWARDEN_SERVER_SERVE_WORKER_CONTEXT_H_
#define TOKENWARDEN_SERVER_SERVE_WORKER_CONTEXT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/validator.h"
#include "server/http/form_params.h"
#include "server/serve/live_issuer.h"
#include "server/serve/payload_reader.h"
#include "server/serve/server_state.h"

namespace tokenwarden::server {

class WorkerContext {
 public:
  explicit WorkerContext(int index) : index_(index) {}
  ~WorkerContext();
  WorkerContext(const WorkerContext&) = delete;
  WorkerContext& operator=(const WorkerContext&) = delete;

  // Refresh switches to `holder`'s current state if it changed, and returns the state to
  // serve this request from.
  const ServerState& Refresh(const StateHolder& holder);
  ValidatorScratch& scratch(int issuer) { return *scratches_[static_cast<size_t>(issuer)]; }
  int index() const { return index_; }

  // Resumed is set while a deferred request runs again (Routes::Resume): it must not wait a
  // second time, and `answer` is what the upstream said about `token` meanwhile.
  struct Resumed {
    bool active = false;
    std::optional<UpstreamAnswer> answer;
    std::string token;
  };
  Resumed resumed;
  // upstream_json keeps the upstream answer that `payload` reads alive.
  std::shared_ptr<const std::string> upstream_json;

  http::FormParams form;
  PayloadReader payload;
  std::string buffer;  // scratch text (claim renderings)

 private:
  void Release();
  int index_;
  uint64_t version_ = 0;
  std::shared_ptr<const ServerState> state_;
  // Scratches must die before the Validators they belong to: Release() clears them first.
  std::vector<std::unique_ptr<ValidatorScratch>> scratches_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_WORKER_CONTEXT_H_
