// File: server/serve/access_log.h
// -----------------------------------------------------------------------------
// AccessLog writes one JSON line per response (off by default). Lines carry the method, the
// path without its query (a query could carry a token), status, latency, peer and the
// route's note — which names a token only by a short digest, never in full.
// Thread-safety: Write may run concurrently (each line is one write(2) to an O_APPEND fd).
#ifndef TOKENWARDEN_SERVER_SERVE_ACCESS_LOG_H_
#define TOKENWARDEN_SERVER_SERVE_ACCESS_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include <absl/status/statusor.h>

#include "server/http/message.h"

namespace tokenwarden::server {

class AccessLog {
 public:
  // Open opens `path` for appending ("-" is stderr).
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Write(int worker, const http::Request* request, const http::Response& response,
             uint64_t latency_ns);

 private:
  explicit AccessLog(int fd, bool owned) : fd_(fd), owned_(owned) {}
  int fd_;
  bool owned_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ACCESS_LOG_H_
