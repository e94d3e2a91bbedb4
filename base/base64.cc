#include "base/base64.h"

#include <cstddef>
#include <cstdint>

#include <openssl/base64.h>
#include <openssl/err.h>

namespace tokenwarden::base {

std::string Base64Encode(std::string_view in) {
  size_t len = 0;
  // EVP_EncodedLength fails only when the length overflows size_t, which no string can reach.
  EVP_EncodedLength(&len, in.size());
  std::string out(len, '\0');  // includes room for the NUL EVP_EncodeBlock writes
  out.resize(EVP_EncodeBlock(reinterpret_cast<uint8_t*>(out.data()),
                             reinterpret_cast<const uint8_t*>(in.data()), in.size()));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  size_t max_len = 0;
  if (!EVP_DecodedLength(&max_len, in.size())) {
    return std::nullopt;  // not whole 4-character groups
  }
  std::string out(max_len, '\0');
  size_t len = 0;
  if (!EVP_DecodeBase64(reinterpret_cast<uint8_t*>(out.data()), &len, out.size(),
                        reinterpret_cast<const uint8_t*>(in.data()), in.size())) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(len);
  // EVP_DecodeBase64 ignores the unused low bits of a padded last group (RFC 4648 §3.5 lets a
  // decoder do that). We accept one encoding per byte string: the last group must be exactly
  // what encoding its own bytes gives back.
  const size_t pad = in.ends_with("==") ? 2 : (in.ends_with('=') ? 1 : 0);
  if (pad != 0 &&
      Base64Encode(std::string_view(out).substr(len - (3 - pad))) != in.substr(in.size() - 4)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace tokenwarden::base
