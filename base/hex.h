// File: base/hex.h
// -----------------------------------------------------------------------------
// Hex digits, one table for the whole project: lowercase encoding for digests (log names,
// cache keys), revocation records and JSON \u escapes; uppercase for percent-encoding; and the
// digit values that percent-decoding and our own records read back. Before base/ existed,
// each of those places carried its own copy of "0123456789abcdef".
#ifndef TOKENWARDEN_BASE_HEX_H_
#define TOKENWARDEN_BASE_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tokenwarden::base {

// HexDigitValue is the value of one hex digit of either case, or -1. Percent-encoding
// (RFC 3986 §2.1) allows both cases, so its decoders accept both. Inline: the request path
// calls it per escaped byte.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// LowerHexDigitValue is HexDigitValue for '0'-'9' and 'a'-'f' only: a format we write in
// lowercase ourselves then has exactly one spelling for each value.
inline int LowerHexDigitValue(char c) { return c >= 'A' && c <= 'F' ? -1 : HexDigitValue(c); }

// HexCase chooses the digits for 10 to 15. Lowercase is ours everywhere except
// percent-encoding, where RFC 3986 §2.1 asks producers for uppercase.
enum class HexCase { kLower, kUpper };

// AppendHexByte appends `byte` to `out` as two hex digits.
void AppendHexByte(uint8_t byte, std::string& out, HexCase hex_case = HexCase::kLower);

// AppendHex appends two lowercase hex digits per byte of `bytes` to `out`.
void AppendHex(std::span<const uint8_t> bytes, std::string& out);
void AppendHex(std::string_view bytes, std::string& out);

// HexEncode returns the lowercase hex of `bytes`, two digits per byte.
std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);

// DecodeLowerHex decodes `hex`, exactly two lowercase digits for each byte of `out`, into
// `out`. Returns false on any other length or character (`out` is then unspecified).
[[nodiscard]] bool DecodeLowerHex(std::string_view hex, std::span<uint8_t> out);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_HEX_H_
