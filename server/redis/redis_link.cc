#include "server/redis/redis_link.h"

#include <utility>

#include <openssl/ssl.h>

#include "base/str_cat.h"
#include "server/fetch/tls_client.h"
#include "server/keys/backoff.h"
#include "server/redis/resp_reader.h"

namespace tokenwarden::server::redis {
namespace {

constexpr uint64_t kPingIntervalMs = 1000;

}  // namespace

absl::StatusOr<std::unique_ptr<RedisLink>> RedisLink::Create(const RedisConfig& config,
                                                             std::vector<std::string> channels,
                                                             Logger log) {
  bssl::UniquePtr<SSL_CTX> tls;
  if (config.tls) {
    absl::StatusOr<bssl::UniquePtr<SSL_CTX>> ctx = fetch::NewClientTlsContext(config.ca_file);
    if (!ctx.ok()) {
      return absl::Status(ctx.status().code(),
                          base::StrCat("redis.ca_file: ", ctx.status().message()));
    }
    tls = *std::move(ctx);
  }
  return std::unique_ptr<RedisLink>(
      new RedisLink(config, std::move(channels), std::move(log), std::move(tls)));
}

RedisLink::RedisLink(RedisConfig config, std::vector<std::string> channels, Logger log,
                     bssl::UniquePtr<SSL_CTX> tls)
    : config_(std::move(config)),
      channels_(std::move(channels)),
      log_(std::move(log)),
      tls_(std::move(tls)),
      rng_(std::random_device{}()) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &wake_, [](uv_async_t* a) { static_cast<RedisLink*>(a->data)->Drain(); });
  wake_.data = this;
  uv_timer_init(&loop_, &retry_);
  retry_.data = this;
  uv_timer_init(&loop_, &ping_);
  ping_.data = this;
}

RedisLink::~RedisLink() { Stop(); }

void RedisLink::Start() {
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void RedisLink::Run() {
  Connect();
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void RedisLink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  if (started_) {
    uv_async_send(&wake_);
    thread_.join();
  } else {
    Drain();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop_);
}

bool RedisLink::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return false;
    }
    posted_.push_back(std::move(fn));
  }
  uv_async_send(&wake_);
  return true;
}

void RedisLink::Drain() {
  std::vector<std::function<void()>> work;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    work.swap(posted_);
    stopping = stopping_;
  }
  for (auto& fn : work) {
    fn();
  }
  if (!stopping || shutting_down_) {
    return;
  }
  shutting_down_ = true;
  ++generation_;
  up_.store(false, std::memory_order_release);
  for (RespConnection* conn : {command_, subscriber_}) {
    if (conn != nullptr) {
      conn->Close(absl::CancelledError("shutting down"));
    }
  }
  command_ = subscriber_ = nullptr;
  uv_timer_stop(&retry_);
  uv_timer_stop(&ping_);
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&retry_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&ping_), nullptr);
}

ConnectionOptions RedisLink::Options() const {
  ConnectionOptions o;
  o.host = config_.host;
  o.port = config_.port;
  o.tls = tls_.get();
  o.connect_timeout_ms = config_.connect_timeout_ms;
  o.command_timeout_ms = config_.command_timeout_ms;
  return o;
}

void RedisLink::Connect() {
  if (shutting_down_) {
    return;
  }
  const uint64_t generation = ++generation_;
  command_ =
      RespConnection::Open(&loop_, Options(), IfCurrent(generation, &RedisLink::OnCommandReady),
                           nullptr, DownIfCurrent(generation));
}

std::function<void()> RedisLink::IfCurrent(uint64_t generation, void (RedisLink::*fn)()) {
  return [this, generation, fn] {
    if (generation == generation_) {
      (this->*fn)();
    }
  };
}

RespConnection::ClosedFn RedisLink::DownIfCurrent(uint64_t generation) {
  return [this, generation](const absl::Status& why) {
    if (generation == generation_) {
      Down(why);
    }
  };
}

void RedisLink::Setup(RespConnection* conn, bool select, std::function<void()> next) {
  const uint64_t generation = generation_;
  auto after_auth = [this, conn, select, generation, next = std::move(next)]() mutable {
    if (!select || config_.db == 0) {
      next();
      return;
    }
    const std::string db = std::to_string(config_.db);
    const std::string_view argv[] = {"SELECT", db};
    conn->Send(argv, [this, generation, next = std::move(next)](absl::StatusOr<RespValue> r) {
      if (generation != generation_ || !r.ok()) {
        return;  // a failed connection reports itself through `closed`
      }
      if (!r->IsStatus("OK")) {
        Down(absl::FailedPreconditionError(base::StrCat("SELECT refused: ", r->str)));
        return;
      }
      next();
    });
  };
  if (config_.password.empty()) {
    after_auth();
    return;
  }
  std::vector<std::string_view> argv = {"AUTH"};
  if (!config_.username.empty()) {
    argv.push_back(config_.username);
  }
  argv.push_back(config_.password);
  conn->Send(argv, [this, generation,
                    after_auth = std::move(after_auth)](absl::StatusOr<RespValue> r) mutable {
    if (generation != generation_ || !r.ok()) {
      return;
    }
    if (!r->IsStatus("OK")) {
      // Redis's error text (WRONGPASS ..., NOAUTH ...) never repeats the password.
      Down(absl::UnauthenticatedError(base::StrCat("AUTH refused: ", r->str)));
      return;
    }
    after_auth();
  });
}

void RedisLink::OnCommandReady() {
  const uint64_t generation = generation_;
  Setup(command_, /*select=*/true, [this, generation] {
    subscriber_ = RespConnection::Open(
        &loop_, Options(), IfCurrent(generation, &RedisLink::OnSubscriberReady),
        [this, generation](const RespValue& push) {
          std::string_view channel;
          std::string_view message;
          if (generation != generation_ || !AsPubSubMessage(push, channel, message)) {
            return;  // further subscribe confirmations
          }
          if (hooks_.on_message) {
            hooks_.on_message(channel, message);
          }
        },
        DownIfCurrent(generation));
  });
}

void RedisLink::OnSubscriberReady() {
  const uint64_t generation = generation_;
  Setup(subscriber_, /*select=*/false, [this, generation] {
    std::vector<std::string_view> argv = {"SUBSCRIBE"};
    for (const std::string& c : channels_) {
      argv.push_back(c);
    }
    subscriber_->Send(argv, [this, generation](absl::StatusOr<RespValue> r) {
      if (generation != generation_ || !r.ok()) {
        return;
      }
      if (r->type != RespValue::Type::kArray || r->elements.empty() ||
          r->elements[0].str != "subscribe") {
        Down(absl::FailedPreconditionError(
            base::StrCat("SUBSCRIBE refused: ", r->is_error() ? r->str : "unexpected reply")));
        return;
      }
      const bool again = connects_.load(std::memory_order_relaxed) > 0;
      up_.store(true, std::memory_order_release);
      attempted_.store(true, std::memory_order_release);
      connects_.fetch_add(1, std::memory_order_relaxed);
      failures_ = 0;
      logged_failure_ = false;
      if (log_) {
        log_(base::StrCat("redis: ", again ? "reconnected to " : "connected to ", config_.url));
      }
      uv_timer_start(
          &ping_, [](uv_timer_t* t) { static_cast<RedisLink*>(t->data)->Ping(); }, kPingIntervalMs,
          kPingIntervalMs);
      if (hooks_.on_up) {
        hooks_.on_up();
      }
    });
  });
}

void RedisLink::Command(std::vector<std::string> argv, RespConnection::ReplyFn done) {
  if (!up_.load(std::memory_order_relaxed) || command_ == nullptr) {
    done(absl::UnavailableError("Redis is not connected"));
    return;
  }
  std::vector<std::string_view> views(argv.begin(), argv.end());
  command_->Send(views, std::move(done));
}

void RedisLink::Ping() {
  const uint64_t generation = generation_;
  Command({"PING"}, [this, generation](absl::StatusOr<RespValue> r) {
    if (generation == generation_ && r.ok() && r->is_error()) {
      Down(absl::UnavailableError(base::StrCat("PING answered ", r->str)));
    }
  });
}

void RedisLink::Down(const absl::Status& why) {
  if (shutting_down_) {
    return;
  }
  const bool was_up = up_.exchange(false, std::memory_order_acq_rel);
  attempted_.store(true, std::memory_order_release);
  errors_.fetch_add(1, std::memory_order_relaxed);
  ++generation_;
  uv_timer_stop(&ping_);
  RespConnection* command = command_;
  RespConnection* subscriber = subscriber_;
  command_ = subscriber_ = nullptr;
  for (RespConnection* conn : {command, subscriber}) {
    if (conn != nullptr) {
      conn->Close(why);
    }
  }
  if (log_ != nullptr && (was_up || !logged_failure_)) {
    log_(base::StrCat("redis: ", was_up ? "connection lost: " : "cannot connect: ", why.message(),
                      "; retrying with backoff up to ", config_.reconnect_max_ms, " ms",
                      was_up ? "" : " (logged once until a connection succeeds)"));
    logged_failure_ = !was_up;
  }
  if (was_up && hooks_.on_down) {
    hooks_.on_down(why);
  }
  ScheduleReconnect();
}

void RedisLink::ScheduleReconnect() {
  ++failures_;
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  const int64_t delay =
      keys::BackoffMs(failures_, config_.reconnect_min_ms, config_.reconnect_max_ms, unit);
  uv_timer_start(
      &retry_, [](uv_timer_t* t) { static_cast<RedisLink*>(t->data)->Connect(); },
      static_cast<uint64_t>(delay), 0);
}

}  // namespace tokenwarden::server::redis
