// File: tests/server/redis/test_redis.h
// -----------------------------------------------------------------------------
// Test helpers for the Redis suites:
//   FakeRedis    a scripted RESP2 server on 127.0.0.1 (its own thread): each command gets
//                what the test's reply function says, or no answer at all; connections can
//                be cut and the port closed and reopened, so every transition of RedisLink
//                can be driven on purpose;
//   RedisServer  a real redis-server child on a loopback port, without persistence (the Lua
//                script and SCAN/MGET of RevocationSync need the real thing);
//   RespClient   a blocking RESP2 client, to look into that server and publish to it;
//   LoopbackConfig and LogLines  the link's settings and its log, as the suites use them;
//   LinkedInstance  one instance's started link, for the suites of what runs over a link.
#ifndef TOKENWARDEN_TESTS_SERVER_REDIS_TEST_REDIS_H_
#define TOKENWARDEN_TESTS_SERVER_REDIS_TEST_REDIS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/status/statusor.h>

#include "server/config/config.h"
#include "server/redis/redis_link.h"
#include "server/redis/resp_reader.h"
#include "server/redis/resp_value.h"
#include "tests/server/eventually.h"

namespace tokenwarden::server::redis::testing {

using Argv = std::vector<std::string>;

// StatusReply, ErrorReply, IntegerReply, BulkReply and ArrayReply encode RESP2 replies.
std::string StatusReply(std::string_view text);
std::string ErrorReply(std::string_view text);
std::string IntegerReply(int64_t value);
std::string BulkReply(std::string_view text);
std::string ArrayReply(const std::vector<std::string>& encoded_elements);

// LoopbackConfig is the RedisConfig of redis://127.0.0.1:`port`, retrying after 20-200 ms
// (tests wait for reconnections).
RedisConfig LoopbackConfig(uint16_t port);

// LogLines keeps the lines a RedisLink or RevocationSync logs, from any thread.
class LogLines {
 public:
  std::function<void(std::string_view line)> Logger();
  // Count is the number of lines holding `needle`.
  int Count(std::string_view needle) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;  // guarded by mu_
};

// LinkedInstance is one tokenwarden instance's link to the Redis at `config`, started, with
// its log. A suite adds the store under test beside it, and stops the link in its own
// destructor first when the store must outlive the link's callbacks.
struct LinkedInstance {
  explicit LinkedInstance(const RedisConfig& config);
  ~LinkedInstance();  // stops the link
  LinkedInstance(const LinkedInstance&) = delete;
  LinkedInstance& operator=(const LinkedInstance&) = delete;

  LogLines log;
  std::unique_ptr<RedisLink> link;
};

class FakeRedis {
 public:
  // ReplyFn answers one command with encoded RESP (several replies may be concatenated); ""
  // sends nothing (a Redis that hangs).
  using ReplyFn = std::function<std::string(const Argv& argv)>;
  struct Command {
    int connection;  // accept order, from 1
    Argv argv;
    std::chrono::steady_clock::time_point at;  // when it arrived
  };

  FakeRedis();  // listening on a free port, answering with Redis's own replies (Default)
  ~FakeRedis();
  FakeRedis(const FakeRedis&) = delete;
  FakeRedis& operator=(const FakeRedis&) = delete;

  // Default is what Redis answers to the commands RedisLink sends: +OK to AUTH and SELECT,
  // +PONG to PING, one confirmation per channel to SUBSCRIBE, an error to anything else.
  static std::string Default(const Argv& argv);

  uint16_t port() const { return port_; }
  void SetReply(ReplyFn reply);
  // Publish sends a Pub/Sub message to every connection subscribed to `channel`, and Push
  // sends `raw` bytes to every subscribed connection.
  void Publish(const std::string& channel, const std::string& message);
  void Push(const std::string& raw);
  // DropAll closes every client connection (a restart, a network cut).
  void DropAll();
  // SetListening(false) closes the listening socket (connections are refused);
  // SetListening(true) listens on the same port again.
  void SetListening(bool listening);

  std::vector<Command> commands() const;
  // CommandsNamed is commands() whose argv[0] is `name`.
  std::vector<Command> CommandsNamed(std::string_view name) const;
  int accepted() const;

 private:
  struct Connection;
  void Run();
  void Listen();
  // OnServerThread runs `fn` on the server thread and waits for it.
  void OnServerThread(std::function<void()> fn);
  void Serve(Connection& c);
  void SendToSubscribers(const std::string& channel, const std::string& raw);

  uint16_t port_ = 0;
  int listen_fd_ = -1;  // server thread (and the constructor)
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::vector<std::unique_ptr<Connection>> connections_;  // server thread

  mutable std::mutex mu_;
  ReplyFn reply_;                            // guarded by mu_
  std::vector<Command> commands_;            // guarded by mu_
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  int accepted_ = 0;                         // guarded by mu_
};

class RespClient;

class RedisServer {
 public:
  // RedisServer picks a free loopback port and a scratch directory; Start runs redis-server
  // there (again after Stop, on the same port: the same address coming back empty).
  RedisServer();
  ~RedisServer();  // Stop()s
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Start returns once the server answers PING; false (with the reason on stderr) if it
  // cannot be run or does not answer within 10 s.
  bool Start();
  // Stop kills the server (SIGKILL: nothing is saved anyway) and waits for it.
  void Stop();
  uint16_t port() const { return port_; }
  // Client connects a new client to it (null on failure).
  std::unique_ptr<RespClient> Client() const;

 private:
  uint16_t port_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
};

class RespClient {
 public:
  static std::unique_ptr<RespClient> Connect(uint16_t port);
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Call sends one command and waits (up to 5 s) for its reply.
  absl::StatusOr<RespValue> Call(const Argv& argv);
  // Next waits up to `timeout_ms` for the next value the server pushes (after SUBSCRIBE).
  absl::StatusOr<RespValue> Next(int timeout_ms);

 private:
  explicit RespClient(int fd) : fd_(fd) {}
  int fd_;
  RespReader reader_;
  std::deque<RespValue> values_;
};

}  // namespace tokenwarden::server::redis::testing

#endif  // TOKENWARDEN_TESTS_SERVER_REDIS_TEST_REDIS_H_
