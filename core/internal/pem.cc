#include "core/internal/pem.h"

#include <string>

#include <absl/status/status.h>
#include <openssl/base64.h>
#include <openssl/err.h>

#include "base/str_cat.h"

namespace tokenwarden::internal {

absl::StatusOr<std::optional<std::vector<uint8_t>>> PemBody(std::string_view pem,
                                                            std::string_view label) {
  const std::string begin_line = base::StrCat("-----BEGIN ", label, "-----");
  const std::string end_line = base::StrCat("-----END ", label, "-----");
  const size_t begin = pem.find(begin_line);
  const size_t end = begin == std::string_view::npos ? begin : pem.find(end_line, begin);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  // RFC 7468 §3: the body is base64 broken into lines; tolerate any whitespace between.
  std::string body;
  for (char c : pem.substr(begin + begin_line.size(), end - begin - begin_line.size())) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
      body.push_back(c);
    }
  }
  size_t der_len = 0;
  if (!EVP_DecodedLength(&der_len, body.size())) {
    return absl::InvalidArgumentError("PEM body is not base64");
  }
  std::vector<uint8_t> der(der_len);
  if (!EVP_DecodeBase64(der.data(), &der_len, der.size(),
                        reinterpret_cast<const uint8_t*>(body.data()), body.size())) {
    ERR_clear_error();
    return absl::InvalidArgumentError("PEM body is not base64");
  }
  der.resize(der_len);
  return der;
}

}  // namespace tokenwarden::internal
