// File: server/http/date_cache.h
// -----------------------------------------------------------------------------
// DateCache holds the HTTP Date header value (RFC 9110 §5.6.7 IMF-fixdate), formatted at most
// once per second.
#ifndef TOKENWARDEN_SERVER_HTTP_DATE_CACHE_H_
#define TOKENWARDEN_SERVER_HTTP_DATE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tokenwarden::server::http {

// DateCache formats the current time as "Sun, 06 Nov 1994 08:49:37 GMT" and reuses the text
// for the rest of the second. Independent of the locale.
// Thread-safety: none; each worker loop owns one.
class DateCache {
 public:
  // At returns the date for `now` (Unix seconds), reformatting only when it changed. The view
  // is valid until the next call. The caller reads the clock (http::ServerOptions::unix_now).
  std::string_view At(int64_t now);

 private:
  int64_t second_ = -1;
  char text_[64] = {};
  size_t len_ = 0;
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_DATE_CACHE_H_
