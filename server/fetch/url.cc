#include "server/fetch/url.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

#include <absl/status/status.h>

#include "base/ascii.h"
#include "base/str_cat.h"

namespace tokenwarden::server::fetch {
namespace {

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError(base::StrCat("URL ", why));
}

// RFC 3986 §3.2.2 reg-name characters we accept (no percent-encoding in host names).
bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string Url::HostHeader() const {
  std::string out = ipv6_literal ? base::StrCat("[", host, "]") : host;
  if (explicit_port) {
    base::StrAppend(&out, ":", port);
  }
  return out;
}

std::string Url::Origin() const { return base::StrCat(scheme, "://", HostHeader()); }

bool IsIpAddress(std::string_view host) {
  const std::string copy(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, copy.c_str(), buf) == 1 || inet_pton(AF_INET6, copy.c_str(), buf) == 1;
}

absl::StatusOr<Url> ParseUrl(std::string_view text) {
  if (text.size() > kMaxUrlBytes) {
    return Bad("is longer than 4096 bytes");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return Bad("contains a space, a control or a non-ASCII character");
    }
  }
  Url url;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return Bad("is not absolute (scheme://host/...)");
  }
  url.scheme = base::AsciiLowerCopy(text.substr(0, sep));
  if (url.scheme != "https" && url.scheme != "http") {
    return Bad("scheme must be https or http");
  }
  std::string_view rest = text.substr(sep + 3);
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (target.find('#') != std::string_view::npos) {
    return Bad("has a fragment (#...)");
  }
  if (authority.find('@') != std::string_view::npos) {
    return Bad("has user info (user@host): put credentials in the configuration's secret fields");
  }
  std::string_view host, port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Bad("has an unterminated IPv6 literal");
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return Bad("has characters after the IPv6 literal");
    }
    port = after.empty() ? "" : after.substr(1);
    url.ipv6_literal = true;
    unsigned char buf[16];
    if (inet_pton(AF_INET6, std::string(host).c_str(), buf) != 1) {
      return Bad("has an invalid IPv6 literal");
    }
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    port = colon == std::string_view::npos ? "" : authority.substr(colon + 1);
    for (char c : base::AsciiLowerCopy(host)) {
      if (!IsHostChar(c)) {
        return Bad("has an invalid host name");
      }
    }
  }
  if (host.empty()) {
    return Bad("has no host");
  }
  url.host = base::AsciiLowerCopy(host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (authority.find(':', url.ipv6_literal ? authority.find(']') : 0) != std::string_view::npos) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return Bad("has an invalid port");
    }
    url.port = static_cast<uint16_t>(value);
    url.explicit_port = true;
  }
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target.front() == '?') {
    url.target.insert(url.target.begin(), '/');
  }
  return url;
}

}  // namespace tokenwarden::server::fetch
