// File: server/http/response_writer.h
// -----------------------------------------------------------------------------
// The bytes of a response: status line, the transport's own headers, the handler's, the body;
// and the transport's own error replies.
#ifndef TOKENWARDEN_SERVER_HTTP_RESPONSE_WRITER_H_
#define TOKENWARDEN_SERVER_HTTP_RESPONSE_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace tokenwarden::server::http {

// kContinueResponse is the interim response to `Expect: 100-continue` (RFC 9110 §15.2.1).
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

// ConnectionHeader is the Connection field the transport adds.
enum class ConnectionHeader : uint8_t {
  kNone,       // HTTP/1.1 persistent: nothing to say
  kKeepAlive,  // an HTTP/1.0 client asked to keep the connection: confirm it
  kClose,      // the connection closes after this response
};

// AppendResponse appends `response` to `out`: "HTTP/1.1 <status> <reason>", Date (`date`),
// Server, Content-Type (when `response.content_type` is non-empty), Content-Length (of the
// body, also for a HEAD request), Connection, the handler's headers(), the empty line and,
// unless `head`, the body. 1xx, 204 and 304 responses carry no body, Content-Type or
// Content-Length (RFC 9110 §8.6, §15.3.5).
void AppendResponse(const Response& response, std::string_view date, bool head,
                    ConnectionHeader connection, std::string& out);

// MakeErrorResponse resets `response` to the transport's own reply for `status` (400, 408,
// 413, 414, 431, 501 or 505): `{"error":"<code>","error_description":"<sentence>"}` as
// application/json, with `close` set. A non-empty `detail` (e.g. llhttp's reason) is added to
// the sentence.
void MakeErrorResponse(int status, std::string_view detail, Response& response);

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_RESPONSE_WRITER_H_
