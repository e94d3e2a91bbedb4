// File: server/serve/access_log.h
// -----------------------------------------------------------------------------
// AccessLog writes one JSON line per response (off by default). Lines carry the method, the
// path without its query (a query could carry a token), status, latency, peer and the
// route's note — which names a token only by a short digest, never in full.
// Thread-safety: Write may run concurrently (each line is one write(2) to an O_APPEND fd).
#ifndef TOKENWARDEN_SERVER_SERVE_ACCESS_LOG_H_
#define TOKENWARDEN_SERVER_SERVE_ACCESS_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <absl/status/statusor.h>

#include "core/clock.h"
#include "server/http/message.h"

namespace tokenwarden::server {

class AccessLog {
 public:
  using Clock = std::function<int64_t()>;  // Unix milliseconds (tests pin it)
  // Open opens `path` for appending ("-" is stderr); lines are stamped with `clock`.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& path,
                                                         Clock clock = UnixNowMs);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Write(int worker, const http::Request* request, const http::Response& response,
             uint64_t latency_ns);

 private:
  AccessLog(int fd, bool owned, Clock clock) : fd_(fd), owned_(owned), clock_(std::move(clock)) {}
  int fd_;
  bool owned_;
  const Clock clock_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ACCESS_LOG_H_
