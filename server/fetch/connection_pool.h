// File: server/fetch/connection_pool.h
// -----------------------------------------------------------------------------
// ConnectionPool keeps an HttpsClient's connections open between exchanges (HTTP/1.1
// persistent connections, RFC 9112 §9.3) and remembers the TLS sessions servers offer, so a
// connection that must be opened anew resumes instead of running a full handshake:
//   - at most `max_connections` connections exist at once, in use or idle; a caller beyond
//     that waits for one (within its deadline) instead of opening more;
//   - an idle connection is closed `idle_timeout_ms` after its last exchange, by a thread of
//     the pool, and checked (Connection::IdleAndOpen) before it is handed out again;
//   - idle connections and sessions are keyed by origin (scheme, host, port), so a connection
//     or a session is only ever used for the origin it was made for.
// The client decides what may come back (only a connection whose last response was read
// whole and did not ask to close).
// Thread-safety: all methods may be called from any thread.
#ifndef TOKENWARDEN_SERVER_FETCH_CONNECTION_POOL_H_
#define TOKENWARDEN_SERVER_FETCH_CONNECTION_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <absl/status/statusor.h>
#include <openssl/base.h>

#include "server/fetch/connection.h"

namespace tokenwarden::server::fetch {

class ConnectionPool {
 public:
  // `max_connections` >= 1.
  ConnectionPool(size_t max_connections, uint32_t idle_timeout_ms);
  ~ConnectionPool();  // closes the idle connections; none may be in use
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Acquire takes one of the pool's slots, waiting until `deadline` when all are taken
  // (kDeadlineExceeded then). It returns an idle connection to `origin` that is still open
  // (the most recently used first; the dead are closed), or null: the caller opens a new
  // connection in the slot. Every successful Acquire is paired with one Release.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(const std::string& origin,
                                                      const Deadline& deadline);
  // Release gives the slot back and keeps `connection` idle for `origin`; null (the
  // connection was not reusable, or none was opened) only frees the slot.
  void Release(const std::string& origin, std::unique_ptr<Connection> connection);

  // KeepSession remembers `session` (may be null: nothing changes) as the one to offer the
  // next new connection to `origin`.
  void KeepSession(const std::string& origin, bssl::UniquePtr<SSL_SESSION> session);
  // Session returns the session to offer a new connection to `origin`, or null. A session
  // BoringSSL says to use once (TLS 1.3) is handed out once.
  bssl::UniquePtr<SSL_SESSION> Session(const std::string& origin);

 private:
  using Clock = std::chrono::steady_clock;
  struct Idle {
    std::string origin;
    std::unique_ptr<Connection> connection;
    Clock::time_point since;
  };
  std::unique_ptr<Connection> TakeIdle(const std::string& origin);  // mu_ held
  void CloseExpired(Clock::time_point now);                         // mu_ held
  void Reap();

  const size_t max_connections_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mu_;
  std::condition_variable freed_;    // a slot came back
  std::condition_variable changed_;  // the reaper's wake-up: a first idle connection, or stop
  bool stop_ = false;
  size_t in_use_ = 0;
  std::deque<Idle> idle_;  // oldest first
  std::map<std::string, bssl::UniquePtr<SSL_SESSION>> sessions_;
  std::thread reaper_;
};

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_CONNECTION_POOL_H_
