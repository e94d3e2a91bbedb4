#include "server/http/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "server/http/listener.h"
#include "server/http/worker.h"

namespace tokenwarden::server::http {

struct HttpServer::Impl {
  enum class State { kCreated, kRunning, kDraining, kStopped };

  ServerShared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::string> bound;  // fixed after Create
  // std::mutex, not absl::Mutex: Debian's abseil is not TSan-instrumented, so TSan would not
  // see the ordering (see base/mutex.h).
  std::mutex mu;
  State state = State::kCreated;  // guarded by mu
};

namespace {

// ListenEverywhere gives every worker its own socket on `address`. With port 0 the first
// socket picks the port and the others bind that one. Returns the bound address.
absl::StatusOr<std::string> ListenEverywhere(const ListenAddress& address,
                                             std::vector<std::unique_ptr<Worker>>& workers) {
  uint16_t port = PortOf(address.addr);
  if (port != 0) {
    if (absl::Status free = CheckAddressFree(address); !free.ok()) {
      return free;
    }
  }
  std::string bound;
  for (const auto& worker : workers) {
    absl::StatusOr<int> fd = OpenListenSocket(address, port);
    if (!fd.ok()) {
      return fd.status();
    }
    if (bound.empty()) {
      absl::StatusOr<sockaddr_storage> local = LocalAddress(*fd);
      if (!local.ok()) {
        close(*fd);
        return local.status();
      }
      port = PortOf(*local);
      bound = FormatAddress(reinterpret_cast<const sockaddr*>(&*local));
    }
    absl::Status status = worker->Listen(*fd, address.text);
    if (!status.ok()) {
      return status;
    }
  }
  return bound;
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(0); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(ServerOptions options,
                                                               Handler handler,
                                                               Completion completion) {
  if (!handler) {
    return absl::InvalidArgumentError("http server: no handler");
  }
  if (options.workers < 1) {
    return absl::InvalidArgumentError("http server: workers must be at least 1");
  }
  if (options.first_worker < 0) {
    return absl::InvalidArgumentError("http server: first_worker must not be negative");
  }
  if (options.listen.empty()) {
    return absl::InvalidArgumentError("http server: no listen address");
  }
  std::vector<ListenAddress> addresses;
  for (const std::string& text : options.listen) {
    absl::StatusOr<ListenAddress> address = ParseListenAddress(text);
    if (!address.ok()) {
      return address.status();
    }
    addresses.push_back(*std::move(address));
  }
  auto impl = std::make_unique<Impl>();
  impl->shared.limits = options.limits;
  impl->shared.sources = std::make_unique<SourceLimiter>(options.limits.max_connections_per_source);
  impl->shared.handler = std::move(handler);
  impl->shared.completion = std::move(completion);
  impl->shared.unix_now = options.unix_now ? std::move(options.unix_now) : [] {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  };
  for (int i = 0; i < options.workers; ++i) {
    impl->workers.push_back(std::make_unique<Worker>(options.first_worker + i, impl->shared));
  }
  // From here a failure returns through ~HttpServer, which closes what was opened.
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(impl)));
  Impl& self = *server->impl_;
  for (const auto& worker : self.workers) {
    absl::Status status = worker->Init();
    if (!status.ok()) {
      return status;
    }
  }
  for (const ListenAddress& address : addresses) {
    absl::StatusOr<std::string> bound = ListenEverywhere(address, self.workers);
    if (!bound.ok()) {
      return bound.status();
    }
    self.bound.push_back(*std::move(bound));
  }
  return server;
}

void HttpServer::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->state != Impl::State::kCreated) {
    return;
  }
  for (const auto& worker : impl_->workers) {
    worker->Start();
  }
  impl_->state = Impl::State::kRunning;
}

void HttpServer::Stop(uint32_t drain_timeout_ms) {
  // Held while joining: a concurrent Stop returns once the first one has finished.
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->state == Impl::State::kCreated) {
    for (const auto& worker : impl_->workers) {
      worker->CloseUnstarted();
    }
  } else if (impl_->state != Impl::State::kStopped) {
    if (impl_->state == Impl::State::kRunning) {
      for (const auto& worker : impl_->workers) {
        worker->Stop(drain_timeout_ms);
      }
    }
    for (const auto& worker : impl_->workers) {
      worker->Join();
    }
  }
  impl_->state = Impl::State::kStopped;
}

void HttpServer::Drain(uint32_t drain_timeout_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->state != Impl::State::kRunning) {
    return;
  }
  // Worker::Stop may be sent once: the kDraining state keeps Stop from sending it again.
  for (const auto& worker : impl_->workers) {
    worker->Stop(drain_timeout_ms);
  }
  impl_->state = Impl::State::kDraining;
}

std::vector<std::string> HttpServer::BoundAddresses() const { return impl_->bound; }

ServerStats HttpServer::Stats() const {
  ServerStats stats;
  stats.open_connections = impl_->shared.open_connections.load(std::memory_order_relaxed);
  stats.accepted = impl_->shared.accepted.load(std::memory_order_relaxed);
  stats.refused = impl_->shared.refused.load(std::memory_order_relaxed);
  stats.evicted = impl_->shared.evicted.load(std::memory_order_relaxed);
  stats.refused_per_source = impl_->shared.refused_per_source.load(std::memory_order_relaxed);
  stats.timed_out = impl_->shared.timed_out.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace tokenwarden::server::http
