// File: base/form_urlencoded.h
// -----------------------------------------------------------------------------
// The application/x-www-form-urlencoded codec (RFC 6749 Appendix B) for one name or value.
// The server decodes /introspect and /revoke bodies and Basic client credentials with it
// (server/http/form_params.h splits a whole body); the upstream introspection client encodes
// its requests and credentials. One codec for both directions, in neither user's library.
#ifndef TOKENWARDEN_BASE_FORM_URLENCODED_H_
#define TOKENWARDEN_BASE_FORM_URLENCODED_H_

#include <string>
#include <string_view>

namespace tokenwarden::base {

// FormEncode percent-encodes `value` as RFC 6749 Appendix B asks: ALPHA / DIGIT / "-" / "." /
// "_" / "~" stay, every other byte (space included) is %XX in uppercase hex.
std::string FormEncode(std::string_view value);

// FormDecode decodes one name or value into `out` (replacing what it held): '+' is a space,
// %XX a byte (hex either case). Returns false on a '%' not followed by two hex digits (`out`
// is then unspecified).
[[nodiscard]] bool FormDecode(std::string_view in, std::string& out);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_FORM_URLENCODED_H_
