#include "server/http/worker.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <uv.h>

#include "server/http/connection.h"
#include "server/http/listener.h"

namespace tokenwarden::server::http {
namespace {

uv_handle_t* AsHandle(auto* handle) { return reinterpret_cast<uv_handle_t*>(handle); }

// CloseHandle closes a handle whose memory the Worker owns (so no close callback is needed),
// at most once.
void CloseHandle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) {
    uv_close(handle, nullptr);
  }
}

}  // namespace

Worker::Worker(int index, ServerShared& shared)
    : index_(index), shared_(shared), read_buffer_(std::make_unique<char[]>(kReadBufferSize)) {}

Worker::~Worker() {
  if (thread_.joinable()) {
    Stop(0);
    Join();
  }
  CloseUnstarted();
}

absl::Status Worker::Init() {
  int err = uv_loop_init(&loop_);
  if (err < 0) {
    return absl::InternalError(absl::StrCat("uv_loop_init: ", uv_strerror(err)));
  }
  loop_open_ = true;
  err = uv_async_init(&loop_, &stop_, &Worker::OnStop);
  if (err < 0) {
    return absl::InternalError(absl::StrCat("uv_async_init: ", uv_strerror(err)));
  }
  stop_.data = this;
  stop_open_ = true;
  err = uv_async_init(&loop_, &deferred_async_, &Worker::OnDeferred);
  if (err < 0) {
    return absl::InternalError(absl::StrCat("uv_async_init: ", uv_strerror(err)));
  }
  deferred_async_.data = this;
  deferred_async_open_ = true;
  defer_queue_->Bind(&deferred_async_);
  err = uv_timer_init(&loop_, &drain_timer_);
  if (err < 0) {
    return absl::InternalError(absl::StrCat("uv_timer_init: ", uv_strerror(err)));
  }
  drain_timer_.data = this;
  drain_timer_open_ = true;
  err = uv_prepare_init(&loop_, &iteration_);
  if (err < 0) {
    return absl::InternalError(absl::StrCat("uv_prepare_init: ", uv_strerror(err)));
  }
  iteration_.data = this;
  iteration_open_ = true;
  uv_prepare_start(&iteration_, &Worker::OnIteration);
  // The prepare handle must not keep the loop alive once everything else is closed.
  uv_unref(AsHandle(&iteration_));
  return absl::OkStatus();
}

absl::Status Worker::Listen(int fd, std::string_view address) {
  auto tcp = std::make_unique<uv_tcp_t>();
  int err = uv_tcp_init(&loop_, tcp.get());
  if (err < 0) {
    close(fd);
    return ListenError(address, -err);
  }
  tcp->data = this;
  uv_tcp_t* handle = tcp.get();
  listeners_.push_back(std::move(tcp));  // closed with the others from here on
  err = uv_tcp_open(handle, fd);
  if (err < 0) {
    close(fd);
    return ListenError(address, -err);
  }
  err = uv_listen(reinterpret_cast<uv_stream_t*>(handle), SOMAXCONN, &Worker::OnConnection);
  if (err < 0) {
    return ListenError(address, -err);
  }
  return absl::OkStatus();
}

void Worker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Worker::Stop(uint32_t drain_timeout_ms) {
  drain_timeout_ms_.store(drain_timeout_ms, std::memory_order_release);
  uv_async_send(&stop_);
}

void Worker::Join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::Run() {
  // A write to a peer that has gone raises SIGPIPE in the writing thread. Blocked here, it
  // stays pending and the write fails with EPIPE, without touching the process's handlers.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  char name[16];
  std::snprintf(name, sizeof(name), "tw-http-%d", index_ % 10000);
  pthread_setname_np(pthread_self(), name);
  uv_run(&loop_, UV_RUN_DEFAULT);
  CloseLoop();
}

void Worker::CloseUnstarted() {
  if (!loop_open_) {
    return;
  }
  for (const auto& listener : listeners_) {
    CloseHandle(AsHandle(listener.get()));
  }
  if (stop_open_) {
    CloseHandle(AsHandle(&stop_));
  }
  if (drain_timer_open_) {
    CloseHandle(AsHandle(&drain_timer_));
  }
  if (iteration_open_) {
    CloseHandle(AsHandle(&iteration_));
  }
  CloseDeferred();
  uv_run(&loop_, UV_RUN_DEFAULT);
  CloseLoop();
}

void Worker::CloseLoop() {
  if (uv_loop_close(&loop_) == UV_EBUSY) {
    // Only a bug leaves a handle open; close what is left rather than leak the loop.
    uv_walk(
        &loop_, [](uv_handle_t* handle, void*) { CloseHandle(handle); }, nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  loop_open_ = false;
}

void Worker::OnConnection(uv_stream_t* server, int status) {
  if (status < 0) {
    return;  // e.g. ECONNABORTED; libuv keeps listening
  }
  static_cast<Worker*>(server->data)->Accept(server);
}

void Worker::Accept(uv_stream_t* server) {
  if (shared_.open_connections.fetch_add(1, std::memory_order_relaxed) >=
      shared_.limits.max_connections) {
    // Full: make room by closing the connection least worth keeping. Its count drops when its
    // close completes, a moment later; until then we are one over the limit.
    if (EvictOne()) {
      shared_.evicted.fetch_add(1, std::memory_order_relaxed);
    } else {
      shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
      shared_.refused.fetch_add(1, std::memory_order_relaxed);
      // Accept and close at once: left in the backlog, the client would wait for nothing.
      auto* tcp = new uv_tcp_t;
      uv_tcp_init(&loop_, tcp);
      (void)uv_accept(server, reinterpret_cast<uv_stream_t*>(tcp));
      uv_close(AsHandle(tcp),
               [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
      return;
    }
  }
  Connection::Accept(*this, server);
}

bool Worker::EvictOne() {
  Connection* victim = silent_.head;
  if (victim == nullptr && shared_.silent_connections.load(std::memory_order_relaxed) > 0) {
    // Silent connections sit on another worker, which evicts them for its own newcomers (and
    // times them out): closing one of our working clients for this newcomer would let a
    // silent flood on one worker push out the other worker's gateway connections.
    return false;
  }
  if (victim == nullptr) {
    victim = idle_.head != nullptr ? idle_.head : in_head_.head;
  }
  if (victim == nullptr) {
    return false;
  }
  victim->Close();  // takes it off its list
  return true;
}

void Worker::Unlink(Connection* connection) {
  if (connection->idleness_ == Idleness::kBusy) {
    return;
  }
  if (connection->idleness_ == Idleness::kSilent) {
    shared_.silent_connections.fetch_sub(1, std::memory_order_relaxed);
  }
  IdleList& list = ListOf(connection->idleness_);
  Connection* prev = connection->idle_prev_;
  Connection* next = connection->idle_next_;
  (prev != nullptr ? prev->idle_next_ : list.head) = next;
  (next != nullptr ? next->idle_prev_ : list.tail) = prev;
  connection->idle_prev_ = connection->idle_next_ = nullptr;
  connection->idleness_ = Idleness::kBusy;
}

void Worker::SetIdleness(Connection* connection, Idleness idleness) {
  if (connection->idleness_ == idleness) {
    return;
  }
  Unlink(connection);
  if (idleness == Idleness::kBusy) {
    return;
  }
  if (idleness == Idleness::kSilent) {
    shared_.silent_connections.fetch_add(1, std::memory_order_relaxed);
  }
  IdleList& list = ListOf(idleness);
  connection->idle_prev_ = list.tail;
  (list.tail != nullptr ? list.tail->idle_next_ : list.head) = connection;
  list.tail = connection;
  connection->idleness_ = idleness;
}

void Worker::OnIteration(uv_prepare_t* prepare) {
  static_cast<Worker*>(prepare->data)->timeout_turns_ = 0;
}

bool Worker::TakeTimeoutTurn() {
  if (timeout_turns_ >= kTimeoutsPerIteration) {
    return false;
  }
  ++timeout_turns_;
  return true;
}

void Worker::Remove(Connection* connection) {
  connections_.erase(connection);
  shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  FinishDrainIfDone();
}

uint64_t Worker::AddDeferred(Connection* connection) {
  const uint64_t id = next_deferred_id_++;
  deferred_.emplace(id, connection);
  return id;
}

void Worker::OnDeferred(uv_async_t* async) {
  Worker& worker = *static_cast<Worker*>(async->data);
  for (auto& [id, next] : worker.defer_queue_->Take()) {
    const auto it = worker.deferred_.find(id);
    if (it == worker.deferred_.end()) {
      continue;  // the client went away while the answer was being made
    }
    Connection* connection = it->second;
    worker.deferred_.erase(it);
    connection->FinishDeferred(next);
  }
}

void Worker::CloseDeferred() {
  if (deferred_async_open_) {
    defer_queue_->Close();  // before the handle closes: no Post signals it afterwards
    CloseHandle(AsHandle(&deferred_async_));
  }
}

void Worker::OnStop(uv_async_t* async) { static_cast<Worker*>(async->data)->BeginDrain(); }

void Worker::BeginDrain() {
  draining_ = true;
  for (const auto& listener : listeners_) {
    CloseHandle(AsHandle(listener.get()));
  }
  CloseHandle(AsHandle(&stop_));
  // Connections leave connections_ only in their close callbacks, never during this loop.
  for (Connection* connection : connections_) {
    connection->Drain();
  }
  const uint32_t drain_timeout_ms = drain_timeout_ms_.load(std::memory_order_acquire);
  if (drain_timeout_ms == 0) {
    CloseAll();
  } else {
    uv_timer_start(&drain_timer_, &Worker::OnDrainTimer, drain_timeout_ms, 0);
  }
  FinishDrainIfDone();
}

void Worker::OnDrainTimer(uv_timer_t* timer) {
  Worker& worker = *static_cast<Worker*>(timer->data);
  worker.CloseAll();
  CloseHandle(AsHandle(&worker.drain_timer_));
}

void Worker::CloseAll() {
  for (Connection* connection : connections_) {
    connection->Close();
  }
}

void Worker::FinishDrainIfDone() {
  // With the listeners and the stop signal closed, closing the timers lets uv_run return.
  if (draining_ && connections_.empty()) {
    CloseHandle(AsHandle(&drain_timer_));
    CloseHandle(AsHandle(&iteration_));
    CloseDeferred();
  }
}

}  // namespace tokenwarden::server::http
