// File: server/http/request_target.h
// -----------------------------------------------------------------------------
// The syntax of what names the resource of a request: the Host field (RFC 9112 §3.2) and the
// four forms of request-target (RFC 9112 §3.2.1-§3.2.4). The transport refuses (400) a
// request whose Host or target does not parse, so a route never sees a target an
// intermediary in front of us could have read differently.
#ifndef TOKENWARDEN_SERVER_HTTP_REQUEST_TARGET_H_
#define TOKENWARDEN_SERVER_HTTP_REQUEST_TARGET_H_

#include <cstdint>
#include <string_view>

namespace tokenwarden::server::http {

// IsValidHost: `value` is `uri-host [ ":" port ]` (RFC 3986 §3.2.2-§3.2.3) with a non-empty
// host (RFC 9110 §4.2.1: an http URI never has an empty host) and, when present, a port of at
// most 65535. uri-host is a reg-name (unreserved, pct-encoded, sub-delims), a dotted IPv4
// address, or a bracketed IPv6 address / IPvFuture. Anything else (spaces, '/', '@',
// non-ASCII bytes, a port that is not a number) is invalid.
bool IsValidHost(std::string_view value);

enum class TargetForm : uint8_t {
  kOrigin,     // "/path?query"
  kAbsolute,   // "http://authority/path?query" (http or https, RFC 9112 §3.2.2)
  kAuthority,  // "host:port", CONNECT only
  kAsterisk,   // "*", OPTIONS only
  kInvalid,
};

// ParsedTarget is a request-target split into what routing needs. Views into the target.
struct ParsedTarget {
  TargetForm form = TargetForm::kInvalid;
  std::string_view authority;  // kAbsolute: the authority; kAuthority: the whole target
  std::string_view path;       // kOrigin/kAbsolute: the path ("/" when absent), else empty
  std::string_view query;      // kOrigin/kAbsolute: after '?' (empty when none)
  bool has_query = false;      // a '?' was present
  uint16_t default_port = 0;   // kAbsolute: 80 for http, 443 for https
};

// ParseTarget classifies `target` for a request with `method`. It is kInvalid when the target
// holds bytes outside RFC 3986's characters (controls, space, non-ASCII), when its form does
// not match the method (CONNECT needs authority-form and only CONNECT may use it; "*" is for
// OPTIONS), or when an absolute-form target's scheme is not http/https or its authority is not
// a valid host.
ParsedTarget ParseTarget(std::string_view method, std::string_view target);

// SameAuthority compares two valid `host[:port]` values as RFC 3986 §6.2.2.1 and §6.2.3 do:
// the host case-insensitively, an absent or empty port equal to `default_port`.
bool SameAuthority(std::string_view a, std::string_view b, uint16_t default_port);

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_REQUEST_TARGET_H_
