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
#include "base/base64.h"
#include "base/form_urlencoded.h"
#include "server/auth/client_auth.h"

namespace tokenwarden::server {
namespace {

// A Basic value past this is no credential we issued (and no proxy forwards much more).
constexpr size_t kMaxHeaderValueLen = 4096;

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
  std::optional<std::string> decoded = base::Base64Decode(token68);
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
  if (!base::FormDecode(pair.substr(0, colon), credentials.id) ||
      !base::FormDecode(pair.substr(colon + 1), credentials.secret) || credentials.id.empty()) {
    return std::nullopt;
  }
  return credentials;
}

}  // namespace tokenwarden::server
