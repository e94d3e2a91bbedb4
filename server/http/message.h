// File: server/http/message.h
// -----------------------------------------------------------------------------
// Request and Response: what the HTTP/1.1 transport hands a route and what the route hands
// back. The transport owns parsing, framing, limits and connection management; routes see
// only complete, size-checked requests.
#ifndef TOKENWARDEN_SERVER_HTTP_MESSAGE_H_
#define TOKENWARDEN_SERVER_HTTP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tokenwarden::server::http {

class DeferredResponse;  // deferred.h
class Deferrer;

struct HeaderField {
  std::string_view name;   // as received
  std::string_view value;  // leading/trailing whitespace removed
};

// Request is one complete request. Every view lives until the handler returns.
struct Request {
  std::string_view method;  // e.g. "POST"
  std::string_view target;  // the raw request-target, e.g. "/introspect?x=1"
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?' (empty when none)
  bool has_query = false;   // a '?' was present (even with an empty query)
  std::span<const HeaderField> headers;
  std::string_view body;  // de-chunked, at most the configured body limit
  std::string_view peer;  // "ip:port" of the client ("[v6]:port" for IPv6)
  int worker = 0;         // index of the worker thread running the handler
  // deferrer lets the handler answer later; null where that is impossible (unit tests that
  // call a handler directly).
  Deferrer* deferrer = nullptr;

  // Header returns the first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
  // HeaderCount counts headers named `name` (case-insensitive).
  size_t HeaderCount(std::string_view name) const;
};

// Response is filled by a handler. The transport adds Content-Length, Date, Server and
// Connection; the handler never sets those.
struct Response {
  int status = 200;
  std::string_view content_type = "application/json";  // static storage; empty: none sent
  std::string body;
  // close asks the transport to close the connection after this response.
  bool close = false;
  // log_note is an optional short text for the access log (never a whole token).
  std::string log_note;

  // AddHeader appends one header. Names must be HTTP tokens and values must not contain CR,
  // LF or NUL: anything else is dropped (and reported by the return value) rather than sent.
  // So are the fields the transport writes (Content-Length, Content-Type, Connection, Date,
  // Server, Transfer-Encoding). 1xx, 204 and 304 responses go without a body, Content-Type
  // or Content-Length (RFC 9110 §8.6).
  bool AddHeader(std::string_view name, std::string_view value);
  // headers() is the "Name: value\r\n" block added so far.
  const std::string& headers() const { return headers_; }
  // Reset makes the object reusable for the next request without freeing its buffers.
  void Reset();

 private:
  std::string headers_;
};

// Continuation fills the response of a deferred request on its worker's loop, with the
// original request (see deferred.h).
using Continuation = std::function<void(const Request& request, Response& response)>;

// Deferrer is implemented by the transport's connection: Defer() takes the current request
// out of the synchronous path (see deferred.h). Call it at most once per request, from the
// handler, and leave the handler's `response` untouched afterwards.
class Deferrer {
 public:
  // With `timeout_ms` > 0, `on_timeout` answers the request if it is still waiting then (a
  // later Finish/Resume is dropped): a wait on an issuer is bounded by the server, not by
  // whoever is expected to answer.
  virtual DeferredResponse Defer(uint32_t timeout_ms, Continuation on_timeout) = 0;
  // Cancel takes back a Defer() made by the handler that is still running (it found it need
  // not wait after all): `later` is disarmed and the handler fills `response` as usual.
  virtual void Cancel(DeferredResponse& later) = 0;

 protected:
  ~Deferrer() = default;
};

// IsToken reports whether `s` is a non-empty RFC 9110 §5.6.2 token (header names, media
// types, parameter names).
bool IsToken(std::string_view s);

// StatusReason returns the reason phrase of `status` ("OK", "Unauthorized", ...).
std::string_view StatusReason(int status);

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_MESSAGE_H_
