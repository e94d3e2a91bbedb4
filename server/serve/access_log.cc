#include "server/serve/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <absl/strings/str_format.h>

#include "base/ascii.h"
#include "base/json_escape.h"
#include "base/str_cat.h"

namespace tokenwarden::server {

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path, Clock clock) {
  if (path == "-") {
    return std::unique_ptr<AccessLog>(new AccessLog(STDERR_FILENO, false, std::move(clock)));
  }
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        base::StrCat("access_log.path: cannot open \"", path, "\": ", std::strerror(errno)));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(fd, true, std::move(clock)));
}

AccessLog::~AccessLog() {
  if (owned_) {
    close(fd_);
  }
}

void AccessLog::Write(int worker, const http::Request* request, const http::Response& response,
                      uint64_t latency_ns) {
  const int64_t now_ms = clock_();
  const time_t seconds = static_cast<time_t>(now_ms / 1000);
  tm utc;
  gmtime_r(&seconds, &utc);
  std::string line =
      absl::StrFormat("{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"worker\":%d",
                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                      utc.tm_sec, static_cast<long>(now_ms % 1000), worker);
  if (request != nullptr) {
    line.append(",\"peer\":");
    base::AppendJsonQuoted(request->peer, line);
    line.append(",\"method\":");
    base::AppendJsonQuoted(request->method.substr(0, 16), line);
    line.append(",\"path\":");
    base::AppendJsonQuoted(request->path.substr(0, 256), line);
  }
  base::StrAppend(&line, ",\"status\":", response.status, ",\"duration_us\":", latency_ns / 1000);
  if (!response.log_note.empty()) {
    line.append(",\"note\":");
    base::AppendJsonQuoted(response.log_note, line);
  }
  line.append("}\n");
  // One write per line: O_APPEND keeps concurrent lines whole. A full disk drops the line
  // rather than stalling the worker.
  (void)!write(fd_, line.data(), line.size());
}

}  // namespace tokenwarden::server
