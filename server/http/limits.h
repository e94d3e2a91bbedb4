// File: server/http/limits.h
// -----------------------------------------------------------------------------
// Limits are the bounds the transport enforces on requests and connections. They live apart
// from the server façade (server.h) so that the request parser, which applies the request
// bounds, depends on them alone.
#ifndef TOKENWARDEN_SERVER_HTTP_LIMITS_H_
#define TOKENWARDEN_SERVER_HTTP_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace tokenwarden::server::http {

struct Limits {
  size_t max_header_bytes = 8192;  // request line + header block; over -> 431
  size_t max_body_bytes = 16384;   // decoded body; over -> 413 (Content-Length checked early)
  size_t max_headers = 64;         // header fields; over -> 431
  size_t max_url_bytes = 4096;     // request-target; over -> 414
  // Open connections, all workers. At the limit a new connection evicts one of the worker's
  // connections with no request under way: the oldest that has sent nothing yet, else the one
  // idle longest between requests, else the one whose request head has been arriving longest.
  // With none of those, the new connection is accepted and closed at once (refused).
  size_t max_connections = 4096;
  size_t max_connections_per_source = 0;  // per IPv4 address / IPv6 /64; 0 = no limit
  uint32_t idle_timeout_ms = 60000;       // keep-alive wait for the next request's first byte
  // A request's head must be complete, and its body in, within this of the request's first
  // byte (408 + close) - and the first request's head within this of accept (a connection
  // that sent nothing is closed without an answer).
  uint32_t read_timeout_ms = 10000;
  size_t max_pipelined = 64;  // requests parsed ahead of unsent responses
  // A zero timeout turns that timeout off. The idle timeout also ends a connection whose
  // client stops reading its responses (no write progress for that long).
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_LIMITS_H_
