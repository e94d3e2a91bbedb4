// The transport's limits and protocol errors over real sockets: each ends in the documented
// status, a JSON body and a closed connection.
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/server.h"
#include "tests/server/http/test_client.h"

namespace tokenwarden::server::http {
namespace {

using HttpLimitsTest = HttpServerTest;

// ExpectError reads one response and checks it is the transport's `status` with error code
// `code`, followed by the server closing the connection.
void ExpectError(TestClient& client, int status, const std::string& code) {
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value()) << "no response, want " << status;
  EXPECT_EQ(response->status, status) << response->head << response->body;
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_EQ(response->body.rfind("{\"error\":\"" + code + "\",\"error_description\":\"", 0), 0u)
      << response->body;
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpLimitsTest, RejectsHugeHeaderWith431) {
  Limits limits;
  limits.max_header_bytes = 1024;
  StartServer(limits);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/", "X-Big: " + std::string(2000, 'a') + "\r\n")));
  ExpectError(client, 431, "headers_too_large");
}

TEST_F(HttpLimitsTest, CountsHeaderBytesExactly) {
  // "GET / HTTP/1.1\r\n" (16) + "Host: h\r\n" (9) + "X: <v>\r\n" (5 + n) + "\r\n" (2)
  // = 32 + n bytes.
  Limits limits;
  limits.max_header_bytes = 100;
  StartServer(limits);
  TestClient at_limit(port_);
  ASSERT_TRUE(
      at_limit.Send("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(68, 'v') + "\r\n\r\n"));
  std::optional<RawResponse> ok = at_limit.ReadResponse();
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
  TestClient over(port_);
  ASSERT_TRUE(over.Send("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(69, 'v') + "\r\n\r\n"));
  ExpectError(over, 431, "headers_too_large");
}

TEST_F(HttpLimitsTest, RejectsTooManyHeadersWith431) {
  Limits limits;
  limits.max_headers = 8;
  StartServer(limits);
  std::string headers;
  for (int i = 0; i < 9; ++i) {
    headers += "X-H" + std::to_string(i) + ": v\r\n";
  }
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\n" + headers + "\r\n"));
  ExpectError(client, 431, "headers_too_large");
}

TEST_F(HttpLimitsTest, RejectsLongUrlWith414) {
  Limits limits;
  limits.max_url_bytes = 100;
  StartServer(limits);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/" + std::string(200, 'u'))));
  ExpectError(client, 414, "uri_too_long");
}

TEST_F(HttpLimitsTest, RejectsDeclaredBodyBeforeReadingIt) {
  Limits limits;
  limits.max_body_bytes = 100;
  StartServer(limits);
  TestClient client(port_);
  // Only the head is sent: the 413 must not wait for the body.
  ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n"));
  ExpectError(client, 413, "request_too_large");
  const std::vector<CompletionRecord> records = Completions();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].has_request);  // the head was parsed
  EXPECT_EQ(records[0].path, "/x");
}

TEST_F(HttpLimitsTest, RejectsGrowingChunkedBody) {
  Limits limits;
  limits.max_body_bytes = 100;
  StartServer(limits);
  TestClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "40\r\n" +
                  std::string(64, 'a') +
                  "\r\n"
                  "40\r\n" +
                  std::string(64, 'b') + "\r\n"));
  ExpectError(client, 413, "request_too_large");
}

TEST_F(HttpLimitsTest, RejectsOversizedContinueWithout100) {
  Limits limits;
  limits.max_body_bytes = 100;
  StartServer(limits);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
  ExpectError(client, 413, "request_too_large");
}

TEST_F(HttpLimitsTest, RejectsGarbageWith400) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("\x16\x03\x01 hello there\r\n\r\n"));
  ExpectError(client, 400, "invalid_request");
}

TEST_F(HttpLimitsTest, RejectsBareLineFeeds) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\nHost: t\n\n"));
  ExpectError(client, 400, "invalid_request");
}

TEST_F(HttpLimitsTest, RejectsContentLengthWithTransferEncoding) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  ExpectError(client, 400, "invalid_request");
}

TEST_F(HttpLimitsTest, RejectsUnknownTransferCodings) {
  StartServer();
  {
    TestClient client(port_);  // chunked not last: the length is unknowable (RFC 9112 §6.3)
    ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"));
    ExpectError(client, 400, "invalid_request");
  }
  {
    TestClient client(port_);  // framed, but a coding we cannot decode (RFC 9112 §6.1)
    ASSERT_TRUE(client.Send(
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"));
    ExpectError(client, 501, "not_implemented");
  }
}

TEST_F(HttpLimitsTest, RejectsOtherHttpVersionsWith505) {
  StartServer();
  for (const char* version : {"HTTP/2.0", "HTTP/3.0", "HTTP/0.9"}) {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(std::string("GET / ") + version + "\r\nHost: t\r\n\r\n"));
    ExpectError(client, 505, "http_version_not_supported");
  }
}

TEST_F(HttpLimitsTest, AnswersSlowRequestWith408) {
  Limits limits;
  limits.read_timeout_ms = 150;
  StartServer(limits);
  TestClient client(port_);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Send("GET /slow HTTP/1.1\r\nHost: t\r\n"));  // never finished
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(client.Send("X-Drip: 1\r\n"));  // trickling bytes do not extend the deadline
  ExpectError(client, 408, "request_timeout");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(140));
  EXPECT_LT(elapsed, std::chrono::milliseconds(900));
}

TEST_F(HttpLimitsTest, ClosesIdleConnectionSilently) {
  Limits limits;
  limits.idle_timeout_ms = 150;
  StartServer(limits);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(client.ReadResponse().has_value());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitClosed(2000));  // EOF with no byte before it
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(100));
  EXPECT_LT(elapsed, std::chrono::milliseconds(900));
}

TEST_F(HttpLimitsTest, RefusesConnectionsOverTheLimit) {
  Limits limits;
  limits.max_connections = 1;
  StartServer(limits);
  TestClient first(port_);
  ASSERT_TRUE(first.Send(Get("/1")));
  ASSERT_TRUE(first.ReadResponse().has_value());  // accepted and counted
  TestClient second(port_);
  ASSERT_TRUE(second.connected());
  EXPECT_TRUE(second.WaitClosed());
  ASSERT_TRUE(first.Send(Get("/2")));  // the existing connection keeps being served
  std::optional<RawResponse> again = first.ReadResponse();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, "GET /2 ");
  const ServerStats stats = server_->Stats();
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.refused, 1u);
  EXPECT_EQ(stats.open_connections, 1u);
}

TEST_F(HttpLimitsTest, BackpressureKeepsPipelineInOrder) {
  Limits limits;
  limits.max_pipelined = 2;
  StartServer(limits);
  TestClient client(port_);
  std::string batch;
  for (int i = 0; i < 40; ++i) {
    batch += Get("/big/" + std::to_string(50000 + i));  // ~2 MB of responses in total
  }
  ASSERT_TRUE(client.Send(batch));
  for (int i = 0; i < 40; ++i) {
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->body.size(), static_cast<size_t>(50000 + i));
  }
}

}  // namespace
}  // namespace tokenwarden::server::http
