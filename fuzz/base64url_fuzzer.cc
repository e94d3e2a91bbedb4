// Strict base64url against a plain reference decoder written from RFC 4648 §5 (no padding,
// canonical trailing bits), on both the vector and the scalar path, plus the encode/decode
// round trip.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/base64url.h"

namespace {

int Value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

// Reference: 4 characters -> 3 bytes; a final group of 2 or 3 characters whose unused low
// bits are zero; a final group of 1 character is impossible.
std::optional<std::string> Reference(std::string_view in) {
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Value(c);
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) {
    return std::nullopt;  // non-canonical trailing bits
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> got = tokenwarden::base::Base64UrlDecodeToString(in);
  const std::optional<std::string> want = Reference(in);
  if (got.has_value() != want.has_value() || (got.has_value() && *got != *want)) {
    __builtin_trap();
  }
  // The scalar path alone must agree too: Base64UrlDecode takes the AVX2 path for the
  // 32-character blocks of longer inputs where the CPU has it.
  if (const std::optional<size_t> len = tokenwarden::base::Base64UrlDecodedLength(size)) {
    std::string scalar(*len, '\0');
    const bool ok = tokenwarden::base::Base64UrlDecodeScalarForTesting(
        in, reinterpret_cast<uint8_t*>(scalar.data()));
    if (ok != want.has_value() || (ok && scalar != *want)) {
      __builtin_trap();
    }
  }
  const std::string encoded = tokenwarden::base::Base64UrlEncode(in);
  const std::optional<std::string> back = tokenwarden::base::Base64UrlDecodeToString(encoded);
  if (!back.has_value() || *back != in) {
    __builtin_trap();
  }
  return 0;
}
