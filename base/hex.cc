#include "base/hex.h"

namespace tokenwarden::base {
namespace {

constexpr char kLowerDigits[] = "0123456789abcdef";
constexpr char kUpperDigits[] = "0123456789ABCDEF";

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void AppendHexByte(uint8_t byte, std::string& out, HexCase hex_case) {
  const char* digits = hex_case == HexCase::kUpper ? kUpperDigits : kLowerDigits;
  out.push_back(digits[byte >> 4]);
  out.push_back(digits[byte & 0xf]);
}

void AppendHex(std::span<const uint8_t> bytes, std::string& out) {
  out.reserve(out.size() + 2 * bytes.size());
  for (const uint8_t byte : bytes) {
    AppendHexByte(byte, out);
  }
}

void AppendHex(std::string_view bytes, std::string& out) { AppendHex(Bytes(bytes), out); }

std::string HexEncode(std::span<const uint8_t> bytes) {
  std::string out;
  AppendHex(bytes, out);
  return out;
}

std::string HexEncode(std::string_view bytes) { return HexEncode(Bytes(bytes)); }

bool DecodeLowerHex(std::string_view hex, std::span<uint8_t> out) {
  if (hex.size() != 2 * out.size()) {
    return false;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = LowerHexDigitValue(hex[2 * i]);
    const int lo = LowerHexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace tokenwarden::base
