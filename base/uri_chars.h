// File: base/uri_chars.h
// -----------------------------------------------------------------------------
// The character classes of RFC 3986 §2, one copy for the request-target parser
// (server/http/request_target.cc) and the URI normaliser DPoP compares with
// (core/http_uri.cc).
#ifndef TOKENWARDEN_BASE_URI_CHARS_H_
#define TOKENWARDEN_BASE_URI_CHARS_H_

namespace tokenwarden::base {

inline bool IsUriAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsUriDigit(char c) { return c >= '0' && c <= '9'; }

// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"  (§2.3)
inline bool IsUriUnreserved(char c) {
  return IsUriAlpha(c) || IsUriDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="  (§2.2)
inline bool IsUriSubDelim(char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_URI_CHARS_H_
