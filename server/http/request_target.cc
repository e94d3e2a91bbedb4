#include "server/http/request_target.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/ascii.h"
#include "base/hex.h"
#include "base/uri_chars.h"

namespace tokenwarden::server::http {

using base::EqualsIgnoreCase;
using base::HexDigitValue;
using base::IsUriAlpha;
using base::IsUriDigit;
using base::IsUriSubDelim;
using base::IsUriUnreserved;
namespace {

// PctEncodedAt: s[i] is '%' followed by two hex digits.
bool PctEncodedAt(std::string_view s, size_t i) {
  return s[i] == '%' && i + 2 < s.size() && HexDigitValue(s[i + 1]) >= 0 &&
         HexDigitValue(s[i + 2]) >= 0;
}

// IsRegName: RFC 3986 §3.2.2 reg-name, non-empty.
bool IsRegName(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (!PctEncodedAt(s, i)) {
        return false;
      }
      i += 2;
    } else if (!IsUriUnreserved(s[i]) && !IsUriSubDelim(s[i])) {
      return false;
    }
  }
  return true;
}

// IsIpLiteral: "[" ( IPv6address / IPvFuture ) "]" (RFC 3986 §3.2.2; no zone identifiers).
bool IsIpLiteral(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') {
    return false;
  }
  const std::string_view inner = s.substr(1, s.size() - 2);
  if (inner.front() == 'v' || inner.front() == 'V') {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    size_t i = 1;
    while (i < inner.size() && HexDigitValue(inner[i]) >= 0) {
      ++i;
    }
    if (i == 1 || i >= inner.size() || inner[i] != '.' || i + 1 == inner.size()) {
      return false;
    }
    for (++i; i < inner.size(); ++i) {
      if (!IsUriUnreserved(inner[i]) && !IsUriSubDelim(inner[i]) && inner[i] != ':') {
        return false;
      }
    }
    return true;
  }
  if (inner.size() > 45) {  // INET6_ADDRSTRLEN - 1: the longest textual IPv6 address
    return false;
  }
  unsigned char addr[16];
  return inet_pton(AF_INET6, std::string(inner).c_str(), addr) == 1;
}

// SplitPort splits "host[:port]" at the port's colon (the last one outside brackets).
void SplitPort(std::string_view value, std::string_view& host, std::string_view& port,
               bool& has_port) {
  const size_t bracket = value.rfind(']');
  const size_t colon = value.rfind(':');
  has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  host = has_port ? value.substr(0, colon) : value;
  port = has_port ? value.substr(colon + 1) : std::string_view();
}

// PortNumber: RFC 3986's port is *DIGIT; we also bound it to 16 bits. -1 when invalid, 0 for
// an empty port.
int PortNumber(std::string_view port) {
  if (port.size() > 5) {
    return -1;
  }
  int value = 0;
  for (const char c : port) {
    if (!IsUriDigit(c)) {
      return -1;
    }
    value = value * 10 + (c - '0');
  }
  return value <= 65535 ? value : -1;
}

// IsTargetChar: a byte RFC 3986 allows in a path or query (unreserved, sub-delims, ':', '@',
// '/', '?', and '%' checked separately). Controls, space, non-ASCII, '#' and the delimiters
// RFC 3986 excludes ('"', '<', '>', '\', '^', '`', '{', '|', '}') are not.
bool IsTargetChar(char c) {
  return IsUriUnreserved(c) || IsUriSubDelim(c) || c == ':' || c == '@' || c == '/' || c == '?';
}

bool IsPathAndQuery(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (!PctEncodedAt(s, i)) {
        return false;
      }
      i += 2;
    } else if (!IsTargetChar(s[i])) {
      return false;
    }
  }
  return true;
}

void SplitQuery(std::string_view path_and_query, ParsedTarget& out) {
  const size_t question = path_and_query.find('?');
  out.has_query = question != std::string_view::npos;
  out.path = path_and_query.substr(0, question);
  out.query = out.has_query ? path_and_query.substr(question + 1) : std::string_view();
}

ParsedTarget ParseAbsolute(std::string_view target) {
  ParsedTarget out;
  size_t scheme_len = 0;
  if (target.size() > 7 && EqualsIgnoreCase(target.substr(0, 7), "http://")) {
    scheme_len = 7;
    out.default_port = 80;
  } else if (target.size() > 8 && EqualsIgnoreCase(target.substr(0, 8), "https://")) {
    scheme_len = 8;
    out.default_port = 443;
  } else {
    return out;
  }
  const std::string_view rest = target.substr(scheme_len);
  const size_t end = rest.find_first_of("/?");
  out.authority = rest.substr(0, end);
  // userinfo ('@') is refused by IsValidHost (RFC 9110 §4.2.4: an error to be treated so).
  if (!IsValidHost(out.authority)) {
    return ParsedTarget();
  }
  const std::string_view path_and_query =
      end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (!IsPathAndQuery(path_and_query)) {
    return ParsedTarget();
  }
  SplitQuery(path_and_query, out);
  if (out.path.empty()) {
    out.path = "/";  // RFC 9112 §3.2.1: an empty path is "/"
  }
  out.form = TargetForm::kAbsolute;
  return out;
}

}  // namespace

bool IsValidHost(std::string_view value) {
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  SplitPort(value, host, port, has_port);
  if (has_port && PortNumber(port) < 0) {
    return false;
  }
  if (!host.empty() && host.front() == '[') {
    return IsIpLiteral(host);
  }
  // A dotted IPv4 address is also a reg-name, so reg-name covers both.
  return IsRegName(host);
}

ParsedTarget ParseTarget(std::string_view method, std::string_view target) {
  ParsedTarget out;
  const bool connect = method == "CONNECT";
  if (connect) {
    // RFC 9112 §3.2.3: authority-form, "host:port" with the port required.
    std::string_view host;
    std::string_view port;
    bool has_port = false;
    SplitPort(target, host, port, has_port);
    if (has_port && !port.empty() && IsValidHost(target)) {
      out.form = TargetForm::kAuthority;
      out.authority = target;
    }
    return out;
  }
  if (target == "*") {
    out.form = method == "OPTIONS" ? TargetForm::kAsterisk : TargetForm::kInvalid;
    return out;
  }
  if (!target.empty() && target.front() == '/') {
    if (IsPathAndQuery(target)) {
      out.form = TargetForm::kOrigin;
      SplitQuery(target, out);
    }
    return out;
  }
  return ParseAbsolute(target);
}

bool SameAuthority(std::string_view a, std::string_view b, uint16_t default_port) {
  std::string_view host_a;
  std::string_view port_a;
  std::string_view host_b;
  std::string_view port_b;
  bool has_a = false;
  bool has_b = false;
  SplitPort(a, host_a, port_a, has_a);
  SplitPort(b, host_b, port_b, has_b);
  const int num_a = port_a.empty() ? default_port : PortNumber(port_a);
  const int num_b = port_b.empty() ? default_port : PortNumber(port_b);
  return num_a == num_b && EqualsIgnoreCase(host_a, host_b);
}

}  // namespace tokenwarden::server::http
