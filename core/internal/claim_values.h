// File: core/internal/claim_values.h
// -----------------------------------------------------------------------------
// How a claim's value becomes the typed field it fills, for both payload readers (the byte
// walk in claims_reader.cc and the compact reader in compact_claims.cc): one definition of a
// whole-number NumericDate and of RFC 6749 §3.3 scope words.
#ifndef TOKENWARDEN_CORE_INTERNAL_CLAIM_VALUES_H_
#define TOKENWARDEN_CORE_INTERNAL_CLAIM_VALUES_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tokenwarden::internal {

// WholeNumber reads a JSON number that is only digits, at most 15 of them, as an exact double
// (every such integer is one), sparing from_chars the common case of a time claim. Anything
// else — a sign, a fraction, an exponent, more digits — returns nullopt for from_chars.
inline std::optional<double> WholeNumber(const char* p, const char* end) {
  if (end - p > 15 || p == end) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (; p < end; ++p) {
    if (*p < '0' || *p > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint64_t>(*p - '0');
  }
  return static_cast<double>(value);
}

// AppendSpaceSeparated splits `s` on spaces (RFC 6749 §3.3 scope-tokens), skipping empties.
inline void AppendSpaceSeparated(std::string_view s, std::vector<std::string_view>& out) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t space = s.find(' ', i);
    const size_t end = space == std::string_view::npos ? s.size() : space;
    if (end > i) {
      out.push_back(s.substr(i, end - i));
    }
    i = end + 1;
  }
}

// AddListString adds a list claim's value given as one string: split into scope words (and kept
// whole in `whole`, when given) for a scope, one item for an audience.
inline void AddListString(std::string_view value, std::vector<std::string_view>& out,
                          std::optional<std::string_view>* whole, bool split) {
  if (whole != nullptr) {
    *whole = value;
  }
  if (split) {
    AppendSpaceSeparated(value, out);
  } else {
    out.push_back(value);
  }
}

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_CLAIM_VALUES_H_
