// File: server/http/worker.h
// -----------------------------------------------------------------------------
// Worker is one thread of the HTTP server: a libuv loop, its own SO_REUSEPORT listening socket
// per address, and the connections it accepted.
#ifndef TOKENWARDEN_SERVER_HTTP_WORKER_H_
#define TOKENWARDEN_SERVER_HTTP_WORKER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <absl/status/status.h>
#include <uv.h>

#include "server/http/date_cache.h"
#include "server/http/deferred.h"
#include "server/http/server.h"
#include "server/http/source_limiter.h"

namespace tokenwarden::server::http {

class Connection;

// ServerShared is what every worker reads: fixed after HttpServer::Create, plus the counters.
struct ServerShared {
  Limits limits;
  Handler handler;
  Completion completion;
  std::function<int64_t()> unix_now;        // whole Unix seconds, for the Date header
  std::atomic<size_t> open_connections{0};  // accepted and not yet closed, all workers
  // silent_connections: connections that have sent nothing yet, all workers. A worker at the
  // connection limit with none of its own refuses a newcomer while another worker holds
  // some, rather than evicting its established keep-alive clients (eviction is per worker).
  std::atomic<size_t> silent_connections{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> evicted{0};
  std::atomic<uint64_t> refused_per_source{0};
  std::atomic<uint64_t> timed_out{0};
  std::unique_ptr<SourceLimiter> sources;  // set by HttpServer::Create
};

// Idleness is how little a connection is worth keeping when the server is full. Eviction takes
// the oldest kSilent one (accepted, not a byte sent yet), else the oldest kIdle one (keep-alive
// between requests: a client that has shown it speaks HTTP), else the oldest kInHead one (a
// request head still arriving: a slow or hostile client). kBusy ones (a request being read
// past its head, handled or answered) are never evicted.
enum class Idleness : uint8_t { kBusy, kSilent, kIdle, kInHead };

// Worker owns a loop and runs it on its own thread. Set up (Init, Listen) on the creating
// thread, then Start; Stop may come from any thread. A worker that never started is torn
// down with CloseUnstarted on the caller's thread.
// Thread-safety: Stop is thread-safe; everything else belongs to one thread at a time (the
// creator before Start, the worker thread until Join).
class Worker {
 public:
  // `shared` must outlive the worker.
  Worker(int index, ServerShared& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Init creates the loop and its stop signal.
  absl::Status Init();
  // Listen takes ownership of the bound socket `fd` and listens on it; `address` names it in
  // errors.
  absl::Status Listen(int fd, std::string_view address);
  // Start runs the loop on a new thread.
  void Start();
  // Stop asks the loop to drain for up to `drain_timeout_ms` and exit. Thread-safe; once.
  void Stop(uint32_t drain_timeout_ms);
  // Join waits for the thread started by Start.
  void Join();
  // CloseUnstarted closes every handle of a worker that never ran, on the caller's thread.
  void CloseUnstarted();

  // For the worker's connections, on its thread:
  int index() const { return index_; }
  uv_loop_t* loop() { return &loop_; }
  ServerShared& shared() { return shared_; }
  // Date returns the Date header value for the current second of the server's clock.
  std::string_view Date() { return date_.At(shared_.unix_now()); }
  bool draining() const { return draining_; }
  // ReadBuffer is the one read buffer of the loop: a read callback consumes it entirely
  // before the loop reads into it again.
  uv_buf_t ReadBuffer() { return uv_buf_init(read_buffer_.get(), kReadBufferSize); }
  // Add and Remove track the live connections; Remove runs from the connection's last close
  // callback.
  void Add(Connection* connection) { connections_.insert(connection); }
  void Remove(Connection* connection);
  // SetIdleness files `connection` under `idleness` (at the back: the newest of its kind);
  // a connection that stays in the same state keeps its place. kBusy takes it off the lists.
  void SetIdleness(Connection* connection, Idleness idleness);
  // TakeTimeoutTurn is true while this loop iteration may still close timed-out connections:
  // at most kTimeoutsPerIteration each, so a thousand connections timing out together are
  // closed over a few iterations with I/O for everyone else in between.
  bool TakeTimeoutTurn();
  // AddDeferred registers `connection`'s parked request and returns its id; RemoveDeferred
  // forgets it (the connection closed first). Finished responses arrive through
  // defer_queue() and reach the connection on this loop.
  uint64_t AddDeferred(Connection* connection);
  void RemoveDeferred(uint64_t id) { deferred_.erase(id); }
  const std::shared_ptr<DeferQueue>& defer_queue() const { return defer_queue_; }

 private:
  static constexpr size_t kReadBufferSize = 64 * 1024;
  static constexpr uint32_t kTimeoutsPerIteration = 32;

  // IdleList is an intrusive list of connections of one Idleness, oldest first.
  struct IdleList {
    Connection* head = nullptr;
    Connection* tail = nullptr;
  };

  static void OnConnection(uv_stream_t* server, int status);
  static void OnStop(uv_async_t* async);
  static void OnDrainTimer(uv_timer_t* timer);
  static void OnDeferred(uv_async_t* async);
  static void OnIteration(uv_prepare_t* prepare);
  // EvictOne closes the connection least worth keeping; false when every one is busy.
  bool EvictOne();
  IdleList& ListOf(Idleness idleness) {
    return idleness == Idleness::kSilent ? silent_ : idleness == Idleness::kIdle ? idle_ : in_head_;
  }
  void Unlink(Connection* connection);
  void CloseDeferred();
  void Run();
  void Accept(uv_stream_t* server);
  void BeginDrain();
  void CloseAll();
  void FinishDrainIfDone();
  void CloseLoop();

  const int index_;
  ServerShared& shared_;
  uv_loop_t loop_ = {};
  bool loop_open_ = false;
  uv_async_t stop_ = {};
  bool stop_open_ = false;
  uv_async_t deferred_async_ = {};
  bool deferred_async_open_ = false;
  std::shared_ptr<DeferQueue> defer_queue_ = std::make_shared<DeferQueue>();
  std::unordered_map<uint64_t, Connection*> deferred_;
  uint64_t next_deferred_id_ = 1;
  uv_timer_t drain_timer_ = {};
  bool drain_timer_open_ = false;
  uv_prepare_t iteration_ = {};  // resets timeout_turns_ before each poll
  bool iteration_open_ = false;
  uint32_t timeout_turns_ = 0;
  IdleList silent_;
  IdleList idle_;
  IdleList in_head_;
  std::vector<std::unique_ptr<uv_tcp_t>> listeners_;
  std::unordered_set<Connection*> connections_;
  std::unique_ptr<char[]> read_buffer_;
  DateCache date_;
  bool draining_ = false;
  std::atomic<uint32_t> drain_timeout_ms_{0};  // written by Stop before the uv_async_send
  std::thread thread_;
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_WORKER_H_
