#include "server/http/deferred.h"

#include <cstdint>
#include <utility>
#include <vector>

#include <uv.h>

#include "base/mutex.h"
#include "server/http/message.h"

namespace tokenwarden::server::http {
namespace {

Response Dropped() {
  Response response;
  response.status = 500;
  response.body = R"({"error":"server_error","error_description":"the request was dropped"})";
  return response;
}

}  // namespace

void DeferQueue::Bind(uv_async_t* async) {
  base::MutexLock lock(&mu_);
  async_ = async;
}

bool DeferQueue::Post(uint64_t id, Continuation next) {
  base::MutexLock lock(&mu_);
  if (async_ == nullptr) {
    return false;
  }
  pending_.emplace_back(id, std::move(next));
  // Under the lock: Close clears async_ before the handle is closed, so it is never signalled
  // after uv_close.
  uv_async_send(async_);
  return true;
}

std::vector<std::pair<uint64_t, Continuation>> DeferQueue::Take() {
  std::vector<std::pair<uint64_t, Continuation>> out;
  base::MutexLock lock(&mu_);
  out.swap(pending_);
  return out;
}

void DeferQueue::Close() {
  base::MutexLock lock(&mu_);
  async_ = nullptr;
  pending_.clear();
}

DeferredResponse& DeferredResponse::operator=(DeferredResponse&& other) noexcept {
  if (this != &other) {
    if (pending()) {
      Finish(Dropped());
    }
    queue_ = std::move(other.queue_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

DeferredResponse::~DeferredResponse() {
  if (pending()) {
    Finish(Dropped());
  }
}

void DeferredResponse::Finish(Response response) {
  Resume([response = std::move(response)](const Request&, Response& out) mutable {
    out = std::move(response);
  });
}

void DeferredResponse::Resume(Continuation next) {
  if (!pending()) {
    return;
  }
  (void)queue_->Post(std::exchange(id_, 0), std::move(next));
  queue_.reset();
}

}  // namespace tokenwarden::server::http
