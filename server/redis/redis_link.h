// File: server/redis/redis_link.h
// -----------------------------------------------------------------------------
// RedisLink is a tokenwarden instance's connection to the Redis it shares with the other
// instances: a thread of its own running a libuv loop, with two connections — one for
// commands, one subscribed to the link's channels — set up (AUTH, SELECT, SUBSCRIBE) before
// the link counts as up. While up, a PING each second checks the command connection; any
// failure (a timeout, a dropped or refused connection, an error reply during set-up) closes
// both and retries after an exponential backoff with jitter (reconnect_min_ms ..
// reconnect_max_ms). One log line per state change, never a password.
//
// The link's users (revocation_sync, shared_results) run their protocol on the link thread:
// Post() hands work over from any thread; Command() is for the link thread.
// Thread-safety: Post, up() and the counters from any thread; the rest on the link thread.
#ifndef TOKENWARDEN_SERVER_REDIS_REDIS_LINK_H_
#define TOKENWARDEN_SERVER_REDIS_REDIS_LINK_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <openssl/base.h>
#include <uv.h>

#include "server/config/config.h"
#include "server/redis/resp_connection.h"

namespace tokenwarden::server::redis {

class RedisLink {
 public:
  using Logger = std::function<void(std::string_view line)>;
  struct Hooks {
    // on_up runs (link thread) each time the link comes up: subscribed, commands possible.
    std::function<void()> on_up;
    // on_message runs (link thread) for each message published on a subscribed channel.
    std::function<void(std::string_view channel, std::string_view message)> on_message;
    // on_down runs (link thread) when an up link goes down.
    std::function<void(const absl::Status& why)> on_down;
  };

  // Create checks the settings (the CA file for rediss://); Start() starts connecting.
  static absl::StatusOr<std::unique_ptr<RedisLink>> Create(const RedisConfig& config,
                                                           std::vector<std::string> channels,
                                                           Logger log);
  ~RedisLink();  // Stop()s
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // SetHooks must precede Start.
  void SetHooks(Hooks hooks) { hooks_ = std::move(hooks); }
  void Start();
  // Stop closes the connections and joins the thread; later Posts are refused. Idempotent.
  void Stop();

  // Post runs `fn` on the link thread; false (and `fn` dropped) once stopping.
  bool Post(std::function<void()> fn);
  // Command sends `argv` on the command connection (link thread only). While the link is down
  // `done` gets kUnavailable at once.
  void Command(std::vector<std::string> argv, RespConnection::ReplyFn done);

  bool up() const { return up_.load(std::memory_order_acquire); }
  // attempted: a connection attempt has finished (either way) since Start.
  bool attempted() const { return attempted_.load(std::memory_order_acquire); }
  uint64_t connects() const { return connects_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  const RedisConfig& config() const { return config_; }

 private:
  RedisLink(RedisConfig config, std::vector<std::string> channels, Logger log,
            bssl::UniquePtr<SSL_CTX> tls);
  void Run();
  void Drain();  // runs posted work
  void Connect();
  void OnCommandReady();
  void OnSubscriberReady();
  // IfCurrent and DownIfCurrent wrap a connection's callbacks so they act only while
  // `generation` is the live one: callbacks of connections a Down already replaced are dropped.
  std::function<void()> IfCurrent(uint64_t generation, void (RedisLink::*fn)());
  RespConnection::ClosedFn DownIfCurrent(uint64_t generation);
  // Setup sends AUTH and SELECT on `conn`, then runs `next`.
  void Setup(RespConnection* conn, bool select, std::function<void()> next);
  void Down(const absl::Status& why);
  void ScheduleReconnect();
  void Ping();
  ConnectionOptions Options() const;

  const RedisConfig config_;
  const std::vector<std::string> channels_;
  const Logger log_;
  bssl::UniquePtr<SSL_CTX> tls_;
  Hooks hooks_;

  std::thread thread_;
  uv_loop_t loop_;
  uv_async_t wake_;
  uv_timer_t retry_;
  uv_timer_t ping_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;  // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  bool started_ = false;

  // Link thread only.
  RespConnection* command_ = nullptr;
  RespConnection* subscriber_ = nullptr;
  uint64_t generation_ = 0;  // bumped by Down: callbacks of older connections are ignored
  int failures_ = 0;
  bool logged_failure_ = false;
  bool shutting_down_ = false;
  std::minstd_rand rng_;

  std::atomic<bool> up_{false};
  std::atomic<bool> attempted_{false};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace tokenwarden::server::redis

#endif  // TOKENWARDEN_SERVER_REDIS_REDIS_LINK_H_
