// File: server/fetch/https_client.h
// -----------------------------------------------------------------------------
// HttpsClient is the Fetcher of `tokenwarden serve`: HTTP/1.1 exchanges over TLS by
// BoringSSL's libssl. What it enforces:
//   - TLS 1.2 or later; the server's chain verified against the system CA bundle or the
//     issuer's own CA file, and its certificate checked for the URL's host name (or IP
//     address) — no option turns verification off;
//   - plain http:// only with FetchOptions::allow_plain_http;
//   - a connect timeout and a deadline for the whole exchange; bounded head and body;
//   - redirects refused (a moved JWK Set is a configuration change, not something to follow).
// By default every exchange has a connection of its own (`Connection: close`). With
// FetchOptions::max_connections (upstream introspection, where every cache miss is a call)
// connections are kept in a ConnectionPool and reused while the server keeps them open; a
// connection is reused only after an exchange that ended cleanly (the response read whole,
// no `Connection: close`, no error), and an exchange that fails on a kept connection before
// any byte of a response arrived (the server closed it while it was idle, RFC 9112 §9.3.1) is
// sent once more on a new connection. Only requests safe to repeat may use such a client:
// RFC 7662 introspection changes nothing at the issuer. Never after a response byte.
// Name resolution is getaddrinfo on the calling thread: call Fetch from a fetch thread.
// Thread-safety: Fetch may run concurrently (the SSL_CTX and the pool are shared,
// connections are used by one exchange at a time).
#ifndef TOKENWARDEN_SERVER_FETCH_HTTPS_CLIENT_H_
#define TOKENWARDEN_SERVER_FETCH_HTTPS_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <absl/status/statusor.h>
#include <openssl/base.h>

#include "server/fetch/fetcher.h"
#include "server/fetch/tls_client.h"

namespace tokenwarden::server::fetch {

class Connection;
class ConnectionPool;
struct Deadline;
struct Url;

class HttpsClient final : public Fetcher {
 public:
  // Create loads the CA bundle; a missing, unreadable or certificate-less file is an error
  // naming it.
  static absl::StatusOr<std::unique_ptr<HttpsClient>> Create(FetchOptions options);
  ~HttpsClient() override;

  absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) override;
  ConnectionStats Connections() const override;

 private:
  struct Exchanged;
  HttpsClient(FetchOptions options, bssl::UniquePtr<SSL_CTX> ctx);
  // Open makes a new connection for `url` (resuming `origin`'s session when pooled).
  absl::StatusOr<std::unique_ptr<Connection>> Open(const Url& url, const std::string& origin,
                                                   const Deadline& deadline);
  Exchanged Exchange(Connection& connection, const Url& url, const FetchRequest& request,
                     const std::string& bytes, const Deadline& deadline);
  absl::StatusOr<FetchResponse> FetchPooled(const Url& url, const FetchRequest& request,
                                            const std::string& bytes, const Deadline& deadline);

  FetchOptions options_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  std::unique_ptr<ConnectionPool> pool_;  // null: one connection per exchange
  std::atomic<uint64_t> opened_{0}, resumed_{0}, reused_{0}, retried_{0};
};

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_HTTPS_CLIENT_H_
