// File: server/http/connection.h
// -----------------------------------------------------------------------------
// Connection is one accepted client socket: reads, parses with RequestParser, runs the
// handler for each request in order, and writes the responses, enforcing the timeouts and
// the pipelining limit.
#ifndef TOKENWARDEN_SERVER_HTTP_CONNECTION_H_
#define TOKENWARDEN_SERVER_HTTP_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <uv.h>

#include "server/http/deferred.h"
#include "server/http/message.h"
#include "server/http/request_parser.h"
#include "server/http/response_writer.h"
#include "server/http/source_limiter.h"

namespace tokenwarden::server::http {

class Worker;
enum class Idleness : uint8_t;  // worker.h

// Connection owns one accepted socket and its timer; `tcp_.data == timer_.data == this`. It
// is destroyed only in OnClose, once both handles are closed (STYLE.md: the one place libuv
// allows the handles' memory to be released).
//
// Output is double-buffered: responses are appended to out_ while writing_ is on the wire,
// and the two swap when a write completes, so the buffers are reused and the responses of
// one read are sent with one write (uv_try_write; uv_write for what the socket did not
// take). Reading stops while max_pipelined responses or kMaxPendingOutput bytes are unsent;
// unparsed input is then kept in pending_in_.
// Thread-safety: none; lives on its worker's loop.
class Connection final : public Deferrer {
 public:
  // Accept takes the next connection from `server` (the worker counted it as open) and
  // starts reading. On failure the connection closes itself.
  static void Accept(Worker& worker, uv_stream_t* server);

  // Drain is called when the worker stops: an idle connection closes now; one with a request
  // under way finishes it, answers with `Connection: close` and closes after the write.
  void Drain();
  // Close closes the socket now (pending writes are cancelled). Idempotent.
  void Close();

  // Defer (Deferrer) parks the request being handled; FinishDeferred answers it on the loop
  // and resumes parsing.
  DeferredResponse Defer(uint32_t timeout_ms, Continuation on_timeout) override;
  void Cancel(DeferredResponse& later) override;
  void FinishDeferred(const Continuation& next);

 private:
  friend class Worker;  // files the connection in its idle lists (idleness_, idle_prev_/next_)
  static constexpr size_t kMaxPendingOutput = 1 << 20;

  explicit Connection(Worker& worker);
  ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnTimer(uv_timer_t* timer);
  static void OnClose(uv_handle_t* handle);

  void Start();
  size_t Consume(const char* data, size_t len);
  void OnMessage();
  void Answer();  // queues response_ for the request just handled
  void Fail(int status, std::string_view detail);
  void Queue(const Request* request, bool head, ConnectionHeader connection);
  void StopParsing();
  // Settle runs after every event: write what is queued, close a finished connection, or
  // re-arm the timer.
  void Settle();
  // Flush sends what is queued (WriteOut) and, when it all went at once, goes on as after a
  // completed write: resumes a paused connection and sends what that queues.
  void Flush();
  // WriteOut sends out_, straight into the socket (uv_try_write) and what does not fit
  // through uv_write. true when all of it went at once.
  bool WriteOut();
  void Resume();
  bool PipelineFull() const;
  void StartReading();
  void StopReading();
  void ArmTimer();
  // UpdateIdleness tells the worker whether this connection may be evicted (worker.h).
  void UpdateIdleness();
  // ReleaseSource gives back the per-source count taken at accept (once).
  void ReleaseSource();
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  Worker& worker_;
  uv_tcp_t tcp_ = {};
  uv_timer_t timer_ = {};
  uv_write_t write_req_ = {};
  int open_handles_ = 0;
  RequestParser parser_;
  Request request_;
  Response response_;
  std::string peer_;
  SourceKey source_;
  bool source_counted_ = false;  // source_ holds a count in the worker's SourceLimiter

  std::string pending_in_;  // received, not parsed yet (reading paused)
  std::string out_;         // responses not handed to libuv yet
  std::string writing_;     // the bytes of the uv_write in flight
  size_t out_responses_ = 0;
  size_t writing_responses_ = 0;

  uint64_t read_ns_ = 0;        // uv_hrtime() of the read being parsed
  uint64_t request_ns_ = 0;     // first byte of the current request (uv_hrtime)
  uint64_t request_ms_ = 0;     // the same in loop time (uv_now), for the read timeout
  bool request_timed_ = false;  // request_ns_/ms_ belong to the current request
  uint64_t accepted_ms_ = 0;    // loop time of accept: the first head is due read_timeout later
  bool any_request_ = false;    // a byte of some request has arrived
  uint64_t idle_since_ms_ = 0;  // loop time it last became idle between requests
  bool reading_ = false;
  bool paused_ = false;  // reading stopped for backpressure
  bool writing_in_flight_ = false;
  bool parsing_stopped_ = false;  // the connection ends after what is queued
  bool closing_ = false;
  uint64_t deferred_id_ = 0;  // non-zero while the current request waits for FinishDeferred
  uint64_t deferred_deadline_ms_ = 0;  // loop time; 0 = none
  Continuation on_deferred_timeout_;
  Idleness idleness_;  // set by the constructor (kBusy); then only by the Worker
  Connection* idle_prev_ = nullptr;
  Connection* idle_next_ = nullptr;
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_CONNECTION_H_
