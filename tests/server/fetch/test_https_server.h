// File: tests/server/fetch/test_https_server.h
// -----------------------------------------------------------------------------
// Test helpers for outbound HTTPS (the fetch client, key sources, upstream introspection):
//   TestPki         a throwaway certificate authority made in-process with BoringSSL, issuing
//                   leaf certificates for chosen names and validity windows;
//   TestHttpsServer a TLS (or plain) server on 127.0.0.1:0, a thread per connection, that
//                   answers every request with scripted raw bytes, optionally after a delay,
//                   and counts connections, resumed TLS sessions and connections open at once.
#ifndef TOKENWARDEN_TESTS_SERVER_FETCH_TEST_HTTPS_SERVER_H_
#define TOKENWARDEN_TESTS_SERVER_FETCH_TEST_HTTPS_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <openssl/base.h>

namespace tokenwarden::testing {

struct TestLeaf {
  bssl::UniquePtr<EVP_PKEY> key;
  bssl::UniquePtr<X509> cert;
};

class TestPki {
 public:
  // TestPki makes a root CA and writes its certificate to `ca_pem_path`.
  explicit TestPki(std::string ca_pem_path);
  // Issue makes a leaf for `dns_names` and `ip_addresses`, valid from now + not_before_s to
  // now + not_after_s (negative values lie in the past).
  TestLeaf Issue(const std::vector<std::string>& dns_names,
                 const std::vector<std::string>& ip_addresses, int64_t not_before_s = -60,
                 int64_t not_after_s = 3600) const;
  // Localhost is Issue({"localhost"}, {"127.0.0.1"}).
  TestLeaf Localhost() const { return Issue({"localhost"}, {"127.0.0.1"}); }
  const std::string& ca_pem_path() const { return ca_pem_path_; }

 private:
  std::string ca_pem_path_;
  bssl::UniquePtr<EVP_PKEY> key_;
  bssl::UniquePtr<X509> cert_;
};

// HttpResponse builds raw response bytes with Content-Length and, when `close`,
// "Connection: close".
std::string HttpResponse(int status, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         bool close = true);

class TestHttpsServer {
 public:
  // Responder answers one request (its raw head and body) with raw bytes; "" closes the
  // connection without a word (a server that dropped it just as the request came).
  using Responder = std::function<std::string(const std::string& request)>;

  // A TLS server presenting `leaf` (max_version: e.g. TLS1_1_VERSION to test refusal; 0 =
  // default), or a plain one when `leaf` is null.
  explicit TestHttpsServer(const TestLeaf* leaf, uint16_t max_version = 0);
  ~TestHttpsServer();
  TestHttpsServer(const TestHttpsServer&) = delete;
  TestHttpsServer& operator=(const TestHttpsServer&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(const std::string& path) const;
  // Answer sets the reply for later requests; `delay_ms` passes before it is written.
  void Answer(std::string raw, int delay_ms = 0);
  void Respond(Responder responder, int delay_ms = 0);
  int requests() const { return requests_.load(); }
  std::string last_request() const;

  // KeepAlive makes the server read further requests on a connection after a reply without
  // "Connection: close" (the default closes after every reply, whatever it says).
  void KeepAlive(bool on) { keep_alive_ = on; }
  // connections counts accepted connections; resumed those whose TLS handshake resumed a
  // session; closed those the server is done with; max_open the most open at once.
  int connections() const { return connections_.load(); }
  int resumed() const { return resumed_.load(); }
  int closed() const { return closed_.load(); }
  int max_open() const { return max_open_.load(); }

 private:
  void Run();
  void Serve(int fd);
  // ReadRequest reads one request (head and Content-Length body); "" at the end or on error.
  std::string ReadRequest(SSL* ssl, int fd);

  bool tls_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> keep_alive_{false};
  std::atomic<int> requests_{0}, connections_{0}, resumed_{0}, closed_{0}, open_{0}, max_open_{0};
  mutable std::mutex mu_;
  Responder responder_;
  int delay_ms_ = 0;
  std::string last_request_;
  std::set<int> open_fds_;  // shut down at the end, so no connection thread waits on a read
  std::vector<std::thread> connection_threads_;
  std::thread thread_;
};

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_FETCH_TEST_HTTPS_SERVER_H_
