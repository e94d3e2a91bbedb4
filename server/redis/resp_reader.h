// File: server/redis/resp_reader.h
// -----------------------------------------------------------------------------
// The RESP2 wire format (the Redis protocol): RespReader turns the bytes a Redis server sends
// into RespValues, EncodeCommand writes a command. Our own, and bounded everywhere: hiredis
// 0.14's reader (Debian bookworm's) trusts an array header and allocates its element table up
// front, so six bytes ("*4e8\r\n"-like) from anything answering on Redis's address made it
// allocate gigabytes (found by fuzz/resp_reader_fuzzer.cc). Here an array's element count, a
// bulk string's length, nesting, a line's length and everything buffered are bounded, and
// nothing is allocated ahead of the bytes that justify it.
#ifndef TOKENWARDEN_SERVER_REDIS_RESP_READER_H_
#define TOKENWARDEN_SERVER_REDIS_RESP_READER_H_

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <absl/status/status.h>

#include "server/redis/resp_value.h"

namespace tokenwarden::server::redis {

// Thread-safety: none; one per connection.
class RespReader {
 public:
  // kMaxBufferedBytes bounds an unfinished reply: Redis is trusted infrastructure, but a
  // misbehaving one must not grow this process without bound.
  static constexpr size_t kMaxBufferedBytes = 8 << 20;
  static constexpr size_t kMaxBulkBytes = kMaxBufferedBytes;
  static constexpr size_t kMaxElements = 1 << 20;    // per array (our SCAN/MGET pages are small)
  static constexpr int kMaxDepth = 8;                // nested arrays
  static constexpr size_t kMaxLineBytes = 64 << 10;  // a status, error or length line

  // Feed parses `data` and calls `on_value` for every complete reply, in order, until it
  // returns false (then Feed returns at once; the rest stays buffered). Errors: kDataLoss for
  // bytes that are not RESP2 or exceed a bound (the stream is then unusable; every later Feed
  // fails too), kResourceExhausted past kMaxBufferedBytes.
  absl::Status Feed(std::string_view data, const std::function<bool(RespValue)>& on_value);

 private:
  std::string buffer_;  // received, not yet a complete reply
  std::string failed_;  // the first error; the stream is unusable after it
};

// EncodeCommand appends the RESP2 array of bulk strings for `argv` to `out`.
void EncodeCommand(std::span<const std::string_view> argv, std::string& out);

// AsPubSubMessage reads a pushed ["message", channel, payload] (RESP2 Pub/Sub); false for any
// other value (subscribe confirmations and the like). The views point into `value`.
bool AsPubSubMessage(const RespValue& value, std::string_view& channel, std::string_view& payload);

}  // namespace tokenwarden::server::redis

#endif  // TOKENWARDEN_SERVER_REDIS_RESP_READER_H_
