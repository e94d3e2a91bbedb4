// Create, Start and Stop: bind errors, draining, idempotence, teardown without a start.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/http/server.h"
#include "tests/server/http/test_client.h"

namespace tokenwarden::server::http {
namespace {

using Clock = std::chrono::steady_clock;
using HttpLifecycleTest = HttpServerTest;

void Ignore(const Request&, Response&) {}

// WaitUntilRefused polls until connecting to `port` fails: the listening sockets are
// closed, so the workers have begun draining.
bool WaitUntilRefused(uint16_t port) {
  for (int i = 0; i < 400; ++i) {
    TestClient probe(port);
    if (!probe.connected()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(HttpServerCreateTest, RejectsBadAddresses) {
  for (const char* address :
       {"nonsense", "127.0.0.1", "127.0.0.1:99999", "[::1:80", "example.com:80", "1.2.3.4:8x"}) {
    ServerOptions options;
    options.listen = {address};
    auto server = HttpServer::Create(options, Ignore);
    ASSERT_FALSE(server.ok()) << address;
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << address;
    EXPECT_NE(server.status().message().find(address), std::string::npos) << server.status();
  }
}

TEST(HttpServerCreateTest, RejectsBadOptions) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.workers = 0;
  EXPECT_FALSE(HttpServer::Create(options, Ignore).ok());
  options.workers = 1;
  EXPECT_FALSE(HttpServer::Create(options, nullptr).ok());
  options.listen.clear();
  EXPECT_FALSE(HttpServer::Create(options, Ignore).ok());
}

TEST(HttpServerCreateTest, NamesAddressInUse) {
  // A socket without SO_REUSEPORT holds the port.
  const int holder = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  ServerOptions options;
  options.listen = {"127.0.0.1:0", taken};  // the first one is bound, then torn down
  options.workers = 2;
  auto server = HttpServer::Create(options, Ignore);
  close(holder);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().message(), "listen " + taken + ": Address already in use");
}

TEST(HttpServerCreateTest, TearsDownWithoutStart) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0", "127.0.0.1:0"};
  options.workers = 2;
  auto server = HttpServer::Create(options, Ignore);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->BoundAddresses().size(), 2u);
  (*server)->Stop(100);
  (*server)->Start();  // stopped for good: does nothing
  (*server)->Stop(100);
}

TEST_F(HttpLifecycleTest, StopDrainsRequestInFlight) {
  StartServer();
  TestClient client(port_);
  std::optional<RawResponse> response;
  bool closed = false;
  std::thread reader([&] {
    ASSERT_TRUE(client.Send(Get("/sleep")));
    response = client.ReadResponse();
    closed = client.WaitClosed();
  });
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(2);
  while (!sleeping_.load() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(sleeping_.load());
  const Clock::time_point start = Clock::now();
  server_->Stop(2000);  // the handler is still sleeping
  const auto elapsed = Clock::now() - start;
  reader.join();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /sleep ");
  EXPECT_TRUE(closed);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));  // not the whole drain timeout
  TestClient late(port_);
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpLifecycleTest, StopFinishesPartialRequestWithClose) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("POST /late HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::thread stopper([&] { server_->Stop(2000); });
  ASSERT_TRUE(WaitUntilRefused(port_));
  ASSERT_TRUE(client.Send("cd"));
  std::optional<RawResponse> response = client.ReadResponse();
  stopper.join();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /late abcd");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpLifecycleTest, StopClosesIdleConnectionsAtOnce) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(client.ReadResponse().has_value());
  const Clock::time_point start = Clock::now();
  server_->Stop(5000);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(server_->Stats().open_connections, 0u);
}

TEST_F(HttpLifecycleTest, StopGivesUpAfterDrainTimeout) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET /never-finished HTTP/1.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const Clock::time_point start = Clock::now();
  server_->Stop(150);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(100));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpLifecycleTest, StopIsIdempotentAndThreadSafe) {
  StartServer(Limits(), /*workers=*/2);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(client.ReadResponse().has_value());
  std::thread a([&] { server_->Stop(100); });
  std::thread b([&] { server_->Stop(100); });
  a.join();
  b.join();
  server_->Stop(0);
  EXPECT_EQ(server_->Stats().open_connections, 0u);
}

// Drain closes the listeners and lets the in-flight request finish without waiting; the Stop
// that follows only joins: its own timeout of 0 must not cut the request short.
TEST_F(HttpLifecycleTest, DrainThenStopLetsTheRequestInFlightFinish) {
  StartServer();
  TestClient client(port_);
  std::optional<RawResponse> response;
  std::thread reader([&] {
    ASSERT_TRUE(client.Send(Get("/sleep")));
    response = client.ReadResponse();
  });
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(2);
  while (!sleeping_.load() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(sleeping_.load());
  server_->Drain(2000);  // returns at once
  EXPECT_TRUE(WaitUntilRefused(port_));
  server_->Drain(0);  // a second Drain changes nothing
  server_->Stop(0);
  reader.join();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /sleep ");
  EXPECT_TRUE(client.WaitClosed());
}

TEST(HttpServerCreateTest, DrainBeforeStartDoesNothing) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  auto server = HttpServer::Create(options, Ignore);
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Drain(100);  // not running: nothing to drain, and Start still works
  (*server)->Start();
  TestClient client(FirstPort(**server));
  ASSERT_TRUE(client.Send(Get("/")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  (*server)->Stop(0);
}

TEST_F(HttpLifecycleTest, DestructorStopsRunningServer) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET /unfinished HTTP/1.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server_.reset();  // Stop(0): closes the connection at once
  EXPECT_TRUE(client.WaitClosed());
}

}  // namespace
}  // namespace tokenwarden::server::http
