// RequestParser without sockets: split input, pipelining, events and limits.
#include "server/http/request_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/message.h"
#include "server/http/server.h"

namespace tokenwarden::server::http {
namespace {

using Event = RequestParser::Event;

struct Parsed {
  std::string method, target, path, query, body, headers;
  bool has_query = false;
  bool keep_alive = false;
};

// ParseAll feeds `input` in pieces of `piece` bytes and collects every complete request;
// `error` gets the error status (0 if none).
std::vector<Parsed> ParseAll(RequestParser& parser, std::string_view input, size_t piece,
                             int& error) {
  std::vector<Parsed> out;
  error = 0;
  for (size_t at = 0; at < input.size(); at += piece) {
    const std::string chunk(input.substr(at, piece));  // a fresh buffer each time
    size_t used = 0;
    bool again = false;
    while (used < chunk.size() || again) {
      const RequestParser::Step step = parser.Execute(chunk.data() + used, chunk.size() - used);
      used += step.consumed;
      again = step.event == Event::kHeadersComplete || step.event == Event::kMessageComplete;
      if (step.event == Event::kError) {
        error = parser.error_status();
        return out;
      }
      if (step.event == Event::kMessageComplete) {
        Request request;
        parser.Fill(request);
        Parsed p{std::string(request.method), std::string(request.target),
                 std::string(request.path),   std::string(request.query),
                 std::string(request.body),   "",
                 request.has_query,           parser.keep_alive()};
        for (const HeaderField& field : request.headers) {
          p.headers += std::string(field.name) + "=" + std::string(field.value) + ";";
        }
        out.push_back(p);
      }
    }
  }
  return out;
}

TEST(RequestParserTest, ParsesPipelinedRequestsInAnyPieces) {
  const std::string input =
      "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\n"
      "POST /b? HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
      "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
      "chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, input.size()}) {
    Limits limits;
    RequestParser parser(limits);
    int error = 0;
    const std::vector<Parsed> requests = ParseAll(parser, input, piece, error);
    ASSERT_EQ(error, 0) << piece;
    ASSERT_EQ(requests.size(), 3u) << piece;
    EXPECT_EQ(requests[0].method, "GET");
    EXPECT_EQ(requests[0].target, "/a?x=1");
    EXPECT_EQ(requests[0].path, "/a");
    EXPECT_EQ(requests[0].query, "x=1");
    EXPECT_EQ(requests[0].headers, "Host=h;X-Empty=;X-Pad=v;");
    EXPECT_TRUE(requests[0].keep_alive);
    EXPECT_EQ(requests[1].path, "/b");
    EXPECT_TRUE(requests[1].has_query);
    EXPECT_EQ(requests[1].query, "");
    EXPECT_EQ(requests[1].body, "xyz");
    EXPECT_EQ(requests[2].method, "PUT");
    EXPECT_EQ(requests[2].body, "abc");
  }
}

TEST(RequestParserTest, MeasuresHeaderBytesAcrossPieces) {
  // "GET / HTTP/1.1\r\nHost: h\r\n" + "X: vvv...\r\n" + "\r\n" is exactly 50 bytes with 18 v's.
  const std::string at_limit =
      "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(18, 'v') + "\r\n\r\n";
  const std::string over = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(19, 'v') + "\r\n\r\n";
  ASSERT_EQ(at_limit.size(), 50u);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{100}}) {
    Limits limits;
    limits.max_header_bytes = 50;
    RequestParser ok(limits);
    int error = 0;
    EXPECT_EQ(ParseAll(ok, at_limit + at_limit, piece, error).size(), 2u) << piece;
    EXPECT_EQ(error, 0);
    RequestParser bad(limits);
    ParseAll(bad, over, piece, error);
    EXPECT_EQ(error, 431) << piece;
  }
}

// RFC 9112 §5.2 (found by tests/serve/test_hostile.py: llhttp joins a folded line to the
// value): refused however the bytes arrive; whitespace inside a value is still fine.
TEST(RequestParserTest, RefusesObsoleteLineFoldingInAnyPieces) {
  const std::vector<std::string> folded = {
      "GET / HTTP/1.1\r\nHost: h\r\nA: x\r\n\tfolded\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n X-Smuggled: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nA:\r\n  only-a-fold\r\n\r\n",
  };
  for (const std::string& input : folded) {
    for (size_t piece : {size_t{1}, size_t{2}, size_t{3}, input.size()}) {
      Limits limits;
      RequestParser parser(limits);
      int error = 0;
      EXPECT_TRUE(ParseAll(parser, input, piece, error).empty()) << input;
      EXPECT_EQ(error, 400) << input << " in pieces of " << piece;
    }
  }
  Limits limits;
  RequestParser parser(limits);
  int error = 0;
  const std::string spaced = "GET / HTTP/1.1\r\nHost: h\r\nA: x \t y\r\n\r\n";
  for (size_t piece : {size_t{1}, spaced.size()}) {
    const std::vector<Parsed> ok = ParseAll(parser, spaced, piece, error);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].headers, "Host=h;A=x \t y;");
  }
}

TEST(RequestParserTest, ReportsLimitStatuses) {
  struct Case {
    std::string input;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET /" + std::string(64, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
      {"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 33\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n21\r\n" +
           std::string(33, 'b'),
       413},
      {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"GET / HTTP/1.1 \r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n", 400},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
      // RFC 9112 §3.2: HTTP/1.1 needs exactly one Host.
      {"GET / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      // RFC 9112 §5.2: obs-fold is refused, whether it continues Host or another field
      // (found by tests/serve/test_hostile.py: llhttp hands the fold through as value bytes).
      {"GET / HTTP/1.1\r\nHost: h\r\n X-Folded: b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nA: x\r\n\tfolded\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    Limits limits;
    limits.max_url_bytes = 32;
    limits.max_headers = 3;
    limits.max_body_bytes = 32;
    RequestParser parser(limits);
    int error = 0;
    ParseAll(parser, c.input, c.input.size(), error);
    EXPECT_EQ(error, c.status) << c.input;
  }
}

// ErrorFor parses `input` whole and returns the error status (0 when every request parsed).
int ErrorFor(std::string_view input) {
  Limits limits;
  RequestParser parser(limits);
  int error = 0;
  ParseAll(parser, input, input.size(), error);
  return error;
}

TEST(RequestParserTest, TakesOnlyExactlyChunkedAsTransferEncoding) {
  // RFC 9112 §6.1/§6.3: any other Transfer-Encoding, or one next to Content-Length, is 400.
  // The first case is the reported smuggling shape: llhttp alone treats the empty field as
  // absent and parses the body as a second request.
  const std::string_view post = "POST /introspect HTTP/1.1\r\nHost: h\r\n";
  const std::vector<std::string> refused = {
      "Transfer-Encoding:\r\n\r\nGET /healthz HTTP/1.1\r\nHost: h\r\n\r\n",
      "Transfer-Encoding:\r\nContent-Length: 5\r\n\r\nhello",
      "Transfer-Encoding: ,\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: identity\r\n\r\n",
      "Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello",
      "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
  };
  for (const std::string& rest : refused) {
    EXPECT_EQ(ErrorFor(std::string(post) + rest), 400) << rest;
  }
  for (const char* ok : {"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                         "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n",
                         "Transfer-Encoding:  chunked\r\n\r\n0\r\n\r\n"}) {
    EXPECT_EQ(ErrorFor(std::string(post) + ok), 0) << ok;
  }
}

TEST(RequestParserTest, ChecksHostSyntax) {
  const std::vector<std::string> valid = {
      "h",
      "example.com",
      "example.com:8080",
      "a-b.c_d~e",
      "127.0.0.1",
      "127.0.0.1:80",
      "[::1]",
      "[::1]:443",
      "[2001:db8::7]",
      "%41bc",
      "x:",
      "[v1.a:b]",
      "sub!$&'()*+,;=",
  };
  for (const std::string& host : valid) {
    EXPECT_EQ(ErrorFor("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), 0) << host;
  }
  const std::vector<std::string> invalid = {
      "",         "a b",      "a/b",     "user@h", "h:x",      "h:65536",
      "h:123456", "h:-1",     "[::1",    "::1",    "[::g]",    "[fe80::1%25eth0]",
      "h\x80",    "\xc3\x28", "h?x",     "h#x",    "%4",       "%zz",
      "[]",       "[v.x]",    "h:80:80", "a\\b",   "h, other",
  };
  for (const std::string& host : invalid) {
    EXPECT_EQ(ErrorFor("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), 400) << host;
  }
  // HTTP/1.0 may omit Host, but not send an invalid one.
  EXPECT_EQ(ErrorFor("GET / HTTP/1.0\r\n\r\n"), 0);
  EXPECT_EQ(ErrorFor("GET / HTTP/1.0\r\nHost: a b\r\n\r\n"), 400);
}

TEST(RequestParserTest, ChecksTheRequestTargetForm) {
  struct Case {
    std::string line;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET /ok?x=%2F HTTP/1.1", 0},
      {"OPTIONS * HTTP/1.1", 0},
      {"GET * HTTP/1.1", 400},
      {"GET http://h/x?y HTTP/1.1", 0},
      {"GET HTTP://H:80/x HTTP/1.1", 0},  // the same authority as "Host: h"
      {"GET http://other/x HTTP/1.1", 400},
      {"GET http://h:8080/x HTTP/1.1", 400},
      {"GET https://h:80/x HTTP/1.1", 400},  // https's default port is 443
      {"GET http://user@h/x HTTP/1.1", 400},
      {"GET ftp://h/x HTTP/1.1", 400},
      {"GET h/x HTTP/1.1", 400},
      {"GET /a%zz HTTP/1.1", 400},
      {"GET /a%4 HTTP/1.1", 400},
      {"CONNECT / HTTP/1.1", 400},
      {"CONNECT h HTTP/1.1", 400},
      {"CONNECT h:443 HTTP/1.1", 501},
      {"GET h:443 HTTP/1.1", 400},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorFor(c.line + "\r\nHost: h\r\n\r\n"), c.status) << c.line;
  }
  // An absolute-form target is routed by its path.
  Limits limits;
  RequestParser parser(limits);
  int error = 0;
  const std::vector<Parsed> parsed = ParseAll(parser,
                                              "GET http://h/a/b?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"
                                              "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n",
                                              1000, error);
  ASSERT_EQ(error, 0);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].path, "/a/b");
  EXPECT_EQ(parsed[0].query, "q=1");
  EXPECT_EQ(parsed[1].path, "/");
}

TEST(RequestParserTest, FlagsExpectContinueOnlyWithBody) {
  Limits limits;
  RequestParser parser(limits);
  const std::string with_body =
      "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n";
  const RequestParser::Step step = parser.Execute(with_body.data(), with_body.size());
  EXPECT_EQ(step.event, Event::kHeadersComplete);
  EXPECT_EQ(step.consumed, with_body.size());
  EXPECT_TRUE(parser.expects_continue());
  EXPECT_TRUE(parser.in_message());

  RequestParser bodiless(limits);
  const std::string no_body = "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n";
  EXPECT_EQ(bodiless.Execute(no_body.data(), no_body.size()).event, Event::kHeadersComplete);
  EXPECT_FALSE(bodiless.expects_continue());
}

TEST(RequestParserTest, KnowsWhenToClose) {
  Limits limits;
  RequestParser parser(limits);
  int error = 0;
  std::vector<Parsed> requests =
      ParseAll(parser, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", 100, error);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].keep_alive);
  RequestParser old(limits);
  requests = ParseAll(old, "GET / HTTP/1.0\r\n\r\n", 100, error);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].keep_alive);
}

}  // namespace
}  // namespace tokenwarden::server::http
