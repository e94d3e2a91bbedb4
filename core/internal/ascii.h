// File: core/internal/ascii.h
// -----------------------------------------------------------------------------
// ASCII helpers over std::string_view (Debian's absl::string_view is a different type, see
// str_cat.h): case-insensitive comparison for scheme names and media types, whitespace
// trimming for header values. Hex digits are in base/hex.h.
#ifndef TOKENWARDEN_CORE_INTERNAL_ASCII_H_
#define TOKENWARDEN_CORE_INTERNAL_ASCII_H_

#include <string_view>

namespace tokenwarden::internal {

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

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

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_ASCII_H_
