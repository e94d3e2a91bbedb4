// File: tests/server/serve/parking_deferrer.h
// -----------------------------------------------------------------------------
// ParkingDeferrer parks a deferred request as a connection would, for suites that hand
// requests to Routes::Handle themselves: what the waited-for work posts arrives through a
// DeferQueue (bound to an async handle whose loop never runs; the test takes what is posted),
// and the test may fire the timeout instead.
#ifndef TOKENWARDEN_TESTS_SERVER_SERVE_PARKING_DEFERRER_H_
#define TOKENWARDEN_TESTS_SERVER_SERVE_PARKING_DEFERRER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include <uv.h>

#include "server/http/deferred.h"
#include "server/http/message.h"
#include "tests/server/eventually.h"

namespace tokenwarden::testing {

class ParkingDeferrer final : public server::http::Deferrer {
 public:
  ParkingDeferrer() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, nullptr);
    queue_->Bind(&async_);
  }
  ~ParkingDeferrer() {
    queue_->Close();
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  server::http::DeferredResponse Defer(uint32_t timeout_ms,
                                       server::http::Continuation on_timeout) override {
    timeout_ms_ = timeout_ms;
    on_timeout_ = std::move(on_timeout);
    parked_ = ++last_id_;
    return server::http::DeferredResponse(queue_, last_id_);
  }
  void Cancel(server::http::DeferredResponse& later) override {
    // Disarm `later` (what it posts is never run: it is not the parked id), as
    // Connection::Cancel does.
    later.Resume([](const server::http::Request&, server::http::Response&) {});
    parked_ = 0;
  }
  // parked: a request was deferred and is still waiting.
  bool parked() const { return parked_ != 0; }
  uint32_t timeout_ms() const { return timeout_ms_; }
  // Wake waits for the parked request's continuation and runs it into `response`.
  bool Wake(const server::http::Request& request, server::http::Response& response) {
    std::optional<server::http::Continuation> next;
    const bool posted = Eventually([&] {
      for (auto& [id, continuation] : queue_->Take()) {
        if (id == parked_) {
          next = std::move(continuation);
        }
      }
      return next.has_value();
    });
    parked_ = 0;
    if (posted) {
      (*next)(request, response);
    }
    return posted;
  }
  // TimeOut runs the parked request's timeout, as the connection's timer would.
  void TimeOut(const server::http::Request& request, server::http::Response& response) {
    parked_ = 0;
    on_timeout_(request, response);
  }

 private:
  uv_loop_t loop_;
  uv_async_t async_;
  std::shared_ptr<server::http::DeferQueue> queue_ = std::make_shared<server::http::DeferQueue>();
  uint64_t last_id_ = 0;
  uint64_t parked_ = 0;
  uint32_t timeout_ms_ = 0;
  server::http::Continuation on_timeout_;
};

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_SERVE_PARKING_DEFERRER_H_
