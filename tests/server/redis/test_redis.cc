#include "tests/server/redis/test_redis.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <utility>

#include <absl/status/status.h>

extern char** environ;

namespace tokenwarden::server::redis::testing {
namespace {

int LoopbackSocket() { return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); }

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// BindLoopback binds `fd` to 127.0.0.1:`port` (0: any free port) and returns the port, or 0.
uint16_t BindLoopback(int fd, uint16_t port) {
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return 0;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return s;
}

}  // namespace

std::string StatusReply(std::string_view text) { return "+" + std::string(text) + "\r\n"; }
std::string ErrorReply(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
std::string IntegerReply(int64_t value) { return ":" + std::to_string(value) + "\r\n"; }
std::string BulkReply(std::string_view text) {
  return "$" + std::to_string(text.size()) + "\r\n" + std::string(text) + "\r\n";
}
std::string ArrayReply(const std::vector<std::string>& encoded_elements) {
  std::string out = "*" + std::to_string(encoded_elements.size()) + "\r\n";
  for (const std::string& e : encoded_elements) {
    out += e;
  }
  return out;
}

RedisConfig LoopbackConfig(uint16_t port) {
  RedisConfig config;
  config.url = "redis://127.0.0.1:" + std::to_string(port);
  config.host = "127.0.0.1";
  config.port = port;
  config.reconnect_min_ms = 20;
  config.reconnect_max_ms = 200;
  return config;
}

LinkedInstance::LinkedInstance(const RedisConfig& config) {
  absl::StatusOr<std::unique_ptr<RedisLink>> made =
      RedisLink::Create(config, {"tw:revocations"}, log.Logger());
  if (!made.ok()) {  // the loopback settings are the suites' own: a broken helper
    std::fprintf(stderr, "LinkedInstance: %s\n", std::string(made.status().message()).c_str());
    std::abort();
  }
  link = *std::move(made);
  link->Start();
}

LinkedInstance::~LinkedInstance() { link->Stop(); }

std::function<void(std::string_view line)> LogLines::Logger() {
  return [this](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  };
}

int LogLines::Count(std::string_view needle) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count_if(lines_.begin(), lines_.end(), [&](const std::string& l) {
    return l.find(needle) != std::string::npos;
  }));
}

// ---------------------------------------------------------------------------------------------
// FakeRedis

struct FakeRedis::Connection {
  int id = 0;
  int fd = -1;
  RespReader reader;
  std::set<std::string> channels;
};

FakeRedis::FakeRedis() : reply_(&FakeRedis::Default) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::abort();
  }
  Listen();
  thread_ = std::thread([this] { Run(); });
}

FakeRedis::~FakeRedis() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  const char byte = 0;
  (void)!write(wake_[1], &byte, 1);
  thread_.join();
  for (const auto& c : connections_) {
    close(c->fd);
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
  }
  close(wake_[0]);
  close(wake_[1]);
}

std::string FakeRedis::Default(const Argv& argv) {
  const std::string name = argv.empty() ? "" : Upper(argv[0]);
  if (name == "AUTH" || name == "SELECT") {
    return StatusReply("OK");
  }
  if (name == "PING") {
    return StatusReply("PONG");
  }
  if (name == "SUBSCRIBE") {
    std::string out;
    for (size_t i = 1; i < argv.size(); ++i) {
      out += ArrayReply(
          {BulkReply("subscribe"), BulkReply(argv[i]), IntegerReply(static_cast<int64_t>(i))});
    }
    return out;
  }
  return ErrorReply("ERR unknown command '" + (argv.empty() ? "" : argv[0]) + "'");
}

void FakeRedis::Listen() {
  listen_fd_ = LoopbackSocket();
  const uint16_t port = BindLoopback(listen_fd_, port_);
  if (port == 0 || listen(listen_fd_, 64) != 0) {
    std::perror("FakeRedis: listen");
    std::abort();
  }
  port_ = port;
}

void FakeRedis::SetReply(ReplyFn reply) {
  std::lock_guard<std::mutex> lock(mu_);
  reply_ = std::move(reply);
}

void FakeRedis::OnServerThread(std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
  }
  const char byte = 0;
  (void)!write(wake_[1], &byte, 1);
  finished.wait();
}

void FakeRedis::SendToSubscribers(const std::string& channel, const std::string& raw) {
  for (const auto& c : connections_) {
    if (!c->channels.empty() && (channel.empty() || c->channels.count(channel) > 0)) {
      WriteAll(c->fd, raw);
    }
  }
}

void FakeRedis::Publish(const std::string& channel, const std::string& message) {
  OnServerThread([this, channel, message] {
    SendToSubscribers(channel,
                      ArrayReply({BulkReply("message"), BulkReply(channel), BulkReply(message)}));
  });
}

void FakeRedis::Push(const std::string& raw) {
  OnServerThread([this, raw] { SendToSubscribers("", raw); });
}

void FakeRedis::DropAll() {
  OnServerThread([this] {
    for (const auto& c : connections_) {
      close(c->fd);
    }
    connections_.clear();
  });
}

void FakeRedis::SetListening(bool listening) {
  OnServerThread([this, listening] {
    if (!listening && listen_fd_ >= 0) {
      close(listen_fd_);
      listen_fd_ = -1;
    } else if (listening && listen_fd_ < 0) {
      Listen();
    }
  });
}

std::vector<FakeRedis::Command> FakeRedis::commands() const {
  std::lock_guard<std::mutex> lock(mu_);
  return commands_;
}

std::vector<FakeRedis::Command> FakeRedis::CommandsNamed(std::string_view name) const {
  std::vector<Command> out;
  for (Command& c : commands()) {
    if (!c.argv.empty() && Upper(c.argv[0]) == Upper(std::string(name))) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

int FakeRedis::accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

void FakeRedis::Run() {
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    if (listen_fd_ >= 0) {
      fds.push_back({listen_fd_, POLLIN, 0});
    }
    for (const auto& c : connections_) {
      fds.push_back({c->fd, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      std::abort();
    }
    char drain[64];
    while (read(wake_[0], drain, sizeof drain) > 0) {
    }
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) {
        return;
      }
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) {
      task();
    }
    if (!tasks.empty()) {
      continue;  // the tasks may have changed the sockets polled
    }
    if (listen_fd_ >= 0 && (fds[1].revents & POLLIN) != 0) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        std::lock_guard<std::mutex> lock(mu_);
        c->id = ++accepted_;
        connections_.push_back(std::move(c));
      }
    }
    const size_t first = listen_fd_ >= 0 ? 2 : 1;
    std::vector<int> readable;
    for (size_t i = first; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        readable.push_back(fds[i].fd);
      }
    }
    for (const int fd : readable) {
      auto it = std::find_if(connections_.begin(), connections_.end(),
                             [fd](const auto& c) { return c->fd == fd; });
      if (it != connections_.end()) {
        Serve(**it);
      }
    }
    std::erase_if(connections_, [](const auto& c) { return c->fd < 0; });
  }
}

void FakeRedis::Serve(Connection& c) {
  char buf[65536];
  const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
  if (n <= 0) {
    close(c.fd);
    c.fd = -1;
    return;
  }
  std::vector<Argv> received;
  const absl::Status s =
      c.reader.Feed(std::string_view(buf, static_cast<size_t>(n)), [&](RespValue v) {
        Argv argv;
        for (const RespValue& e : v.elements) {
          argv.push_back(e.str);
        }
        received.push_back(std::move(argv));
        return true;
      });
  std::string out;
  for (const Argv& argv : received) {
    ReplyFn reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      commands_.push_back(Command{c.id, argv, std::chrono::steady_clock::now()});
      reply = reply_;
    }
    out += reply(argv);
    if (!argv.empty() && Upper(argv[0]) == "SUBSCRIBE") {
      c.channels.insert(argv.begin() + 1, argv.end());
    }
  }
  if (!s.ok() || !WriteAll(c.fd, out)) {
    close(c.fd);
    c.fd = -1;
  }
}

// ---------------------------------------------------------------------------------------------
// RedisServer

RedisServer::RedisServer() {
  // A port nobody holds now; redis-server binds it with SO_REUSEADDR like everyone.
  const int fd = LoopbackSocket();
  port_ = BindLoopback(fd, 0);
  close(fd);
  char dir[] = "/tmp/tokenwarden-redis-test-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    std::abort();
  }
  dir_ = dir;
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool RedisServer::Start() {
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  const char* argv[] = {"redis-server", "--port",      port.c_str(), "--bind",
                        "127.0.0.1",    "--save",      "",           "--appendonly",
                        "no",           "--dir",       dir_.c_str(), "--logfile",
                        log.c_str(),    "--daemonize", "no",         nullptr};
  if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, const_cast<char* const*>(argv),
                   environ) != 0) {
    std::fprintf(stderr, "RedisServer: cannot run redis-server (scripts/bootstrap installs it)\n");
    pid_ = -1;
    return false;
  }
  const bool up = tokenwarden::testing::Eventually([&] {
    std::unique_ptr<RespClient> client = Client();
    if (client == nullptr) {
      return false;
    }
    absl::StatusOr<RespValue> pong = client->Call({"PING"});
    return pong.ok() && pong->IsStatus("PONG");
  });
  if (!up) {
    std::fprintf(stderr, "RedisServer: redis-server did not answer on port %u (log: %s)\n",
                 static_cast<unsigned>(port_), log.c_str());
  }
  return up;
}

void RedisServer::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

std::unique_ptr<RespClient> RedisServer::Client() const { return RespClient::Connect(port_); }

// ---------------------------------------------------------------------------------------------
// RespClient

std::unique_ptr<RespClient> RespClient::Connect(uint16_t port) {
  const int fd = LoopbackSocket();
  sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return nullptr;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<RespClient>(new RespClient(fd));
}

RespClient::~RespClient() { close(fd_); }

absl::StatusOr<RespValue> RespClient::Call(const Argv& argv) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  std::string bytes;
  EncodeCommand(views, bytes);
  if (!WriteAll(fd_, bytes)) {
    return absl::UnavailableError("write failed");
  }
  return Next(5000);
}

absl::StatusOr<RespValue> RespClient::Next(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (values_.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return absl::DeadlineExceededError("no reply");
    }
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      return absl::UnavailableError("connection closed");
    }
    const absl::Status s =
        reader_.Feed(std::string_view(buf, static_cast<size_t>(n)), [&](RespValue v) {
          values_.push_back(std::move(v));
          return true;
        });
    if (!s.ok()) {
      return s;
    }
  }
  RespValue v = std::move(values_.front());
  values_.pop_front();
  return v;
}

}  // namespace tokenwarden::server::redis::testing
