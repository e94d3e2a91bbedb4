// File: server/fetch/https_client.h
// -----------------------------------------------------------------------------
// HttpsClient is the Fetcher of `tokenwarden serve`: one HTTP/1.1 exchange per call over a
// new connection (`Connection: close`), TLS by BoringSSL's libssl. What it enforces:
//   - TLS 1.2 or later; the server's chain verified against the system CA bundle or the
//     issuer's own CA file, and its certificate checked for the URL's host name (or IP
//     address) — no option turns verification off;
//   - plain http:// only with FetchOptions::allow_plain_http;
//   - a connect timeout and a deadline for the whole exchange; bounded head and body;
//   - redirects refused (a moved JWK Set is a configuration change, not something to follow).
// Name resolution is getaddrinfo on the calling thread: call Fetch from a fetch thread.
// Thread-safety: Fetch may run concurrently (the SSL_CTX is shared, connections are not).
#ifndef TOKENWARDEN_SERVER_FETCH_HTTPS_CLIENT_H_
#define TOKENWARDEN_SERVER_FETCH_HTTPS_CLIENT_H_

#include <memory>

#include <absl/status/statusor.h>
#include <openssl/base.h>

#include "server/fetch/fetcher.h"
#include "server/fetch/tls_client.h"

namespace tokenwarden::server::fetch {

class HttpsClient final : public Fetcher {
 public:
  // Create loads the CA bundle; a missing, unreadable or certificate-less file is an error
  // naming it.
  static absl::StatusOr<std::unique_ptr<HttpsClient>> Create(FetchOptions options);
  ~HttpsClient() override;

  absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) override;

 private:
  HttpsClient(FetchOptions options, bssl::UniquePtr<SSL_CTX> ctx);
  FetchOptions options_;
  bssl::UniquePtr<SSL_CTX> ctx_;
};

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_HTTPS_CLIENT_H_
