#include "base/base64url.h"

#include <array>

namespace tokenwarden::base {
namespace {

constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) {
    v = kInvalid;
  }
  for (int i = 0; i < 26; ++i) {
    table['A' + i] = static_cast<uint8_t>(i);
    table['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) {
    table['0' + i] = static_cast<uint8_t>(52 + i);
  }
  table['-'] = 62;
  table['_'] = 63;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();
constexpr char kEncode[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::optional<size_t> Base64UrlDecodedLength(size_t encoded_len) {
  if (encoded_len % 4 == 1) {
    return std::nullopt;
  }
  return encoded_len / 4 * 3 + (encoded_len % 4 == 0 ? 0 : encoded_len % 4 - 1);
}

bool Base64UrlDecode(std::string_view in, uint8_t* out) {
  const size_t n = in.size();
  if (n % 4 == 1) {
    return false;
  }
  const auto* s = reinterpret_cast<const uint8_t*>(in.data());
  size_t i = 0;
  // Whole quanta: OR the table values together so one branch per quantum catches any
  // character outside the alphabet (kInvalid has the top bits set, valid values never do).
  for (; i + 4 <= n; i += 4) {
    const uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]], c = kDecode[s[i + 2]],
                   d = kDecode[s[i + 3]];
    if ((a | b | c | d) & 0xc0) {
      return false;
    }
    const uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
    out[2] = static_cast<uint8_t>(v);
    out += 3;
  }
  const size_t rest = n - i;
  if (rest == 2) {
    const uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]];
    // RFC 4648 §3.5: the 4 unused low bits of the last character must be zero (canonical).
    if (((a | b) & 0xc0) || (b & 0x0f) != 0) {
      return false;
    }
    out[0] = static_cast<uint8_t>(a << 2 | b >> 4);
  } else if (rest == 3) {
    const uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]], c = kDecode[s[i + 2]];
    if (((a | b | c) & 0xc0) || (c & 0x03) != 0) {
      return false;
    }
    const uint32_t v = a << 10 | b << 4 | c >> 2;
    out[0] = static_cast<uint8_t>(v >> 8);
    out[1] = static_cast<uint8_t>(v);
  }
  return true;
}

std::optional<std::string> Base64UrlDecodeToString(std::string_view in) {
  const std::optional<size_t> len = Base64UrlDecodedLength(in.size());
  if (!len.has_value()) {
    return std::nullopt;
  }
  std::string out(*len, '\0');
  if (!Base64UrlDecode(in, reinterpret_cast<uint8_t*>(out.data()))) {
    return std::nullopt;
  }
  return out;
}

std::string Base64UrlEncode(std::span<const uint8_t> in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    out.push_back(kEncode[v >> 18]);
    out.push_back(kEncode[(v >> 12) & 63]);
    out.push_back(kEncode[(v >> 6) & 63]);
    out.push_back(kEncode[v & 63]);
  }
  if (in.size() - i == 1) {
    const uint32_t v = in[i] << 16;
    out.push_back(kEncode[v >> 18]);
    out.push_back(kEncode[(v >> 12) & 63]);
  } else if (in.size() - i == 2) {
    const uint32_t v = in[i] << 16 | in[i + 1] << 8;
    out.push_back(kEncode[v >> 18]);
    out.push_back(kEncode[(v >> 12) & 63]);
    out.push_back(kEncode[(v >> 6) & 63]);
  }
  return out;
}

std::string Base64UrlEncode(std::string_view in) {
  return Base64UrlEncode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(in.data()), in.size()));
}

}  // namespace tokenwarden::base
