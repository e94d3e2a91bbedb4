// File: server/redis/shared_results.h
// -----------------------------------------------------------------------------
// SharedResults keeps upstream introspection answers in Redis for every instance:
//   <prefix>opaque:<64 hex digest of issuer and token> = "<expires_ms>\n<RFC 7662 JSON>"
// with PX = the remaining lifetime the introspector computed (its positive or negative ttl).
// A Get waits at most command_timeout_ms and answers "nothing" when Redis is down or slow:
// the caller then asks the issuer, as without Redis. Entries that do not parse are ignored.
// Put and Delete (an answer the issuer's revocation made stale) are sent without waiting.
// Thread-safety: Get, Put and Delete from any thread (introspector threads); they run on
// the link.
#ifndef TOKENWARDEN_SERVER_REDIS_SHARED_RESULTS_H_
#define TOKENWARDEN_SERVER_REDIS_SHARED_RESULTS_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/redis/redis_link.h"
#include "server/upstream/shared_result_store.h"

namespace tokenwarden::server::redis {

class SharedResults final : public upstream::SharedResultStore {
 public:
  using Clock = std::function<int64_t()>;  // Unix milliseconds
  SharedResults(RedisLink& link, Clock clock);

  std::optional<upstream::SharedResult> Get(std::string_view key) override;
  void Put(std::string_view key, const upstream::SharedResult& result) override;
  void Delete(std::string_view key) override;

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  RedisLink& link_;
  const Clock clock_;
  const std::string prefix_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace tokenwarden::server::redis

#endif  // TOKENWARDEN_SERVER_REDIS_SHARED_RESULTS_H_
