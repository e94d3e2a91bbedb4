#include "server/redis/shared_results.h"

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

#include "base/str_cat.h"
#include "server/upstream/introspection_response.h"

namespace tokenwarden::server::redis {
namespace {

// Waiter is what a Get waits on; shared with the link thread, which may answer after the
// caller gave up.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool error = false;
  std::optional<std::string> value;
};

}  // namespace

SharedResults::SharedResults(RedisLink& link, Clock clock)
    : link_(link), clock_(std::move(clock)), prefix_(link.config().key_prefix + "opaque:") {}

std::optional<upstream::SharedResult> SharedResults::Get(std::string_view key) {
  if (!link_.up()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  auto waiter = std::make_shared<Waiter>();
  const bool posted = link_.Post([this, waiter, name = prefix_ + std::string(key)] {
    link_.Command({"GET", name}, [waiter](absl::StatusOr<RespValue> r) {
      std::lock_guard<std::mutex> lock(waiter->mu);
      waiter->done = true;
      if (!r.ok() || r->is_error()) {
        waiter->error = true;
      } else if (r->type == RespValue::Type::kString) {
        waiter->value = std::move(r->str);
      }
      waiter->cv.notify_all();
    });
  });
  std::unique_lock<std::mutex> lock(waiter->mu);
  const bool answered =
      posted &&
      waiter->cv.wait_for(lock, std::chrono::milliseconds(link_.config().command_timeout_ms),
                          [&] { return waiter->done; });
  if (!answered || waiter->error) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  // "<expires_ms>\n<json>", bounded like an upstream answer.
  // Not `value ? *value : ""`: that conditional is a temporary std::string.
  std::string_view text;
  if (waiter->value.has_value()) {
    text = *waiter->value;
  }
  const size_t newline = text.find('\n');
  int64_t expires_ms = 0;
  if (newline == std::string_view::npos || text.size() > upstream::kMaxResponseBytes + 32 ||
      std::from_chars(text.data(), text.data() + newline, expires_ms).ptr !=
          text.data() + newline ||
      expires_ms <= clock_()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return upstream::SharedResult{expires_ms, std::string(text.substr(newline + 1))};
}

void SharedResults::Put(std::string_view key, const upstream::SharedResult& result) {
  const int64_t ttl_ms = result.expires_ms - clock_();
  if (ttl_ms <= 0 || !link_.up()) {
    return;
  }
  link_.Post([this, name = prefix_ + std::string(key),
              value = base::StrCat(result.expires_ms, "\n", result.json), ttl_ms] {
    link_.Command({"SET", name, value, "PX", std::to_string(ttl_ms)},
                  [this](absl::StatusOr<RespValue> r) {
                    if (!r.ok() || r->is_error()) {
                      errors_.fetch_add(1, std::memory_order_relaxed);
                    }
                  });
  });
}

void SharedResults::Delete(std::string_view key) {
  if (!link_.up()) {
    // The entry then lives until its PX; the instances' denylists (resynced through Redis
    // when it is back) already refuse the token.
    return;
  }
  link_.Post([this, name = prefix_ + std::string(key)] {
    link_.Command({"DEL", name}, [this](absl::StatusOr<RespValue> r) {
      if (!r.ok() || r->is_error()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
      }
    });
  });
}

}  // namespace tokenwarden::server::redis
