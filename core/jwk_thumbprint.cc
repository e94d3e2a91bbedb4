#include "core/jwk_thumbprint.h"

#include <array>
#include <cstdint>
#include <span>

#include <absl/status/status.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "core/internal/jose_json.h"
#include "core/internal/jwk.h"

namespace tokenwarden {

namespace internal {

namespace {

// NeedsNoEscape: the value can be written between quotes as is (RFC 7638 §3.3 asks for JSON's
// own escaping, which no valid member value needs; refusing is simpler than escaping).
bool NeedsNoEscape(std::string_view value) {
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> JwkThumbprintOfObject(simdjson::dom::object jwk) {
  std::string_view kty;
  if (jwk["kty"].get_string().get(kty) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the JWK has no string \"kty\"");
  }
  static constexpr std::string_view kRsa[] = {"e", "kty", "n"};
  static constexpr std::string_view kEc[] = {"crv", "kty", "x", "y"};
  static constexpr std::string_view kOkp[] = {"crv", "kty", "x"};
  std::span<const std::string_view> members;
  if (kty == "RSA") {
    members = kRsa;
  } else if (kty == "EC") {
    members = kEc;
  } else if (kty == "OKP") {
    members = kOkp;
  } else {
    return absl::InvalidArgumentError(
        base::StrCat("no RFC 7638 thumbprint for a JWK of kty \"", kty.substr(0, 16), "\""));
  }
  std::string canonical = "{";
  for (const std::string_view name : members) {
    std::string_view value;
    if (jwk[name].get_string().get(value) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          base::StrCat("the ", kty, " JWK has no string \"", name, "\""));
    }
    if (!NeedsNoEscape(value)) {
      return absl::InvalidArgumentError(
          base::StrCat("the JWK's \"", name, "\" holds characters no key member has"));
    }
    base::StrAppend(&canonical, canonical.size() > 1 ? "," : "", "\"", name, "\":\"", value, "\"");
  }
  canonical += '}';
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest;
  SHA256(reinterpret_cast<const uint8_t*>(canonical.data()), canonical.size(), digest.data());
  return base::Base64UrlEncode(digest);
}

}  // namespace internal

absl::StatusOr<std::string> JwkThumbprint(std::string_view jwk_json) {
  if (jwk_json.size() > internal::kMaxKeyFileBytes) {
    return absl::InvalidArgumentError("the JWK is larger than 1 MiB");
  }
  simdjson::dom::parser parser(internal::kMaxKeyFileBytes);
  simdjson::dom::object jwk;
  if (parser.parse(jwk_json.data(), jwk_json.size()).get_object().get(jwk) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the JWK is not a JSON object");
  }
  return internal::JwkThumbprintOfObject(jwk);
}

}  // namespace tokenwarden
