// File: server/fetch/url.h
// -----------------------------------------------------------------------------
// Url is an absolute http(s) URL as the fetch client needs it: scheme, host, port, and the
// request-target. Parsing is strict (RFC 3986 §3 subset): no user info (credentials do not
// belong in configuration URLs), no fragment, no whitespace or control characters.
#ifndef TOKENWARDEN_SERVER_FETCH_URL_H_
#define TOKENWARDEN_SERVER_FETCH_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

namespace tokenwarden::server::fetch {

struct Url {
  std::string scheme;  // "https" or "http", lower case
  std::string host;    // lower case; an IPv6 literal without its brackets
  uint16_t port = 0;   // the explicit port, else 443 / 80
  std::string target;  // path and query, "/" when the URL has no path
  bool ipv6_literal = false;
  bool explicit_port = false;

  // HostHeader is the Host field value (RFC 9110 §7.2): brackets kept, port when explicit.
  std::string HostHeader() const;
  // Origin is scheme://host[:port], for messages.
  std::string Origin() const;
};

// kMaxUrlBytes bounds what ParseUrl accepts.
inline constexpr size_t kMaxUrlBytes = 4096;

absl::StatusOr<Url> ParseUrl(std::string_view text);

// IsIpAddress tells whether `host` (as in Url::host) is an IPv4 or IPv6 literal.
bool IsIpAddress(std::string_view host);

}  // namespace tokenwarden::server::fetch

#endif  // TOKENWARDEN_SERVER_FETCH_URL_H_
