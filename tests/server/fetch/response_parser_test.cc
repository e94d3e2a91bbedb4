// ResponseParser: one HTTP/1.1 response from an issuer's server — the status line, header
// fields, each body framing (Content-Length, chunked, until close), the head and body limits,
// and truncation — fed in every split, as TCP may deliver it.
#include "server/fetch/response_parser.h"

#include <cstddef>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "server/fetch/fetcher.h"

namespace tokenwarden::server::fetch {
namespace {

constexpr size_t kHead = 1024;
constexpr size_t kBody = 64;

// Outcome is what parsing a whole response gave: the first error, or the response.
struct Outcome {
  absl::Status status;
  FetchResponse response;
};

// Parse feeds `input` in pieces of `piece` bytes, then ends the input (the server closed the
// connection) unless the response completed first, as the HTTPS client does.
Outcome Parse(std::string_view input, size_t piece, bool head_request = false,
              size_t max_body = kBody) {
  ResponseParser parser(kHead, max_body, head_request);
  Outcome out;
  for (size_t at = 0; at < input.size() && !parser.complete(); at += piece) {
    out.status = parser.Feed(input.substr(at, piece));
    if (!out.status.ok()) {
      return out;
    }
  }
  out.status = parser.Finish();
  if (out.status.ok()) {
    EXPECT_TRUE(parser.complete());
    out.response = parser.Take();
  }
  return out;
}

// Every way of cutting `input`: whole, one byte at a time, and a few sizes in between.
constexpr size_t kPieces[] = {1, 2, 7, 64, 1 << 20};

TEST(ResponseParserTest, ReadsStatusHeadersAndAContentLengthBody) {
  const std::string input =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: application/json\r\n"
      "ETag:   \"v1\"  \r\n"
      "X-Empty:\r\n"
      "Content-Length: 7\r\n"
      "\r\n"
      "{\"a\":1}";
  for (size_t piece : kPieces) {
    Outcome out = Parse(input, piece);
    ASSERT_TRUE(out.status.ok()) << piece << ": " << out.status;
    EXPECT_EQ(out.response.status, 200);
    EXPECT_EQ(out.response.body, "{\"a\":1}");
    // In order, names as received, values trimmed; an empty value is still a field.
    ASSERT_EQ(out.response.headers.size(), 4u) << piece;
    EXPECT_EQ(out.response.headers[0].first, "Content-Type");
    EXPECT_EQ(out.response.headers[1].second, "\"v1\"");
    EXPECT_EQ(out.response.headers[2].first, "X-Empty");
    EXPECT_EQ(out.response.headers[2].second, "");
    EXPECT_EQ(out.response.Header("etag"), "\"v1\"");
    EXPECT_FALSE(out.response.Header("Cache-Control").has_value());
  }
}

TEST(ResponseParserTest, ErrorStatusesAreResponsesToo) {
  for (const char* status : {"304 Not Modified", "404 Not Found", "503 Service Unavailable"}) {
    Outcome out = Parse(std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 0\r\n\r\n", 3);
    ASSERT_TRUE(out.status.ok()) << status;
    EXPECT_EQ(out.response.status, std::stoi(status));
    EXPECT_TRUE(out.response.body.empty());
  }
}

TEST(ResponseParserTest, DecodesChunkedBodies) {
  const std::string input =
      "HTTP/1.1 200 OK\r\n"
      "Transfer-Encoding: chunked\r\n"
      "\r\n"
      "4\r\nWiki\r\n"
      "6;name=value\r\npedia \r\n"  // a chunk extension is skipped
      "E\r\nin \r\n\r\nchunks.\r\n"
      "0\r\n"
      "Trailer-Field: x\r\n"
      "\r\n";
  for (size_t piece : kPieces) {
    Outcome out = Parse(input, piece);
    ASSERT_TRUE(out.status.ok()) << piece << ": " << out.status;
    EXPECT_EQ(out.response.body, "Wikipedia in \r\n\r\nchunks.") << piece;
  }
}

TEST(ResponseParserTest, ABodyWithoutFramingEndsWithTheConnection) {
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it";
  for (size_t piece : kPieces) {
    ResponseParser parser(kHead, kBody);
    for (size_t at = 0; at < input.size(); at += piece) {
      ASSERT_TRUE(parser.Feed(std::string_view(input).substr(at, piece)).ok());
    }
    // Only the close says the body is over.
    EXPECT_FALSE(parser.complete());
    ASSERT_TRUE(parser.Finish().ok());
    ASSERT_TRUE(parser.complete());
    EXPECT_EQ(parser.Take().body, "all of it");
  }
}

TEST(ResponseParserTest, CompleteAtTheLastByteOfTheBodyAndDeafAfterIt) {
  ResponseParser parser(kHead, kBody);
  ASSERT_TRUE(parser.Feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh").ok());
  EXPECT_FALSE(parser.complete());
  // One response per connection: what follows the body, even garbage, is not read.
  ASSERT_TRUE(parser.Feed("iHTTP/1.1 500 Oops\r\n\r\n\x01\x02").ok());
  ASSERT_TRUE(parser.complete());
  ASSERT_TRUE(parser.Feed("more").ok());
  ASSERT_TRUE(parser.Finish().ok());
  const FetchResponse response = parser.Take();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hi");
}

TEST(ResponseParserTest, NoBodyForHeadNoContentOrNotModified) {
  // A HEAD response announces the length of the body a GET would get, and sends none.
  Outcome out = Parse("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 5, /*head_request=*/true);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.response.status, 200);
  EXPECT_TRUE(out.response.body.empty());
  for (const char* status : {"204 No Content", "304 Not Modified"}) {
    ResponseParser parser(kHead, kBody);
    ASSERT_TRUE(parser.Feed(std::string("HTTP/1.1 ") + status + "\r\nETag: \"x\"\r\n\r\n").ok());
    EXPECT_TRUE(parser.complete()) << status;  // no Content-Length needed, no close awaited
  }
}

TEST(ResponseParserTest, TruncatedResponsesAreDataLoss) {
  for (const char* input : {
           "",                                                                  // nothing at all
           "HTTP/1.1 200 OK\r\nContent-Le",                                     // inside the head
           "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",                // short body
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",      // inside a chunk
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",  // no last chunk
       }) {
    for (size_t piece : kPieces) {
      Outcome out = Parse(input, piece);
      EXPECT_EQ(out.status.code(), absl::StatusCode::kDataLoss) << input << " / " << piece;
    }
  }
}

TEST(ResponseParserTest, RefusesWhatIsNotAnHttp11Response) {
  for (const char* input : {
           "HTTP/1.1 2000 OK\r\n\r\n",
           "HTTP/1.1 OK\r\n\r\n",
           "HTTX/1.1 200 OK\r\n\r\n",
           "<html>hello</html>",
           "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
           // Both framings at once is how responses are smuggled: never pick one.
           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
       }) {
    Outcome out = Parse(input, 1 << 20);
    EXPECT_EQ(out.status.code(), absl::StatusCode::kDataLoss) << input;
    // Cut anywhere, the verdict is the same: the error shows up at the first bad byte.
    EXPECT_EQ(Parse(input, 1).status.code(), absl::StatusCode::kDataLoss) << input;
  }
}

TEST(ResponseParserTest, BoundsTheHead) {
  const std::string within = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(900, 'p') + "\r\n\r\n";
  EXPECT_TRUE(Parse(within, 100).status.ok());
  const std::string over = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(kHead, 'p') + "\r\n\r\n";
  for (size_t piece : kPieces) {
    EXPECT_EQ(Parse(over, piece).status.code(), absl::StatusCode::kResourceExhausted) << piece;
  }
  // A long reason phrase counts toward the head too.
  EXPECT_EQ(Parse("HTTP/1.1 200 " + std::string(kHead + 1, 'r') + "\r\n\r\n", 50).status.code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ResponseParserTest, BoundsTheNumberOfHeaderFields) {
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 127; ++i) {
    head += "A:\r\n";  // tiny fields, far under the byte limit
  }
  head += "Content-Length: 0\r\n";
  ResponseParser at_limit(1 << 20, kBody);  // 128 fields
  EXPECT_TRUE(at_limit.Feed(head + "\r\n").ok());
  EXPECT_TRUE(at_limit.complete());
  ResponseParser one_over(1 << 20, kBody);
  EXPECT_EQ(one_over.Feed(head + "A:\r\n\r\n").code(), absl::StatusCode::kResourceExhausted);
}

TEST(ResponseParserTest, BoundsTheBodyInEveryFraming) {
  const std::string body(kBody, 'b');
  const std::string cl_ok = "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + body;
  EXPECT_TRUE(Parse(cl_ok, 9).status.ok());
  const std::string cl_over = "HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + body + "b";
  const std::string chunked_over = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                                   body + "\r\n1\r\nb\r\n0\r\n\r\n";
  const std::string close_over = "HTTP/1.1 200 OK\r\n\r\n" + body + "b";
  for (const std::string& input : {cl_over, chunked_over, close_over}) {
    for (size_t piece : kPieces) {
      EXPECT_EQ(Parse(input, piece).status.code(), absl::StatusCode::kResourceExhausted)
          << input.substr(0, 40) << " / " << piece;
    }
  }
  // A Content-Length far over the limit is refused as soon as its body starts arriving,
  // without waiting for (or buffering) the rest.
  ResponseParser parser(kHead, kBody);
  EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n" + body + "b").code(),
            absl::StatusCode::kResourceExhausted);
}

// Reusable reports whether `input`, fed whole and then `after`, leaves a connection that
// may carry the next exchange (the input is not ended: a kept connection stays open).
bool Reusable(std::string_view input, std::string_view after = "") {
  ResponseParser parser(kHead, kBody);
  EXPECT_TRUE(parser.Feed(input).ok());
  EXPECT_TRUE(parser.Feed(after).ok());
  EXPECT_TRUE(parser.complete()) << input;
  return parser.reusable();
}

TEST(ResponseParserTest, SaysWhenTheConnectionMayCarryTheNextExchange) {
  EXPECT_TRUE(Reusable("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_TRUE(
      Reusable("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
  EXPECT_TRUE(Reusable("HTTP/1.1 401 X\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_TRUE(Reusable("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"));
  // The server asks to close, or HTTP/1.0 closes by default (RFC 9112 §9.3).
  EXPECT_FALSE(Reusable("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_FALSE(Reusable("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_FALSE(Reusable("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  // Bytes after the response, in the same piece or a later one: nobody asked for them.
  EXPECT_FALSE(Reusable("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1"));
  EXPECT_FALSE(Reusable("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "x"));
}

TEST(ResponseParserTest, ABodyEndedByTheCloseLeavesNothingToReuse) {
  ResponseParser parser(kHead, kBody);
  ASSERT_TRUE(parser.Feed("HTTP/1.1 200 OK\r\n\r\nuntil the end").ok());
  EXPECT_FALSE(parser.complete());
  ASSERT_TRUE(parser.Finish().ok());
  EXPECT_TRUE(parser.complete());
  EXPECT_FALSE(parser.reusable());
}

}  // namespace
}  // namespace tokenwarden::server::fetch
