// File: core/internal/claim_values.h
// -----------------------------------------------------------------------------
// How a claim's value becomes the typed field it fills, for both payload readers (the byte
// walk in claims_reader.cc and the compact reader in compact_claims.cc): one definition of a
// whole-number NumericDate, of RFC 6749 §3.3 scope words and of a list claim given as one
// string.
#ifndef TOKENWARDEN_CORE_INTERNAL_CLAIM_VALUES_H_
#define TOKENWARDEN_CORE_INTERNAL_CLAIM_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace tokenwarden::internal {

// kMaxWholeDigits: every integer of up to 15 decimal digits is exactly a double.
inline constexpr size_t kMaxWholeDigits = 15;

// EightDigits reads the eight bytes at `p` as a decimal number into `value` when all are
// digits: SWAR, eight bytes in a word, first digit most significant (little-endian loads).
inline bool EightDigits(const char* p, uint64_t& value) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  // A digit is 0x30-0x39: its high nibble is 3, and adding 6 leaves the high nibble at 3.
  const uint64_t high = word & 0xF0F0'F0F0'F0F0'F0F0;
  const uint64_t carried = ((word + 0x0606'0606'0606'0606) & 0xF0F0'F0F0'F0F0'F0F0) >> 4;
  if ((high | carried) != 0x3333'3333'3333'3333) {
    return false;
  }
  // Pairs, then fours, then the eight: each step multiplies two neighbours into one lane.
  word = (word & 0x0F0F'0F0F'0F0F'0F0F) * (10 * 256 + 1) >> 8;
  word = (word & 0x00FF'00FF'00FF'00FF) * (100 * 65536 + 1) >> 16;
  value = (word & 0x0000'FFFF'0000'FFFF) * (10000 * (uint64_t{1} << 32) + 1) >> 32;
  return true;
}

// WholeDigits reads the run of digits at `p` (up to `end`) as a whole number into `out`,
// sparing from_chars the common case of a time claim: it returns where the run ends, or
// nullptr when the run is empty or longer than kMaxWholeDigits. What follows the run (a
// fraction, an exponent) and a leading zero are the caller's to judge. A NumericDate has ten
// digits: eight are read at once, the rest one by one.
inline const char* WholeDigits(const char* p, const char* end, double& out) {
  const char* q = p;
  uint64_t value = 0;
  if (end - q >= 8 && EightDigits(q, value)) {
    q += 8;
  }
  while (q < end && static_cast<unsigned>(*q - '0') < 10) {
    value = value * 10 + static_cast<uint64_t>(*q - '0');
    ++q;
  }
  if (q == p || static_cast<size_t>(q - p) > kMaxWholeDigits) {
    return nullptr;
  }
  out = static_cast<double>(value);
  return q;
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
