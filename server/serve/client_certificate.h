// File: server/serve/client_certificate.h
// -----------------------------------------------------------------------------
// The client certificate a gateway that terminates mutual TLS forwards to /validate, as the
// x5t#S256 thumbprint a certificate-bound token names (RFC 8705 §3.1). Two forms:
//   pem   a PEM certificate, URL-encoded (nginx: proxy_set_header X-SSL-Client-Cert
//         $ssl_client_escaped_cert;) or plain, or its base64 body alone (Traefik's
//         passTLSClientCert, whose chain follows comma-separated: the first is the client's);
//   xfcc  Envoy's x-forwarded-client-cert: exactly one element (forward_client_cert_details
//         SANITIZE_SET: the edge proxy's own, about its client), whose Hash= (hex SHA-256 of
//         the DER certificate) or, without one, Cert= (a URL-encoded PEM) is used.
// The header is believed because /validate is reachable from the gateway only (README): a
// gateway must overwrite it on every request, never pass a client's own through.
#ifndef TOKENWARDEN_SERVER_SERVE_CLIENT_CERTIFICATE_H_
#define TOKENWARDEN_SERVER_SERVE_CLIENT_CERTIFICATE_H_

#include <string>
#include <string_view>

#include "server/config/config.h"
#include "server/http/message.h"

namespace tokenwarden::server {

struct ForwardedCertificate {
  // thumbprint: base64url SHA-256 of the DER certificate; empty when none was forwarded.
  std::string thumbprint;
  // malformed: the header is there but holds no certificate (or twice, or several XFCC
  // elements): a request the gateway garbled is refused, never treated as certificate-less.
  bool malformed = false;
};

ForwardedCertificate ForwardedCertificateOf(const http::Request& request,
                                            const ClientCertificateConfig& config);

// PemCertificateThumbprint is the thumbprint of a (possibly URL-encoded) PEM certificate;
// empty when it is not one.
std::string PemCertificateThumbprint(std::string_view pem);

// XfccCertificateThumbprint is the thumbprint an x-forwarded-client-cert value names; empty
// when it names none or holds more than one element.
std::string XfccCertificateThumbprint(std::string_view xfcc);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_CLIENT_CERTIFICATE_H_
