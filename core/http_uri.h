// File: core/http_uri.h
// -----------------------------------------------------------------------------
// NormalizeHttpUri puts an http or https URI in the form DPoP compares (RFC 9449 §4.3: the
// proof's htu against the request's URI, "ignoring any query and fragment parts", after
// RFC 3986's syntax-based and scheme-based normalization), so that a client's spelling of the
// same URL and the gateway's compare equal, and nothing else does:
//   - the query and fragment are dropped;
//   - the scheme and host are lower-cased; a default port (80 for http, 443 for https) and an
//     empty port are dropped, leading zeros of a port too (§6.2.3);
//   - an empty path becomes "/" (§6.2.3);
//   - percent-encodings get upper-case hex digits, and those of unreserved characters
//     (ALPHA / DIGIT / "-" / "." / "_" / "~") are decoded (§6.2.2.1, §6.2.2.2);
//   - "." and ".." segments are removed (§5.2.4, §6.2.2.3);
//   - bytes a URI may not hold literally (space excepted: refused) are percent-encoded, as a
//     client that sent them raw would have had to.
// It refuses (nullopt) what has no such form rather than guess: another scheme, no "//"
// authority, user information ("user@host": a URL that names a user is not the resource's),
// an empty host or one that is neither a reg-name nor a bracketed IP literal, a port that is not
// 1-5 digits up to 65535, a malformed %-escape, a space or control character, and more than
// kMaxHttpUriBytes, before or after normalisation.
#ifndef TOKENWARDEN_CORE_HTTP_URI_H_
#define TOKENWARDEN_CORE_HTTP_URI_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tokenwarden {

inline constexpr size_t kMaxHttpUriBytes = 8192;

std::optional<std::string> NormalizeHttpUri(std::string_view uri);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_HTTP_URI_H_
