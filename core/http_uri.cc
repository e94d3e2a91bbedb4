#include "core/http_uri.h"

#include <cstdint>
#include <vector>

#include "base/ascii.h"
#include "base/hex.h"
#include "base/uri_chars.h"

namespace tokenwarden {

namespace {

char Lower(char c) { return base::AsciiLower(c); }

// IsLiteral: what a path or host may hold as is (pchar and '/' of §3.3, and the brackets of
// an IPv6 host). Everything else is percent-encoded by the normalization.
bool IsLiteral(char c) {
  return base::IsUriUnreserved(c) || base::IsUriSubDelim(c) || c == ':' || c == '@' || c == '/' ||
         c == '[' || c == ']';
}

void AppendEscaped(uint8_t byte, std::string& out) {
  out += '%';
  base::AppendHexByte(byte, out, base::HexCase::kUpper);
}

// AppendNormalized appends `part` with its percent-encodings normalized (§6.2.2.1-2) and
// lower-cased when `lower` (a host); false on a malformed escape, a space or control byte.
bool AppendNormalized(std::string_view part, bool lower, std::string& out) {
  for (size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    const auto byte = static_cast<uint8_t>(c);
    if (c == '%') {
      if (i + 2 >= part.size()) {
        return false;
      }
      const int hi = base::HexDigitValue(part[i + 1]);
      const int lo = base::HexDigitValue(part[i + 2]);
      if (hi < 0 || lo < 0) {
        return false;
      }
      const auto decoded = static_cast<uint8_t>(hi * 16 + lo);
      if (base::IsUriUnreserved(static_cast<char>(decoded))) {
        out += lower ? Lower(static_cast<char>(decoded)) : static_cast<char>(decoded);
      } else {
        AppendEscaped(decoded, out);
      }
      i += 2;
    } else if (byte <= 0x20 || byte == 0x7f) {
      return false;
    } else if (IsLiteral(c)) {
      out += lower ? Lower(c) : c;
    } else {
      AppendEscaped(byte, out);
    }
  }
  return true;
}

// IsHost: an IP-literal in brackets (hex digits, ':' and '.', RFC 3986 §3.2.2; IPvFuture is
// not taken), or a reg-name of unreserved characters, sub-delims and %-escapes. Anything else
// (a second ':', an '@', a stray bracket) would make the host and port ambiguous.
bool IsHost(std::string_view host) {
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return false;
    }
    for (const char c : host.substr(1, host.size() - 2)) {
      if (base::HexDigitValue(c) < 0 && c != ':' && c != '.') {
        return false;
      }
    }
    return true;
  }
  for (const char c : host) {
    if (!base::IsUriUnreserved(c) && !base::IsUriSubDelim(c) && c != '%') {
      return false;
    }
  }
  return true;
}

// RemoveDotSegments resolves "." and ".." in `path` (normalized, starting with '/') as
// RFC 3986 §5.2.4 does, never above the root.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> kept;
  bool trailing = false;
  std::string_view rest = path.substr(1);
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (segment == "." || segment == "..") {
      if (segment == ".." && !kept.empty()) {
        kept.pop_back();
      }
      trailing = last;
    } else {
      kept.push_back(segment);
    }
    if (last) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  std::string out = "/";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) {
      out += '/';
    }
    out += kept[i];
  }
  if (trailing && !kept.empty()) {
    out += '/';
  }
  return out;
}

// NormalizePort returns the port without leading zeros, "" for the scheme's default or an
// empty port, nullopt for anything but 1-5 digits up to 65535.
std::optional<std::string> NormalizePort(std::string_view port, std::string_view scheme) {
  if (port.empty()) {
    return std::string();
  }
  if (port.size() > 5) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (const char c : port) {
    if (!base::IsUriDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) {
    return std::nullopt;
  }
  if ((scheme == "http" && value == 80) || (scheme == "https" && value == 443)) {
    return std::string();
  }
  return std::to_string(value);
}

}  // namespace

std::optional<std::string> NormalizeHttpUri(std::string_view uri) {
  if (uri.size() > kMaxHttpUriBytes) {
    return std::nullopt;
  }
  uri = uri.substr(0, uri.find_first_of("?#"));
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string scheme;
  for (const char c : uri.substr(0, colon)) {
    scheme += Lower(c);
  }
  if ((scheme != "http" && scheme != "https") || uri.substr(colon + 1, 2) != "//") {
    return std::nullopt;
  }
  std::string_view rest = uri.substr(colon + 3);
  const size_t path_start = std::min(rest.find('/'), rest.size());
  const std::string_view authority = rest.substr(0, path_start);
  const std::string_view path = rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  // The port follows the last ':' unless an IPv6 literal's ']' comes after it.
  const size_t port_colon = authority.rfind(':');
  const size_t bracket = authority.rfind(']');
  const bool has_port = port_colon != std::string_view::npos &&
                        (bracket == std::string_view::npos || bracket < port_colon);
  const std::string_view host = has_port ? authority.substr(0, port_colon) : authority;
  if (host.empty() || !IsHost(host)) {
    return std::nullopt;
  }
  const std::optional<std::string> port =
      NormalizePort(has_port ? authority.substr(port_colon + 1) : std::string_view(), scheme);
  if (!port.has_value()) {
    return std::nullopt;
  }
  std::string out = scheme + "://";
  if (!AppendNormalized(host, /*lower=*/true, out)) {
    return std::nullopt;
  }
  if (!port->empty()) {
    out += ':';
    out += *port;
  }
  std::string normalized_path;
  if (!AppendNormalized(path.empty() ? std::string_view("/") : path, /*lower=*/false,
                        normalized_path)) {
    return std::nullopt;
  }
  out += RemoveDotSegments(normalized_path);
  if (out.size() > kMaxHttpUriBytes) {
    return std::nullopt;  // percent-encoding grew it: bounded both ways, so it normalises again
  }
  return out;
}

}  // namespace tokenwarden
