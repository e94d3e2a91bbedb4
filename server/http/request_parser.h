// File: server/http/request_parser.h
// -----------------------------------------------------------------------------
// RequestParser drives llhttp over one connection's bytes and applies the request Limits,
// stopping at the two moments the transport acts on: the end of a request's head (to answer
// `Expect: 100-continue` or reject it before its body is read) and the end of the request.
// No I/O: the connection feeds it bytes and acts on the events.
#ifndef TOKENWARDEN_SERVER_HTTP_REQUEST_PARSER_H_
#define TOKENWARDEN_SERVER_HTTP_REQUEST_PARSER_H_

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/limits.h"
#include "server/http/message.h"

namespace tokenwarden::server::http {

// RequestParser parses a stream of pipelined HTTP/1.x requests. The request-target, header
// names and values are copied into buffers owned by the parser, so the input bytes need not
// outlive a call; the buffers are reused from request to request.
// Thread-safety: none; one per connection.
class RequestParser {
 public:
  enum class Event : uint8_t {
    kNeedMore,         // every byte given was consumed; feed more
    kHeadersComplete,  // the head of a request passed every check; its body follows
    kMessageComplete,  // a whole request is ready: Fill it, answer, then Execute on
    kError,            // the stream is unusable: answer error_status() and close
  };
  struct Step {
    Event event;
    size_t consumed;  // bytes of the input used, up to and including the event
  };

  // `limits` must outlive the parser.
  explicit RequestParser(const Limits& limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Execute parses from `data` until the next event or the end of the `len` bytes. After
  // kHeadersComplete or kMessageComplete, call it again even with no bytes left: llhttp may
  // finish a request without more input. After kError every call returns kError.
  Step Execute(const char* data, size_t len);

  // in_message is true from the first byte of a request until its kMessageComplete.
  bool in_message() const { return in_message_; }
  // headers_complete is true from the end of a request's head to its kMessageComplete, and
  // stays true after a kError for a head that failed its checks (400, 413, 501, 505).
  bool headers_complete() const { return headers_complete_; }
  // expects_continue is true when the head just completed asked for `100 Continue`.
  bool expects_continue() const { return expects_continue_; }
  // keep_alive, at kMessageComplete: whether the client allows another request (HTTP/1.1
  // without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`).
  bool keep_alive() const;
  // is_http10 and is_head describe the current (or just completed) request.
  bool is_http10() const { return parser_.http_major == 1 && parser_.http_minor == 0; }
  bool is_head() const { return parser_.method == HTTP_HEAD; }
  // upgrade: the request asked to switch protocols (Upgrade, CONNECT); we never do, but the
  // bytes after it are not HTTP/1.1, so the connection closes after the response.
  bool upgrade() const { return parser_.upgrade != 0; }

  // After kError: the status to answer (400, 413, 414, 431, 501, 505) and llhttp's reason
  // for a 400 it found (static storage, empty otherwise).
  int error_status() const { return error_status_; }
  std::string_view error_detail() const { return error_detail_; }

  // Fill points `out`'s method, target, path, query, headers and body into the parser's
  // buffers (valid until the next Execute). Call it at kMessageComplete, or once the headers
  // are complete for an error reply (the body is then left empty).
  void Fill(Request& out);

 private:
  struct Callbacks;
  struct Span {
    uint32_t begin = 0;
    uint32_t len = 0;
  };
  struct FieldSpans {
    Span name;
    Span value;
  };

  Step Fail(int status, std::string_view detail);
  int CheckHead();           // 0 or the error status for a complete head
  int CheckFraming() const;  // Transfer-Encoding and Content-Length (RFC 9112 §6)
  int CheckTarget() const;   // Host and the request-target (RFC 9112 §3.2)
  std::string_view View(Span span) const {
    return std::string_view(head_).substr(span.begin, span.len);
  }
  Span Close();  // the span from span_start_ to the end of head_

  const Limits& limits_;
  llhttp_t parser_;
  Event event_ = Event::kNeedMore;  // set by the llhttp callbacks during one Execute
  bool in_message_ = false;
  bool headers_complete_ = false;
  bool expects_continue_ = false;
  int error_status_ = 0;
  std::string_view error_detail_;
  size_t head_bytes_ = 0;  // request line + header section so far (incl. leading CRLFs)
  char version_[4] = {};   // the "1.1" of HTTP/1.1 as received (first bytes only)
  size_t version_len_ = 0;
  bool version_accepted_ = false;  // llhttp took the version; a later version error is syntax
  std::string head_;               // target, header names and values, back to back
  char last_byte_ = '\0';          // the last byte consumed by the previous Execute
  uint32_t span_start_ = 0;
  Span target_;
  std::vector<FieldSpans> fields_;
  std::vector<HeaderField> views_;
  std::string body_;
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_REQUEST_PARSER_H_
