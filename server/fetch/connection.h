// File: server/fetch/connection.h
// -----------------------------------------------------------------------------
// Connection is one outbound TCP connection of the fetch client, plain or under TLS
// (tls_client.h): connect with a deadline (to the URL's host, or where a connect_to entry
// sends it), the TLS handshake with the peer checked for the URL's host, and blocking reads and
// writes bounded by a deadline over a non-blocking socket. HttpsClient (https_client.h) runs
// exchanges over it, one per connection or several in turn when a ConnectionPool keeps it.
#ifndef TOKENWARDEN_SERVER_FETCH_CONNECTION_H_
#define TOKENWARDEN_SERVER_FETCH_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <openssl/base.h>

#include "base/unique_fd.h"
#include "server/fetch/fetcher.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::fetch {

// Deadline is the moment a step (connect, handshake, exchange) must be over by.
struct Deadline {
  std::chrono::steady_clock::time_point at;

  // After is the deadline `ms` milliseconds from now.
  static Deadline After(uint32_t ms);
  // RemainingMs is what is left, 0 once it has passed.
  int RemainingMs() const;
};

// Where names a request in messages: origin and path, never the query (it may carry data that
// does not belong in logs).
std::string Where(const Url& url);

// Connection owns one socket and, for https, its SSL. Errors carry the codes of Fetcher
// (fetcher.h): kUnavailable, kPermissionDenied, kDeadlineExceeded.
// Thread-safety: none; one exchange at a time, by one thread (a pool hands it over).
class Connection {
 public:
  // Open connects to `url` by `deadline`. With `ctx` (an https URL) it runs the TLS handshake,
  // offering `session` (may be null) for resumption; `ca_file` (as configured, "" = the
  // system bundle) names the roots in the message when the chain is refused. `url` must
  // outlive the connection's use until SetUrl names another.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Url& url,
                                                          std::span<const ConnectTo> connect_to,
                                                          SSL_CTX* ctx, const std::string& ca_file,
                                                          SSL_SESSION* session,
                                                          const Deadline& deadline);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // CaptureSessions makes every connection over `ctx` keep the newest session the server
  // offers for resumption (TLS 1.3 tickets arrive after the handshake, while reading), for
  // TakeSession. BoringSSL keeps no client-side cache itself.
  static void CaptureSessions(SSL_CTX* ctx);

  // SetUrl names the request now under way in error messages (same origin as Open's).
  void SetUrl(const Url& url) { url_ = &url; }
  absl::Status Write(std::string_view data, const Deadline& deadline);
  // Read returns the bytes read, 0 at the end of the stream (with or without close_notify:
  // the response's framing decides whether that was complete).
  absl::StatusOr<size_t> Read(char* buf, size_t len, const Deadline& deadline);

  // IdleAndOpen checks a connection nobody used since its last exchange: true when the peer
  // has neither closed it (a readable end of stream, a reset) nor sent bytes no request asked
  // for. TLS records without application data (a late session ticket) are consumed.
  bool IdleAndOpen();
  // HasBufferedInput reports decrypted bytes read from the socket and not yet returned: after
  // a complete response, bytes nobody asked for.
  bool HasBufferedInput() const;
  // resumed reports whether the TLS handshake resumed an earlier session.
  bool resumed() const;
  // TakeSession returns the newest resumable session captured on this connection, or null.
  bssl::UniquePtr<SSL_SESSION> TakeSession();

 private:
  Connection(base::UniqueFd fd, const Url& url);
  absl::Status Handshake(SSL_CTX* ctx, const std::string& ca_file, SSL_SESSION* session,
                         const Deadline& deadline);
  static int OnNewSession(SSL* ssl, SSL_SESSION* session);

  base::UniqueFd fd_;
  const Url* url_;
  bssl::UniquePtr<SSL> ssl_;
  bssl::UniquePtr<SSL_SESSION> session_;  // the newest ticket (CaptureSessions)
};

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_CONNECTION_H_
