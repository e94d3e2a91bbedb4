// File: server/fetch/tls_client.h
// -----------------------------------------------------------------------------
// The client side of TLS as tokenwarden does it everywhere it connects out (issuers over
// HTTPS, server/fetch; Redis over rediss://, server/redis): BoringSSL's libssl, TLS 1.2 or
// later, the peer's chain verified against the system bundle or a given CA file, and its
// certificate checked for the host name or IP address that was dialled. Nothing turns
// verification off.
#ifndef TOKENWARDEN_SERVER_FETCH_TLS_CLIENT_H_
#define TOKENWARDEN_SERVER_FETCH_TLS_CLIENT_H_

#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <openssl/base.h>

namespace tokenwarden::server::fetch {

// kSystemCaBundle is the trust store used when no CA file is given (Debian's
// ca-certificates).
inline constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";

// NewClientTlsContext makes a verifying client context whose roots come from `ca_file` (the
// system bundle when empty); a missing, unreadable or certificate-less file is an error
// naming it.
absl::StatusOr<bssl::UniquePtr<SSL_CTX>> NewClientTlsContext(std::string_view ca_file);

// ExpectPeer makes `ssl` accept only a certificate for `host` (a DNS name, or an IP address
// literal) and, for a name, sends it as SNI; false when `host` cannot be used so.
bool ExpectPeer(SSL* ssl, const std::string& host);

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_TLS_CLIENT_H_
