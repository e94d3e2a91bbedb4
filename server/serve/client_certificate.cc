#include "server/serve/client_certificate.h"

#include <optional>
#include <vector>

#include <openssl/x509.h>

#include "base/base64.h"
#include "base/base64url.h"
#include "base/hex.h"
#include "core/possession.h"

namespace tokenwarden::server {

namespace {

// kMaxCertificateBytes bounds what is decoded: a certificate chain member is a few KiB.
constexpr size_t kMaxCertificateBytes = 16384;

// PercentDecode undoes URL-encoding (%XX only: '+' is a base64 character here, not a
// space); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? base::HexDigitValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? base::HexDigitValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// SplitOutsideQuotes splits `text` on `separator` where it is not inside a quoted string
// (XFCC values such as Subject="CN=a,O=b" are quoted; '\' escapes inside quotes).
std::vector<std::string_view> SplitOutsideQuotes(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string_view Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

}  // namespace

std::string PemCertificateThumbprint(std::string_view pem) {
  if (pem.size() > 2 * kMaxCertificateBytes) {
    return {};
  }
  const std::optional<std::string> text = PercentDecode(pem);
  if (!text.has_value()) {
    return {};
  }
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::string_view armored = *text;
  const size_t begin = armored.find(kBegin);
  if (begin != std::string_view::npos) {
    const size_t end = armored.find(kEnd);
    if (end == std::string_view::npos || end < begin ||
        armored.find(kBegin, begin + 1) != std::string_view::npos) {
      return {};  // not one certificate: a chain names no single client
    }
    armored = armored.substr(begin + kBegin.size(), end - begin - kBegin.size());
  } else {
    // Traefik's passTLSClientCert sends the base64 body alone, and the peer's chain comma-
    // separated after it: TLS puts the client's own certificate first (RFC 8446 §4.4.2).
    armored = armored.substr(0, armored.find(','));
  }
  std::string body;
  for (const char c : armored) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
      body += c;
    }
  }
  const std::optional<std::string> der = base::Base64Decode(body);
  if (!der.has_value() || der->empty()) {
    return {};
  }
  // Only a well-formed X.509 certificate has a thumbprint worth comparing.
  const auto* cursor = reinterpret_cast<const uint8_t*>(der->data());
  bssl::UniquePtr<X509> certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der->size())));
  if (certificate == nullptr ||
      cursor != reinterpret_cast<const uint8_t*>(der->data()) + der->size()) {
    return {};
  }
  return CertificateThumbprint(*der);
}

std::string XfccCertificateThumbprint(std::string_view xfcc) {
  if (xfcc.size() > 4 * kMaxCertificateBytes) {
    return {};
  }
  const std::vector<std::string_view> elements = SplitOutsideQuotes(xfcc, ',');
  if (elements.size() != 1) {
    return {};
  }
  std::string_view hash, cert;
  for (const std::string_view pair : SplitOutsideQuotes(elements[0], ';')) {
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return {};
    }
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = Unquote(pair.substr(eq + 1));
    if (key == "Hash") {
      hash = value;
    } else if (key == "Cert") {
      cert = value;
    }
  }
  if (!hash.empty()) {
    if (hash.size() != 64) {
      return {};
    }
    std::vector<uint8_t> digest;
    for (size_t i = 0; i < hash.size(); i += 2) {
      const int hi = base::HexDigitValue(hash[i]);
      const int lo = base::HexDigitValue(hash[i + 1]);
      if (hi < 0 || lo < 0) {
        return {};
      }
      digest.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
    return base::Base64UrlEncode(digest);
  }
  return cert.empty() ? std::string() : PemCertificateThumbprint(cert);
}

ForwardedCertificate ForwardedCertificateOf(const http::Request& request,
                                            const ClientCertificateConfig& config) {
  ForwardedCertificate out;
  const size_t count = request.HeaderCount(config.header);
  if (count == 0) {
    return out;
  }
  const std::string_view value = *request.Header(config.header);
  if (count == 1 && value.empty()) {
    return out;  // a gateway that had no client certificate may send the header empty
  }
  if (count == 1) {
    out.thumbprint = config.format == ClientCertificateConfig::Format::kXfcc
                         ? XfccCertificateThumbprint(value)
                         : PemCertificateThumbprint(value);
  }
  out.malformed = out.thumbprint.empty();
  return out;
}

}  // namespace tokenwarden::server
