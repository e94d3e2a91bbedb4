// File: server/fetch/fetcher.h
// -----------------------------------------------------------------------------
// Fetcher is how `tokenwarden serve` talks to issuers: one blocking HTTP exchange (discovery
// document, JWK Set, upstream introspection). HttpsClient (https_client.h) is the real one;
// tests substitute fakes. Calls run on fetch threads, never on a worker's event loop.
#ifndef TOKENWARDEN_SERVER_FETCH_FETCHER_H_
#define TOKENWARDEN_SERVER_FETCH_FETCHER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/statusor.h>

namespace tokenwarden::server::fetch {

// ConnectTo sends the connections for one origin's host and port to another address, as
// curl's --connect-to does: split DNS, an egress proxy's address, a local stand-in of the
// issuer. Only where the TCP connection goes changes: the Host header, the TLS server name
// and the certificate's host-name check still use the URL's host.
struct ConnectTo {
  std::string host;  // as in Url::host: lower case, an IPv6 literal without brackets
  uint16_t port = 0;
  std::string to_host;  // a DNS name or an IP literal (without brackets)
  uint16_t to_port = 0;
};

// FetchOptions are per issuer (each issuer may have its own private CA).
struct FetchOptions {
  // ca_file: PEM bundle of trusted roots; "" = the system bundle
  // (/etc/ssl/certs/ca-certificates.crt).
  std::string ca_file;
  // allow_plain_http lets http:// URLs through (tests, loopback); https:// is always allowed.
  bool allow_plain_http = false;
  uint32_t connect_timeout_ms = 5000;   // TCP connect + TLS handshake
  uint32_t timeout_ms = 10000;          // the whole exchange, from the start of the call
  size_t max_response_bytes = 1 << 20;  // response body, after de-chunking
  size_t max_header_bytes = 16384;      // status line + response headers
  std::vector<ConnectTo> connect_to;    // the first entry matching host and port applies
  // max_connections > 0 keeps connections open between exchanges (HTTP/1.1 keep-alive, TLS
  // sessions resumed for new ones; connection_pool.h): at most this many at once, a caller
  // beyond them waits within its timeout_ms. 0: a new connection for every exchange, with
  // `Connection: close` (what key fetches use: one request every few minutes).
  size_t max_connections = 0;
  // idle_timeout_ms closes a kept connection this long after its last exchange: 4 s is below
  // the shortest keep-alive timeouts servers commonly default to (5 s: Apache httpd,
  // Node.js), so tokenwarden, not the server, usually ends an idle connection.
  uint32_t idle_timeout_ms = 4000;
};

struct FetchRequest {
  std::string method = "GET";
  std::string url;  // absolute http(s) URL
  // Extra request headers (If-None-Match, Authorization, Content-Type, Accept...). The client
  // adds Host, Content-Length (when there is a body), User-Agent and, unless it keeps
  // connections (FetchOptions::max_connections), Connection: close.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct FetchResponse {
  int status = 0;
  // Header fields in order, names as received, values trimmed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Header returns the first field named `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// ConnectionStats counts a fetcher's connections since it was made.
struct ConnectionStats {
  uint64_t opened = 0;   // new connections (TCP, and TLS for https)
  uint64_t resumed = 0;  // of those, TLS handshakes that resumed an earlier session
  uint64_t reused = 0;   // exchanges on a connection kept from an earlier one
  uint64_t retried = 0;  // exchanges sent again on a new connection: a kept one had closed
};

// Fetcher performs one exchange. Errors (never a partial response):
//   kInvalidArgument      the URL is malformed, or http:// without allow_plain_http
//   kUnavailable          DNS, connect refused/reset, TLS handshake failure other than below
//   kPermissionDenied     the server's certificate was refused (chain, hostname, expiry)
//   kDeadlineExceeded     connect_timeout_ms or timeout_ms ran out
//   kResourceExhausted    the response head or body exceeded its limit
//   kFailedPrecondition   a redirect (3xx other than 304) — redirects are refused
//   kDataLoss             the response is not valid HTTP/1.1 (or ended early)
// Any other status code (2xx, 304, 4xx, 5xx) is a response, not an error.
// Thread-safety: Fetch may be called concurrently.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) = 0;
  // Connections counts the connections made and reused (zeros for fetchers without any).
  virtual ConnectionStats Connections() const { return {}; }
};

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_FETCHER_H_
