// ParseBasicAuthorization: the `Authorization: Basic` credentials of RFC 7617, with the
// form-urlencoding RFC 6749 §2.3.1 puts around the client id and secret.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/ascii.h"
#include "server/auth/client_auth.h"
#include "server/http/form_urlencoded.h"

namespace tokenwarden::server {
namespace {

// A Basic value past this is no credential we issued (and no proxy forwards much more).
constexpr size_t kMaxHeaderValueLen = 4096;

// Base64Value maps a standard-alphabet character (RFC 4648 §4, Table 1) to its 6 bits, or -1.
// The base64url characters '-' and '_' are not in it.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// DecodeBase64Padded decodes `in` as RFC 4648 §4 Base64 with the '=' padding required: whole
// 4-character groups, '=' only as the last one or two characters, no whitespace, and zero
// unused bits in the last group (§3.5), so each byte string has one accepted encoding.
std::optional<std::string> DecodeBase64Padded(std::string_view in) {
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') {
    pad = in.size() >= 2 && in[in.size() - 2] == '=' ? 2 : 1;
  }
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const size_t num_chars = last ? 4 - pad : 4;
    uint32_t group = 0;
    for (size_t j = 0; j < 4; ++j) {
      int v = 0;
      if (j < num_chars) {
        v = Base64Value(in[i + j]);
        if (v < 0) {
          return std::nullopt;  // includes a '=' before the final group's padding
        }
      }
      group = (group << 6) | static_cast<uint32_t>(v);
    }
    const size_t num_bytes = num_chars - 1;  // 4 chars -> 3 bytes, 3 -> 2, 2 -> 1
    // The bits below the last whole byte must be zero.
    if ((group & ((uint32_t{1} << (8 * (3 - num_bytes))) - 1)) != 0) {
      return std::nullopt;
    }
    for (size_t b = 0; b < num_bytes; ++b) {
      out.push_back(static_cast<char>((group >> (16 - 8 * b)) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header_value) {
  if (header_value.size() > kMaxHeaderValueLen) {
    return std::nullopt;
  }
  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP token68 ]; the scheme is
  // case-insensitive (RFC 7617 §2). Tabs and other whitespace are not SP.
  constexpr std::string_view kScheme = "basic";
  if (header_value.size() <= kScheme.size() ||
      !base::EqualsIgnoreCase(header_value.substr(0, kScheme.size()), kScheme) ||
      header_value[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  std::string_view token68 = header_value.substr(kScheme.size());
  token68.remove_prefix(std::min(token68.find_first_not_of(' '), token68.size()));
  std::optional<std::string> decoded = DecodeBase64Padded(token68);
  if (!decoded.has_value()) {
    return std::nullopt;
  }
  // RFC 7617 §2: the user-id cannot contain a ':', so the first one separates; the secret may
  // contain more. RFC 6749 §2.3.1 encodes both first, so an id with ':' arrives as %3A.
  const std::string_view pair = *decoded;
  const size_t colon = pair.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  // RFC 6749 §2.3.1: both were form-urlencoded before Base64. Bytes that needed encoding but
  // were sent raw pass through unchanged: many clients do not encode.
  BasicCredentials credentials;
  if (!http::FormDecode(pair.substr(0, colon), credentials.id) ||
      !http::FormDecode(pair.substr(colon + 1), credentials.secret) || credentials.id.empty()) {
    return std::nullopt;
  }
  return credentials;
}

}  // namespace tokenwarden::server
