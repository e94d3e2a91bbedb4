#include "core/possession.h"

#include <cstdint>
#include <optional>

#include <openssl/sha.h>
#include <simdjson.h>

#include "base/base64url.h"

namespace tokenwarden {

namespace {

// Binding is what a token's cnf binds it to; a member of another type binds to nothing
// anyone can present, so it is kept as an impossible value rather than ignored.
struct Binding {
  std::optional<std::string_view> jkt;
  std::optional<std::string_view> x5t_s256;
};

constexpr std::string_view kUnmatchable = "\x01";

Binding BindingOf(std::string_view cnf) {
  Binding binding;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(cnf.data(), cnf.size()).get_object().get(object) != simdjson::SUCCESS) {
    binding.jkt = kUnmatchable;  // the claims reader admits objects only: not reached
    return binding;
  }
  for (auto [key, value] : object) {
    std::string_view text;
    const bool is_string = value.get_string().get(text) == simdjson::SUCCESS;
    if (key == "jkt") {
      binding.jkt = is_string ? text : kUnmatchable;
    } else if (key == "x5t#S256") {
      binding.x5t_s256 = is_string ? text : kUnmatchable;
    }
  }
  return binding;
}

Error Fail(Error error, std::string_view why, std::string_view& detail) {
  detail = why;
  return error;
}

}  // namespace

bool IsDpopBound(const Claims& claims) {
  return claims.cnf.has_value() && BindingOf(*claims.cnf).jkt.has_value();
}

std::string CertificateThumbprint(std::string_view der) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(der.data()), der.size(), digest);
  return base::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

Error CheckPossession(const Possession& possession, const Claims& claims,
                      std::string_view& detail) {
  const Binding binding = claims.cnf.has_value() ? BindingOf(*claims.cnf) : Binding{};
  if (binding.jkt.has_value()) {
    if (possession.dpop_jkt.empty()) {
      return Fail(Error::kProofOfPossessionRequired,
                  "the token is DPoP-bound (cnf.jkt): present it with the DPoP scheme and a "
                  "DPoP proof, not as a bearer token (RFC 9449 section 7.2)",
                  detail);
    }
    if (*binding.jkt != possession.dpop_jkt) {
      return Fail(Error::kDpopKeyMismatch,
                  "the DPoP proof is signed by another key than the one the token is bound to "
                  "(cnf.jkt)",
                  detail);
    }
  } else if (!possession.dpop_jkt.empty()) {
    return Fail(Error::kDpopKeyMismatch,
                "the token came with a DPoP proof but is not DPoP-bound (it has no cnf.jkt)",
                detail);
  } else if (possession.dpop_required) {
    return Fail(Error::kProofOfPossessionRequired,
                "this resource accepts DPoP-bound tokens only (cnf.jkt)", detail);
  }
  if (binding.x5t_s256.has_value()) {
    if (possession.certificate_thumbprint.empty()) {
      return Fail(Error::kProofOfPossessionRequired,
                  "the token is bound to a client certificate (cnf x5t#S256): present it over "
                  "mutual TLS with that certificate (RFC 8705 section 3)",
                  detail);
    }
    if (*binding.x5t_s256 != possession.certificate_thumbprint) {
      return Fail(Error::kCertificateMismatch,
                  "the client certificate is not the one the token is bound to (cnf x5t#S256)",
                  detail);
    }
  }
  return Error::kOk;
}

}  // namespace tokenwarden
