// File: server/http/server.h
// -----------------------------------------------------------------------------
// HttpServer is the transport of `tokenwarden serve`: one libuv loop per worker thread, each
// with its own SO_REUSEPORT listening socket per address (the kernel spreads connections),
// HTTP/1.1 keep-alive and pipelining (responses in request order), parsed by llhttp (Node.js's
// maintained parser, from Debian's node-llhttp sources). It enforces the Limits (limits.h) with
// clear responses and closes slow or idle clients; what a request means is the Handler's job.
#ifndef TOKENWARDEN_SERVER_HTTP_SERVER_H_
#define TOKENWARDEN_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "server/http/limits.h"
#include "server/http/message.h"

namespace tokenwarden::server::http {

// Handler runs on the worker's thread for each complete request and fills `response`
// (freshly Reset). It must not block for long: it runs on the event loop.
using Handler = std::function<void(const Request& request, Response& response)>;

// Completion is told about every response the transport sends (the handler's and its own
// 4xx/5xx ones; `request` is null when no request was parsed), with the time from the
// request's first byte to the response being queued. For metrics and the access log.
// For the transport's own errors, `request` is non-null once the request's head (request
// line and headers) was parsed, e.g. 413/501/505 on the head, 400/408/413 during the body;
// its body is then empty. Errors before the head is complete (400, 414, 431, 408) pass null.
// Runs on the worker's thread, like the Handler.
using Completion = std::function<void(int worker, const Request* request, const Response& response,
                                      uint64_t latency_ns)>;

struct ServerOptions {
  std::vector<std::string> listen;  // "host:port" or "[v6]:port"; port 0 picks one
  int workers = 1;
  // first_worker is the index of the first worker (Request::worker, the Completion's
  // `worker`): a second server handing requests to the same per-worker state (the admin
  // listener of `serve`) numbers its workers after the first server's, so no index is
  // ever in use on two threads.
  int first_worker = 0;
  Limits limits;
  // unix_now is the wall clock in whole Unix seconds, read for each response's Date header
  // (tests pin it). Not time(): glibc serves that from the coarse clock, a second behind
  // the one validation reads for a few milliseconds after each tick.
  std::function<int64_t()> unix_now;  // unset: the system clock (CLOCK_REALTIME)
};

struct ServerStats {
  size_t open_connections = 0;
  uint64_t accepted = 0;
  uint64_t refused = 0;             // over max_connections with nothing to evict
  uint64_t evicted = 0;             // closed to make room for a new connection
  uint64_t refused_per_source = 0;  // over max_connections_per_source
  uint64_t timed_out = 0;           // closed by the read or idle timeout
};

class HttpServer {
 public:
  // Create binds and listens on every address (SO_REUSEPORT, one socket per worker) or fails
  // with a message naming the address. No thread runs yet.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(ServerOptions options, Handler handler,
                                                            Completion completion = nullptr);
  ~HttpServer();  // Stops (with no drain time) if still running.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Start runs the worker threads.
  void Start();
  // Stop closes the listening sockets at once, lets in-flight requests finish and their
  // responses flush (closing keep-alive connections as they go idle) for up to
  // `drain_timeout_ms`, then closes what is left and joins the workers. Thread-safe,
  // idempotent; not async-signal-safe (call it from the main loop's signal handler). Never
  // call it from a Handler or Completion: it joins the worker threads they run on.
  // Responses to requests that complete during the drain carry `Connection: close`.
  void Stop(uint32_t drain_timeout_ms);
  // Drain is Stop without the wait: the listening sockets close and the workers begin to
  // drain for up to `drain_timeout_ms`; a later Stop waits for them (its own timeout is then
  // ignored). Several servers drained before any is stopped drain side by side, within one
  // timeout. Thread-safe; does nothing unless running.
  void Drain(uint32_t drain_timeout_ms);

  // BoundAddresses lists the listening addresses with their actual ports ("127.0.0.1:43121").
  std::vector<std::string> BoundAddresses() const;
  ServerStats Stats() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_SERVER_H_
