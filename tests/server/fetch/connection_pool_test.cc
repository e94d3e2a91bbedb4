// HttpsClient with kept connections (FetchOptions::max_connections, ConnectionPool) against a
// real TLS server on loopback that counts its connections and resumed sessions: one
// connection for a run of exchanges, the server's `Connection: close` obeyed, a connection
// the server closed replaced (a dropped request sent once more, a partly answered one never),
// the bound held under concurrency, idle connections closed, TLS sessions resumed.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "server/fetch/https_client.h"
#include "tests/server/eventually.h"
#include "tests/server/fetch/test_https_server.h"

namespace tokenwarden::server::fetch {
namespace {

using tokenwarden::testing::Eventually;
using tokenwarden::testing::HttpResponse;
using tokenwarden::testing::TestHttpsServer;
using tokenwarden::testing::TestLeaf;
using tokenwarden::testing::TestPki;

const std::string kActive = R"({"active":true})";

class PooledClientTest : public ::testing::Test {
 protected:
  PooledClientTest()
      : pki_(::testing::TempDir() + "tw_pool_ca_" + std::to_string(getpid()) + ".pem"),
        leaf_(pki_.Localhost()),
        server_(&leaf_) {
    server_.KeepAlive(true);
    server_.Answer(HttpResponse(200, kActive, {}, /*close=*/false));
  }

  std::unique_ptr<HttpsClient> Client(size_t max_connections = 2, uint32_t idle_timeout_ms = 4000) {
    FetchOptions options;
    options.ca_file = pki_.ca_pem_path();
    options.max_connections = max_connections;
    options.idle_timeout_ms = idle_timeout_ms;
    absl::StatusOr<std::unique_ptr<HttpsClient>> client = HttpsClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }
  FetchRequest Introspect() const {
    FetchRequest request;
    request.method = "POST";
    request.url = server_.Url("/introspect");
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = "token=t";
    return request;
  }
  // AnswerInTurn answers the requests of the server's life in turn, the last answer again
  // after the list.
  void AnswerInTurn(std::vector<std::string> answers) {
    auto turn = std::make_shared<std::atomic<size_t>>(0);
    server_.Respond([answers = std::move(answers), turn](const std::string&) {
      const size_t i = (*turn)++;
      return answers[std::min(i, answers.size() - 1)];
    });
  }

  TestPki pki_;
  TestLeaf leaf_;
  TestHttpsServer server_;
};

TEST_F(PooledClientTest, SequentialExchangesShareOneConnectionAndOneHandshake) {
  std::unique_ptr<HttpsClient> client = Client();
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, kActive);
  }
  EXPECT_EQ(server_.requests(), 5);
  EXPECT_EQ(server_.connections(), 1);  // one TCP connection, so one (full) handshake
  EXPECT_EQ(server_.resumed(), 0);
  const ConnectionStats stats = client->Connections();
  EXPECT_EQ(stats.opened, 1u);
  EXPECT_EQ(stats.reused, 4u);
  EXPECT_EQ(stats.retried, 0u);
  // HTTP/1.1 keeps the connection by default: nothing asks the server to close it.
  EXPECT_EQ(server_.last_request().find("Connection:"), std::string::npos)
      << server_.last_request();
}

TEST_F(PooledClientTest, ObeysConnectionCloseAndResumesTheTlsSession) {
  server_.Answer(HttpResponse(200, kActive));  // Connection: close
  std::unique_ptr<HttpsClient> client = Client();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, kActive);
  }
  EXPECT_EQ(server_.connections(), 3);
  // Every new connection after the first offers the session the previous one got.
  EXPECT_EQ(server_.resumed(), 2);
  const ConnectionStats stats = client->Connections();
  EXPECT_EQ(stats.opened, 3u);
  EXPECT_EQ(stats.resumed, 2u);
  EXPECT_EQ(stats.reused, 0u);
}

TEST_F(PooledClientTest, ReplacesAConnectionTheServerClosedWhileIdle) {
  server_.KeepAlive(false);  // closes after each reply, though the reply did not say so
  std::unique_ptr<HttpsClient> client = Client();
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  ASSERT_TRUE(Eventually([&] { return server_.closed() == 1; }));
  absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, kActive);
  // The check before reuse saw the end of the stream: a new connection, nothing resent.
  EXPECT_EQ(server_.requests(), 2);
  EXPECT_EQ(server_.connections(), 2);
  EXPECT_EQ(client->Connections().retried, 0u);
  EXPECT_EQ(server_.resumed(), 1);
}

TEST_F(PooledClientTest, SendsOnceMoreWhenAKeptConnectionDropsTheRequest) {
  const std::string ok = HttpResponse(200, kActive, {}, /*close=*/false);
  AnswerInTurn({ok, "", ok});  // the second request: closed without a byte of an answer
  std::unique_ptr<HttpsClient> client = Client();
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, kActive);
  EXPECT_EQ(server_.requests(), 3);
  EXPECT_EQ(server_.connections(), 2);
  EXPECT_EQ(client->Connections().retried, 1u);
}

TEST_F(PooledClientTest, NeverSendsAgainOnceAnswerBytesArrived) {
  const std::string ok = HttpResponse(200, kActive, {}, /*close=*/false);
  // The second answer stops inside its body, and the server closes.
  AnswerInTurn(
      {ok, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 15\r\n\r\n{\"act", ok});
  std::unique_ptr<HttpsClient> client = Client();
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss) << response.status();
  EXPECT_EQ(server_.requests(), 2);
  EXPECT_EQ(client->Connections().retried, 0u);
}

TEST_F(PooledClientTest, NeverSendsAgainOnANewConnection) {
  AnswerInTurn({"", HttpResponse(200, kActive, {}, /*close=*/false)});
  std::unique_ptr<HttpsClient> client = Client();
  absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(server_.requests(), 1);
  EXPECT_EQ(client->Connections().retried, 0u);
}

TEST_F(PooledClientTest, DropsAConnectionAfterAnythingButACleanResponse) {
  // Bytes after the response, an oversized body, a body delimited by the close: none of
  // these connections may carry the next exchange.
  AnswerInTurn({HttpResponse(200, kActive, {}, /*close=*/false) + "HTTP/1.1 200 OK\r\n",
                HttpResponse(200, std::string(2 << 20, 'x'), {}, /*close=*/false),
                HttpResponse(200, kActive, {}, /*close=*/false)});
  std::unique_ptr<HttpsClient> client = Client();
  absl::StatusOr<FetchResponse> response = client->Fetch(Introspect());
  ASSERT_TRUE(response.ok()) << response.status();
  response = client->Fetch(Introspect());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  const ConnectionStats stats = client->Connections();
  EXPECT_EQ(stats.opened, 3u);
  EXPECT_EQ(stats.reused, 1u);  // only the clean third response's connection, by the fourth
  EXPECT_EQ(server_.requests(), 4);
}

TEST_F(PooledClientTest, NeverHoldsMoreConnectionsThanItsBound) {
  server_.Answer(HttpResponse(200, kActive, {}, /*close=*/false), /*delay_ms=*/5);
  std::unique_ptr<HttpsClient> client = Client(/*max_connections=*/2);
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 6; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (!client->Fetch(Introspect()).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : callers) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server_.requests(), 30);
  EXPECT_LE(server_.max_open(), 2);
  EXPECT_LE(server_.connections(), 2);
  EXPECT_EQ(client->Connections().reused, 30u - client->Connections().opened);
}

TEST_F(PooledClientTest, ClosesIdleConnectionsAfterTheIdleTimeout) {
  std::unique_ptr<HttpsClient> client = Client(/*max_connections=*/2, /*idle_timeout_ms=*/50);
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  // The pool's own thread closes it; the server sees the end of the stream.
  ASSERT_TRUE(Eventually([&] { return server_.closed() == 1; }));
  ASSERT_TRUE(client->Fetch(Introspect()).ok());
  EXPECT_EQ(client->Connections().opened, 2u);
  EXPECT_EQ(server_.resumed(), 1);
}

}  // namespace
}  // namespace tokenwarden::server::fetch
