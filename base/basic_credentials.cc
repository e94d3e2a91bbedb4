#include "base/basic_credentials.h"

#include <algorithm>

#include "base/base64.h"
#include "base/form_urlencoded.h"
#include "base/str_cat.h"

namespace tokenwarden::base {
namespace {

// RFC 7617 §2: user-id and password are *<TEXT excluding CTLs>; CTL is RFC 5234's 0x00-0x1F
// and 0x7F.
bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
}

}  // namespace

std::string BasicAuthorization(std::string_view id, std::string_view secret, bool form_encode) {
  const std::string pair =
      form_encode ? StrCat(FormEncode(id), ":", FormEncode(secret)) : StrCat(id, ":", secret);
  return StrCat("Basic ", Base64Encode(pair));
}

bool IsRawBasicUserId(std::string_view id) {
  return id.find(':') == std::string_view::npos && !HasControl(id);
}

bool IsRawBasicPassword(std::string_view secret) { return !HasControl(secret); }

}  // namespace tokenwarden::base
