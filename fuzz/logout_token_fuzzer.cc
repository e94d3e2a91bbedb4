// Logout tokens (core/logout_token.h) with any header and claims a provider could send: the
// input is a JOSE header and a payload separated by a NUL byte (no NUL: the payload alone,
// under a fixed header), which the target signs with an HS256 key of its own, so that every
// input reaches the claim rules behind the signature. A token that passes must carry what the
// receiver acts on: a jti, sub or sid, and a replay window that ends.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/digest.h>
#include <openssl/hmac.h>

#include "base/base64url.h"
#include "core/key_set.h"
#include "core/logout_token.h"

namespace {

constexpr std::string_view kSecret = "fuzz-logout-secret-0123456789abcdef";

const std::shared_ptr<const tokenwarden::KeySet>& Keys() {
  static const std::shared_ptr<const tokenwarden::KeySet> keys = [] {
    const std::string k = tokenwarden::base::Base64UrlEncode(kSecret);
    auto set = tokenwarden::KeySet::FromJwks(
        R"({"keys":[{"kty":"oct","kid":"f","alg":"HS256","k":")" + k + R"("}]})");
    if (!set.ok()) {
      std::abort();
    }
    return *set;
  }();
  return keys;
}

std::string Sign(std::string_view header, std::string_view payload) {
  std::string input = tokenwarden::base::Base64UrlEncode(header) + "." +
                      tokenwarden::base::Base64UrlEncode(payload);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  HMAC(EVP_sha256(), kSecret.data(), kSecret.size(), reinterpret_cast<const uint8_t*>(input.data()),
       input.size(), mac, &mac_len);
  return input + "." +
         tokenwarden::base::Base64UrlEncode(
             std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view header = nul == std::string_view::npos
                                      ? std::string_view(R"({"alg":"HS256","kid":"f"})")
                                      : input.substr(0, nul);
  const std::string_view payload = nul == std::string_view::npos ? input : input.substr(nul + 1);
  tokenwarden::LogoutTokenRules rules;
  rules.issuer = "https://op.example";
  rules.client_ids = {"rp"};
  rules.leeway_seconds = 5;
  tokenwarden::LogoutToken out;
  std::string_view detail;
  const tokenwarden::Error error = tokenwarden::VerifyLogoutToken(Sign(header, payload), Keys(),
                                                                  rules, 1700000000.0, out, detail);
  if (error == tokenwarden::Error::kOk) {
    if (out.jti.empty() || (!out.sub.has_value() && !out.sid.has_value()) ||
        out.issuer != rules.issuer || out.replay_until <= 0) {
      std::abort();
    }
  } else if (detail.empty() && error != tokenwarden::Error::kInvalidSignature) {
    std::abort();  // every refusal names its rule
  }
  return 0;
}
