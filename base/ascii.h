// File: base/ascii.h
// -----------------------------------------------------------------------------
// ASCII helpers over std::string_view (Debian's absl::string_view is a different type, see
// str_cat.h, so absl/strings/ascii.h does not take our views): case-insensitive comparison for
// scheme names and media types (HTTP's, and JOSE's `typ`), whitespace trimming for header
// values. Hex digits are in base/hex.h.
#ifndef TOKENWARDEN_BASE_ASCII_H_
#define TOKENWARDEN_BASE_ASCII_H_

#include <string>
#include <string_view>

namespace tokenwarden::base {

// AsciiLower maps 'A'-'Z' to 'a'-'z' and leaves every other byte alone (no locale).
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// AsciiLowerCopy is `s` with AsciiLower applied to every byte.
inline std::string AsciiLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = AsciiLower(c);
  }
  return out;
}

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// EqualsIgnoreCase compares `a` and `b` with ASCII letters folded to lowercase.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

// StartsWithIgnoreCase reports whether `text` begins with `prefix`, ASCII case folded.
inline bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// StripWhitespace removes leading and trailing spaces and tabs (HTTP's OWS).
inline std::string_view StripWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_ASCII_H_
