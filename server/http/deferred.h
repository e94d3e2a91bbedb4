// File: server/http/deferred.h
// -----------------------------------------------------------------------------
// A handler that cannot answer on the event loop (it waits for an issuer: an unknown-kid key
// refetch, an upstream introspection) defers the request and answers later from any thread,
// either with a finished response or by resuming the handler on the worker's loop:
//
//   http::DeferredResponse later = request.deferrer->Defer(/*timeout_ms=*/0, nullptr);
//   StartLookup(..., [later = std::move(later)](Result r) mutable {
//     later.Resume([r](const http::Request& request, http::Response& response) {
//       ...  // runs on the worker's loop, with the original request
//     });
//   });
//
// A resumed handler runs with the same Request (the connection has not parsed further) and
// may defer again.
// While a request is deferred its connection parses nothing further (pipelined requests wait,
// so responses stay in request order) and its idle timeout still runs as a safety net. A
// response finished after the client has gone, or after the worker stopped, is dropped.
#ifndef TOKENWARDEN_SERVER_HTTP_DEFERRED_H_
#define TOKENWARDEN_SERVER_HTTP_DEFERRED_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <absl/base/thread_annotations.h>
#include <uv.h>

#include "base/mutex.h"
#include "server/http/message.h"

namespace tokenwarden::server::http {

// DeferQueue is one worker's inbox of finished deferred responses: posted from any thread,
// taken on the worker's loop after its async handle fires.
// Thread-safety: Post may run on any thread; Bind, Take and Close on the worker's loop.
class DeferQueue {
 public:
  void Bind(uv_async_t* async);
  // Post queues `next` for deferral `id` and wakes the loop; false once closed.
  bool Post(uint64_t id, Continuation next);
  std::vector<std::pair<uint64_t, Continuation>> Take();
  // Close drops what is queued and every later Post (the worker is stopping).
  void Close();

 private:
  base::Mutex mu_;
  uv_async_t* async_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<std::pair<uint64_t, Continuation>> pending_ ABSL_GUARDED_BY(mu_);
};

// DeferredResponse is the right to answer one deferred request. Move-only; Finish it exactly
// once. Destroying it unfinished answers 500, so a lost callback cannot hang a client.
class Connection;

class DeferredResponse {
 public:
  DeferredResponse() = default;
  DeferredResponse(std::shared_ptr<DeferQueue> queue, uint64_t id)
      : queue_(std::move(queue)), id_(id) {}
  DeferredResponse(DeferredResponse&& other) noexcept
      : queue_(std::move(other.queue_)), id_(std::exchange(other.id_, 0)) {}
  DeferredResponse& operator=(DeferredResponse&& other) noexcept;
  DeferredResponse(const DeferredResponse&) = delete;
  DeferredResponse& operator=(const DeferredResponse&) = delete;
  ~DeferredResponse();

  bool pending() const { return id_ != 0; }
  // Finish sends `response` (any thread). The transport adds the framing fields as usual.
  void Finish(Response response);
  // Resume runs `next` on the worker's loop to fill the response (any thread).
  void Resume(Continuation next);

 private:
  friend class Connection;  // Cancel disarms
  std::shared_ptr<DeferQueue> queue_;
  uint64_t id_ = 0;
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_DEFERRED_H_
