// The transport's limits and protocol errors over real sockets: each ends in the documented
// status, a JSON body and a closed connection.
#include <chrono>
#include <memory>
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
    // Framed, but a coding we cannot decode: RFC 9112 §6.1 allows 501, but we answer every
    // Transfer-Encoding other than exactly "chunked" alike (400 and close), so no shape of the
    // field gets a different treatment a proxy could be made to disagree with.
    TestClient client(port_);
    ASSERT_TRUE(client.Send(
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"));
    ExpectError(client, 400, "invalid_request");
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

TEST_F(HttpLimitsTest, EmptyLinesDoNotExtendAnIdleConnection) {
  Limits limits;
  limits.idle_timeout_ms = 300;
  StartServer(limits);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(client.ReadResponse().has_value());
  const auto start = std::chrono::steady_clock::now();
  // CRLFs before a request line are allowed (RFC 9112 §2.2) but start no request.
  for (int i = 0; i < 40 && client.Send("\r\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(client.WaitClosed(2000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST_F(HttpLimitsTest, EvictsTheOldestIdleConnectionAtTheLimit) {
  Limits limits;
  limits.max_connections = 2;
  StartServer(limits);
  TestClient first(port_);
  ASSERT_TRUE(first.Send(Get("/1")));
  ASSERT_TRUE(first.ReadResponse().has_value());  // now idle keep-alive
  TestClient second(port_);
  ASSERT_TRUE(second.Send(Get("/2")));
  ASSERT_TRUE(second.ReadResponse().has_value());
  TestClient third(port_);  // full: the connection idle longest makes room
  ASSERT_TRUE(third.Send(Get("/3")));
  std::optional<RawResponse> served = third.ReadResponse();
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->body, "GET /3 ");
  EXPECT_TRUE(first.WaitClosed());
  ASSERT_TRUE(second.Send(Get("/4")));  // the younger idle one is still served
  ASSERT_TRUE(second.ReadResponse().has_value());
  const ServerStats stats = server_->Stats();
  EXPECT_EQ(stats.evicted, 1u);
  EXPECT_EQ(stats.refused, 0u);
}

TEST_F(HttpLimitsTest, EvictsASilentConnectionBeforeAnIdleOneThatWasUsedLater) {
  Limits limits;
  limits.max_connections = 2;
  StartServer(limits);
  TestClient silent(port_);  // accepted, never sends a byte
  ASSERT_TRUE(silent.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TestClient used(port_);
  ASSERT_TRUE(used.Send(Get("/1")));
  ASSERT_TRUE(used.ReadResponse().has_value());
  TestClient fresh(port_);
  ASSERT_TRUE(fresh.Send(Get("/2")));
  ASSERT_TRUE(fresh.ReadResponse().has_value());
  EXPECT_TRUE(silent.WaitClosed());
  ASSERT_TRUE(used.Send(Get("/3")));
  EXPECT_TRUE(used.ReadResponse().has_value());
}

TEST_F(HttpLimitsTest, EvictsAnUnfinishedHeadWhenNothingIsIdle) {
  Limits limits;
  limits.max_connections = 1;
  StartServer(limits);
  TestClient slow(port_);
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: t\r\n"));  // a head still arriving
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TestClient fresh(port_);
  ASSERT_TRUE(fresh.Send(Get("/ok")));
  std::optional<RawResponse> served = fresh.ReadResponse();
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->body, "GET /ok ");
  EXPECT_TRUE(slow.WaitClosed());
  EXPECT_EQ(server_->Stats().evicted, 1u);
}

TEST_F(HttpLimitsTest, RefusesConnectionsWhenEveryOneIsBusy) {
  Limits limits;
  limits.max_connections = 1;
  StartServer(limits);
  TestClient first(port_);
  // The head is complete and its body is arriving: a request under way is never evicted.
  ASSERT_TRUE(first.Send("POST /1 HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TestClient second(port_);
  ASSERT_TRUE(second.connected());
  EXPECT_TRUE(second.WaitClosed());
  ASSERT_TRUE(first.Send("cd"));  // the existing request finishes normally
  std::optional<RawResponse> done = first.ReadResponse();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->body, "POST /1 abcd");
  const ServerStats stats = server_->Stats();
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.refused, 1u);
  EXPECT_EQ(stats.evicted, 0u);
  EXPECT_EQ(stats.open_connections, 1u);
}

TEST_F(HttpLimitsTest, TimesTheFirstHeadFromAccept) {
  Limits limits;
  limits.read_timeout_ms = 200;
  limits.idle_timeout_ms = 60000;  // not the timeout of a connection that never spoke
  StartServer(limits);
  {
    TestClient silent(port_);
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    EXPECT_EQ(silent.ReadAll(&closed), "");  // closed with nothing to answer
    EXPECT_TRUE(closed);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, std::chrono::milliseconds(150));
    EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  }
  {
    // Waiting before the first byte does not buy a fresh read timeout.
    TestClient late(port_);
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    ASSERT_TRUE(late.Send("GET / HTTP/1.1\r\nHost: t\r\n"));
    ExpectError(late, 408, "request_timeout");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::milliseconds(300 + 1000));
  }
  EXPECT_GE(server_->Stats().timed_out, 2u);
}

TEST_F(HttpLimitsTest, LimitsConnectionsPerSource) {
  Limits limits;
  limits.max_connections_per_source = 2;
  StartServer(limits);
  auto a = std::make_unique<TestClient>(port_);
  TestClient b(port_);
  ASSERT_TRUE(a->Send(Get("/a")));
  ASSERT_TRUE(a->ReadResponse().has_value());
  ASSERT_TRUE(b.Send(Get("/b")));
  ASSERT_TRUE(b.ReadResponse().has_value());
  {
    TestClient c(port_);  // a third from 127.0.0.1
    EXPECT_TRUE(c.WaitClosed());
  }
  EXPECT_EQ(server_->Stats().refused_per_source, 1u);
  a.reset();  // once one closes, the source may connect again
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    TestClient d(port_);
    served = d.Send(Get("/d")) && d.ReadResponse().has_value();
    if (!served) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpLimitsTest, ClosesManyTimedOutConnectionsTogether) {
  Limits limits;
  limits.read_timeout_ms = 100;
  StartServer(limits);
  std::vector<std::unique_ptr<TestClient>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(slow.back()->Send("GET / HTTP/1.1\r\n"));
  }
  // More than one loop iteration's worth of timeouts: every one is still closed, with a 408.
  for (auto& client : slow) {
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 408);
    EXPECT_TRUE(client->WaitClosed());
  }
  EXPECT_EQ(server_->Stats().timed_out, 200u);
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
