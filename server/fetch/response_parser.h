// File: server/fetch/response_parser.h
// -----------------------------------------------------------------------------
// ResponseParser reads one HTTP/1.1 response with llhttp (the parser the server uses for
// requests, here in response mode and strict): status, header fields, and a body framed by
// Content-Length, chunked coding, or the end of the connection — with limits on the head and
// the body. One response per parser: after it, the connection may carry the next exchange
// only when reusable() says so.
#ifndef TOKENWARDEN_SERVER_FETCH_RESPONSE_PARSER_H_
#define TOKENWARDEN_SERVER_FETCH_RESPONSE_PARSER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <absl/status/status.h>

#include "server/fetch/fetcher.h"

namespace tokenwarden::server::fetch {

class ResponseParser {
 public:
  // `head_request`: the response has no body whatever its framing says.
  ResponseParser(size_t max_header_bytes, size_t max_body_bytes, bool head_request = false);
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Feed parses `data`. Errors: kResourceExhausted (a limit), kDataLoss (not valid HTTP).
  absl::Status Feed(std::string_view data);
  // Finish is called at end of input: completes a body read until close, or fails with
  // kDataLoss when the response is incomplete.
  absl::Status Finish();
  bool complete() const { return complete_; }
  // reusable: the response is complete, its framing ended it without the end of the
  // connection, it did not ask to close (`Connection: close`, or HTTP/1.0 without keep-alive;
  // RFC 9112 §9.3), and no byte arrived after it. Anything else leaves the connection in a
  // state the next exchange must not inherit.
  bool reusable() const { return complete_ && keep_alive_ && !extra_input_; }
  // Take returns the parsed response once complete().
  FetchResponse Take() { return std::move(response_); }

 private:
  struct Callbacks;
  struct State;
  std::unique_ptr<State> state_;
  FetchResponse response_;
  bool complete_ = false;
  bool keep_alive_ = false;   // llhttp's verdict when the response completed
  bool extra_input_ = false;  // bytes fed after the response's end
};

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_RESPONSE_PARSER_H_
