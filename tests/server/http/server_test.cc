// The transport's happy paths over real sockets: framing, keep-alive, pipelining, HTTP/1.0,
// HEAD, chunked bodies, 100-continue, the Completion callback and several workers.
#include "server/http/server.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/server/http/test_client.h"

namespace tokenwarden::server::http {
namespace {

using HttpServerBasicTest = HttpServerTest;

TEST_F(HttpServerBasicTest, AnswersSimpleGet) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Get("/hello?x=1")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response->head;
  EXPECT_EQ(response->body, "GET /hello?x=1 ");
  EXPECT_EQ(response->Header("Server"), "tokenwarden");
  EXPECT_EQ(response->Header("Content-Type"), "text/plain");
  EXPECT_EQ(response->Header("Content-Length"), "15");
  ASSERT_TRUE(response->Header("Date").has_value());
  EXPECT_EQ(response->Header("Date")->size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(response->Header("Date")->substr(26), "GMT");
  EXPECT_FALSE(response->Header("Connection").has_value());
}

TEST_F(HttpServerBasicTest, PassesPostBody) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Post("/echo", "token=abc&hint=x")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /echo token=abc&hint=x");
}

TEST_F(HttpServerBasicTest, KeepsConnectionAlive) {
  StartServer();
  TestClient client(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(Get("/n" + std::to_string(i))));
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->body, "GET /n" + std::to_string(i) + " ");
  }
  EXPECT_EQ(server_->Stats().accepted, 1u);
}

TEST_F(HttpServerBasicTest, AnswersPipelinedRequestsInOrder) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/a") + Post("/b", "body-b") + Get("/c")));
  for (std::string expected : {"GET /a ", "POST /b body-b", "GET /c "}) {
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << expected;
    EXPECT_EQ(response->body, expected);
  }
}

// An answer is first written straight into the socket; what does not fit its buffer goes
// through a write request. Both halves must arrive, in order with what follows.
TEST_F(HttpServerBasicTest, AnswerLargerThanTheSocketBufferArrivesWholeToALateReader) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/big/8000000") + Get("/after")));
  // Not reading yet: the server's first write fills the socket buffer and stops short.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::optional<RawResponse> big = client.ReadResponse();
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->body, std::string(8000000, 'x'));
  std::optional<RawResponse> after = client.ReadResponse();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "GET /after ");
}

// A closing answer that went out at once is still delivered before the connection closes.
TEST_F(HttpServerBasicTest, ClosingAnswerWrittenAtOnceArrivesBeforeTheClose) {
  StartServer();
  for (int i = 0; i < 20; ++i) {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(Get("/c", "Connection: close\r\n")));
    bool closed = false;
    const std::string all = client.ReadAll(&closed);
    EXPECT_TRUE(closed) << i;
    EXPECT_NE(all.find("GET /c "), std::string::npos) << i;
  }
}

TEST_F(HttpServerBasicTest, ClosesHttp10AfterResponse) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET /old HTTP/1.0\r\n\r\n"));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerBasicTest, KeepsHttp10AliveWhenAsked) {
  StartServer();
  TestClient client(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->Header("Connection"), "keep-alive");
  }
}

TEST_F(HttpServerBasicTest, HonoursConnectionClose) {
  StartServer();
  TestClient client(port_);
  // The request after `Connection: close` is never answered.
  ASSERT_TRUE(client.Send(Get("/last", "Connection: close\r\n") + Get("/ignored")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "GET /last ");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerBasicTest, ClosesWhenHandlerAsks) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/close")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerBasicTest, HeadSendsLengthWithoutBody) {
  StartServer();
  TestClient client(port_);
  // The GET right behind proves no body bytes followed the HEAD response.
  ASSERT_TRUE(client.Send("HEAD /big/1000 HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/after")));
  std::optional<RawResponse> head = client.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "1000");
  std::optional<RawResponse> after = client.ReadResponse();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "GET /after ");
}

TEST_F(HttpServerBasicTest, NoContentHasNoLength) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/no-content") + Get("/after")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->head.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u);
  EXPECT_FALSE(response->Header("Content-Length").has_value());
  EXPECT_FALSE(response->Header("Content-Type").has_value());
  std::optional<RawResponse> after = client.ReadResponse();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "GET /after ");
}

TEST_F(HttpServerBasicTest, DecodesChunkedBody) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /chunked hello, world");
}

TEST_F(HttpServerBasicTest, SendsContinueBeforeBody) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.ReadExactly(25), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.Send("data"));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /upload data");
}

TEST_F(HttpServerBasicTest, MatchesHeadersCaseInsensitively) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/header/x-custom", "X-CUSTOM:   padded value  \r\n")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "padded value");
}

TEST_F(HttpServerBasicTest, CallsCompletionForEveryResponse) {
  StartServer();
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(Get("/one") + Get("/two")));
    ASSERT_TRUE(client.ReadResponse().has_value());
    ASSERT_TRUE(client.ReadResponse().has_value());
    ASSERT_TRUE(client.Send("BAD REQUEST\r\n\r\n"));
    std::optional<RawResponse> bad = client.ReadResponse();
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->status, 400);
  }
  const std::vector<CompletionRecord> records = Completions();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].path, "/one");
  EXPECT_EQ(records[1].path, "/two");
  EXPECT_TRUE(records[0].has_request);
  EXPECT_EQ(records[0].status, 200);
  EXPECT_GT(records[0].latency_ns, 0u);
  EXPECT_FALSE(records[2].has_request);  // no request was parsed
  EXPECT_EQ(records[2].status, 400);
}

TEST_F(HttpServerBasicTest, TwoWorkersBothServe) {
  StartServer(Limits(), /*workers=*/2);
  // SO_REUSEPORT hashes each connection's addresses to a socket; 64 connections all landing
  // on one of two workers has probability 2^-63.
  std::set<std::string> workers;
  for (int i = 0; i < 64 && workers.size() < 2; ++i) {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(Get("/worker")));
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    workers.insert(response->body);
  }
  EXPECT_EQ(workers, (std::set<std::string>{"0", "1"}));
}

// first_worker numbers a second server's workers after the first one's: the handler and the
// Completion both see the shifted index (serve's admin listener shares per-worker state).
TEST_F(HttpServerBasicTest, FirstWorkerShiftsTheWorkerIndex) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.first_worker = 3;
  std::atomic<int> completed_on{-1};
  auto server = HttpServer::Create(
      options,
      [](const Request& request, Response& response) {
        response.body = std::to_string(request.worker);
      },
      [&completed_on](int worker, const Request*, const Response&, uint64_t) {
        completed_on = worker;
      });
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Start();
  TestClient client(FirstPort(**server));
  ASSERT_TRUE(client.Send(Get("/")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "3");
  (*server)->Stop(0);  // the Completion has run once Stop joined the worker
  EXPECT_EQ(completed_on.load(), 3);
  options.first_worker = -1;
  EXPECT_FALSE(HttpServer::Create(options, [](const Request&, Response&) {}).ok());
}

// The Date header comes from the injected clock (RFC 9110 IMF-fixdate), follows it across
// seconds, and is never read from time().
TEST_F(HttpServerBasicTest, DateHeaderFollowsTheInjectedClock) {
  std::atomic<int64_t> now{784111777};  // RFC 9110's example: Sun, 06 Nov 1994 08:49:37 GMT
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.unix_now = [&now] { return now.load(); };
  auto server =
      HttpServer::Create(options, [](const Request&, Response& response) { response.body = "ok"; });
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Start();
  TestClient client(FirstPort(**server));
  ASSERT_TRUE(client.Send(Get("/")));
  std::optional<RawResponse> first = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Header("Date"), "Sun, 06 Nov 1994 08:49:37 GMT");
  now = 4102444800;  // 2100-01-01, a Friday
  ASSERT_TRUE(client.Send(Get("/")));
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->Header("Date"), "Fri, 01 Jan 2100 00:00:00 GMT");
}

TEST_F(HttpServerBasicTest, ServesIpv6) {
  ServerOptions options;
  options.listen = {"[::1]:0"};
  auto server = HttpServer::Create(options, [](const Request& request, Response& response) {
    response.body = std::string(request.peer.substr(0, 5));
  });
  if (!server.ok()) {
    GTEST_SKIP() << "no IPv6 loopback: " << server.status();
  }
  const std::string bound = (*server)->BoundAddresses().at(0);
  ASSERT_EQ(bound.rfind("[::1]:", 0), 0u) << bound;
  (*server)->Start();
  TestClient client(static_cast<uint16_t>(std::stoi(bound.substr(6))), "::1");
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Get("/")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "[::1]");
}

}  // namespace
}  // namespace tokenwarden::server::http
