// File: server/redis/resp_connection.h
// -----------------------------------------------------------------------------
// RespConnection is one connection to Redis on a libuv loop: name resolution, TCP, TLS
// (BoringSSL over memory BIOs, the server's certificate verified for the host), commands
// encoded and replies parsed by resp_reader.h, and deadlines: a connect timeout and a
// per-command reply timeout that drops the connection.
//
// Why not hiredis: Debian bookworm ships hiredis 0.14, whose async client has neither TLS nor
// connect/command timeouts and resolves names with a blocking getaddrinfo on the loop, and
// whose reader allocates whatever an array header claims (resp_reader.h). RESP2 is small
// enough to own, bounded and fuzzed.
//
// Replies come back in command order (RESP2). A reply that arrives while no command waits is
// a push (pub/sub messages on a subscribed connection) and goes to the push callback.
// Lifetime: Open returns an object that owns itself; after Close (or a failure, which closes
// it), `closed` runs exactly once and the object frees itself once libuv has released its
// handles — callers drop their pointer in `closed`.
// Thread-safety: none; every call on the loop's thread.
#ifndef TOKENWARDEN_SERVER_REDIS_RESP_CONNECTION_H_
#define TOKENWARDEN_SERVER_REDIS_RESP_CONNECTION_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <openssl/base.h>
#include <uv.h>

#include "server/redis/resp_reader.h"
#include "server/redis/resp_value.h"

namespace tokenwarden::server::redis {

struct ConnectionOptions {
  std::string host;  // name or address literal (IPv6 without brackets)
  uint16_t port = 6379;
  SSL_CTX* tls = nullptr;  // non-null: TLS with this context (verification on); not owned
  uint32_t connect_timeout_ms = 2000;
  uint32_t command_timeout_ms = 1000;
};

class RespConnection {
 public:
  // A reply: a RespValue (which may be an error reply of the server), or the reason the
  // connection failed before it came.
  using ReplyFn = std::function<void(absl::StatusOr<RespValue>)>;
  using PushFn = std::function<void(RespValue)>;
  using ClosedFn = std::function<void(const absl::Status&)>;

  // Open starts connecting; `ready` runs once the connection (and TLS) is up, `closed` when
  // it fails or is closed.
  static RespConnection* Open(uv_loop_t* loop, ConnectionOptions options,
                              std::function<void()> ready, PushFn push, ClosedFn closed);

  // Send queues one command; `done` runs with its reply. Must not be called after Close.
  void Send(std::span<const std::string_view> argv, ReplyFn done);
  // Close fails every waiting command with `why`, runs `closed(why)`, and frees the object
  // later. Idempotent.
  void Close(const absl::Status& why);
  size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    ReplyFn done;
    uint64_t deadline_ms;
  };

  RespConnection(uv_loop_t* loop, ConnectionOptions options, std::function<void()> ready,
                 PushFn push, ClosedFn closed);
  ~RespConnection();
  void Resolve();
  void OnResolved(int status, addrinfo* result);
  void OnConnected(int status);
  void OnRead(ssize_t nread, const uv_buf_t* buf);
  void OnTick();
  absl::Status StartTls();
  // DriveTls advances the handshake or reads decrypted data after new ciphertext arrived.
  absl::Status DriveTls();
  absl::Status Feed(const char* data, size_t size);
  void Write(std::string bytes);
  // FlushTls sends what BoringSSL has put in its outgoing memory BIO.
  void FlushTls();
  void BecomeReady();
  void OnHandleClosed();
  // MaybeDelete frees the object once its handles are closed and no resolution is pending.
  void MaybeDelete();

  uv_loop_t* loop_;
  const ConnectionOptions options_;
  std::function<void()> ready_;
  PushFn push_;
  ClosedFn closed_;
  uv_tcp_t tcp_;
  uv_timer_t tick_;
  uv_getaddrinfo_t resolve_req_;
  uv_connect_t connect_req_;
  bool resolving_ = false;
  bool is_ready_ = false;
  bool closing_ = false;
  int open_handles_ = 0;
  uint64_t connect_deadline_ms_ = 0;
  RespReader reader_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // ciphertext in (owned by ssl_)
  BIO* wbio_ = nullptr;  // ciphertext out (owned by ssl_)
  std::deque<Waiting> waiting_;
  char read_buffer_[65536];
};

}  // namespace tokenwarden::server::redis

#endif  // TOKENWARDEN_SERVER_REDIS_RESP_CONNECTION_H_
