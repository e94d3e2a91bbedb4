#include "server/fetch/tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/str_cat.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::fetch {

absl::StatusOr<bssl::UniquePtr<SSL_CTX>> NewClientTlsContext(std::string_view ca_file) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot create a TLS context");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const std::string ca(ca_file.empty() ? std::string_view(kSystemCaBundle) : ca_file);
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        base::StrCat("CA file ", ca, ": unreadable or holds no PEM certificate"));
  }
  return ctx;
}

bool ExpectPeer(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const bool ip = IsIpAddress(host);
  const int named = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, host.data(), host.size());
  if (named != 1 || (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)) {
    ERR_clear_error();
    return false;
  }
  return true;
}

}  // namespace tokenwarden::server::fetch
