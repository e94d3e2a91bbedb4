// File: tests/server/http/test_client.h
// -----------------------------------------------------------------------------
// Helpers for the transport tests: a blocking POSIX-socket client that reads raw responses,
// and a fixture that runs an HttpServer on 127.0.0.1:0 with an echoing handler.
#ifndef TOKENWARDEN_TESTS_SERVER_HTTP_TEST_CLIENT_H_
#define TOKENWARDEN_TESTS_SERVER_HTTP_TEST_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/server.h"

namespace tokenwarden::server::http {

// RawResponse is one response as read off the socket.
struct RawResponse {
  int status = 0;
  std::string head;  // status line and header fields, up to and including the empty line
  std::string body;
  // Header returns the value of the first field `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

// TestClient is one blocking connection. Every receive gives up after 3 seconds, so a
// broken server fails the test instead of hanging it.
class TestClient {
 public:
  // TestClient connects to 127.0.0.1:`port`; connected() tells whether it worked.
  explicit TestClient(uint16_t port, const char* host = "127.0.0.1");
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Send writes all of `bytes`.
  bool Send(std::string_view bytes);
  // ReadResponse reads one response; `head_request`: it has no body whatever its
  // Content-Length. nullopt on EOF, timeout or an unparsable response.
  std::optional<RawResponse> ReadResponse(bool head_request = false);
  // ReadExactly reads `len` bytes (or fewer on EOF / timeout).
  std::string ReadExactly(size_t len);
  // ReadAll reads until the server closes; `closed` says whether it did (vs. a timeout).
  std::string ReadAll(bool* closed = nullptr);
  // WaitClosed is true when the server closes the connection before `timeout_ms` passes
  // with no byte received in between.
  bool WaitClosed(int timeout_ms = 2000);

 private:
  // Fill reads more into buffer_; false on EOF, error or timeout.
  bool Fill();
  int fd_ = -1;
  std::string buffer_;
};

// Get returns a minimal HTTP/1.1 GET for `target`.
std::string Get(std::string_view target, std::string_view extra_headers = "");
// Post returns an HTTP/1.1 POST for `target` with `body` and its Content-Length.
std::string Post(std::string_view target, std::string_view body);

// FirstPort is the port of `server`'s first bound address, for tests that create their own
// server on port 0.
uint16_t FirstPort(const HttpServer& server);

// CompletionRecord is what the fixture's Completion saw.
struct CompletionRecord {
  int worker = 0;
  bool has_request = false;
  std::string path;
  int status = 0;
  uint64_t latency_ns = 0;
};

// HttpServerTest runs an HttpServer on 127.0.0.1:0. The default handler answers
// "<method> <target> <body>" as text/plain, with special targets:
//   /sleep     sleeps 150 ms first (sets sleeping_ on entry)
//   /close     sets Response::close
//   /no-content  answers 204
//   /header/<name>  answers the value of that request header
//   /big/<n>   answers n bytes of 'x'
//   /worker    answers the worker index
class HttpServerTest : public ::testing::Test {
 protected:
  ~HttpServerTest() override;
  // StartServer creates and starts the server; fails the test on error.
  void StartServer(const Limits& limits = Limits(), int workers = 1);
  static void Echo(const Request& request, Response& response, std::atomic<bool>* sleeping);
  std::vector<CompletionRecord> Completions();

  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::atomic<bool> sleeping_{false};
  std::mutex mu_;
  std::vector<CompletionRecord> completions_;  // guarded by mu_
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_TESTS_SERVER_HTTP_TEST_CLIENT_H_
