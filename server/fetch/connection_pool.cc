#include "server/fetch/connection_pool.h"

#include <utility>

#include <absl/status/status.h>
#include <openssl/ssl.h>

#include "base/str_cat.h"

namespace tokenwarden::server::fetch {

ConnectionPool::ConnectionPool(size_t max_connections, uint32_t idle_timeout_ms)
    : max_connections_(max_connections < 1 ? 1 : max_connections), idle_timeout_(idle_timeout_ms) {
  reaper_ = std::thread([this] { Reap(); });
}

ConnectionPool::~ConnectionPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  reaper_.join();
}

std::unique_ptr<Connection> ConnectionPool::TakeIdle(const std::string& origin) {
  for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
    if (it->origin == origin) {
      std::unique_ptr<Connection> out = std::move(it->connection);
      idle_.erase(std::next(it).base());
      return out;
    }
  }
  return nullptr;
}

void ConnectionPool::CloseExpired(Clock::time_point now) {
  while (!idle_.empty() && now - idle_.front().since >= idle_timeout_) {
    idle_.pop_front();  // closes it
  }
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Acquire(const std::string& origin,
                                                                    const Deadline& deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  CloseExpired(Clock::now());
  while (in_use_ + idle_.size() >= max_connections_) {
    if (!idle_.empty()) {
      // Full, but with idle connections: ours are taken below; another origin's (a
      // discovery document that moved the endpoint) gives its place up.
      bool ours = false;
      for (const Idle& idle : idle_) {
        ours = ours || idle.origin == origin;
      }
      if (!ours) {
        idle_.pop_front();
      }
      break;
    }
    if (!freed_.wait_until(lock, deadline.at, [this] {
          return in_use_ + idle_.size() < max_connections_ || !idle_.empty();
        })) {
      return absl::DeadlineExceededError(base::StrCat(
          "all ", max_connections_, " connections to the endpoint stayed busy until the deadline"));
    }
  }
  ++in_use_;
  // The most recently used first: the likeliest to be open, and the others may expire.
  while (std::unique_ptr<Connection> connection = TakeIdle(origin)) {
    if (connection->IdleAndOpen()) {
      return connection;
    }
  }
  return nullptr;
}

void ConnectionPool::Release(const std::string& origin, std::unique_ptr<Connection> connection) {
  bool first_idle = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_use_;
    if (connection != nullptr && !stop_) {
      first_idle = idle_.empty();
      idle_.push_back(Idle{origin, std::move(connection), Clock::now()});
    }
  }
  freed_.notify_one();
  if (first_idle) {
    // The reaper sleeps until the oldest idle connection expires; a newer one expires later,
    // so only an empty pool's first one needs to wake it (not every call).
    changed_.notify_one();
  }
}

void ConnectionPool::KeepSession(const std::string& origin, bssl::UniquePtr<SSL_SESSION> session) {
  if (session == nullptr) {
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[origin] = std::move(session);
}

bssl::UniquePtr<SSL_SESSION> ConnectionPool::Session(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = sessions_.find(origin);
  if (it == sessions_.end()) {
    return nullptr;
  }
  if (SSL_SESSION_should_be_single_use(it->second.get()) == 1) {
    bssl::UniquePtr<SSL_SESSION> out = std::move(it->second);
    sessions_.erase(it);
    return out;
  }
  SSL_SESSION_up_ref(it->second.get());
  return bssl::UniquePtr<SSL_SESSION>(it->second.get());
}

void ConnectionPool::Reap() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    CloseExpired(Clock::now());
    if (idle_.empty()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, idle_.front().since + idle_timeout_);
    }
  }
  idle_.clear();
}

}  // namespace tokenwarden::server::fetch
