// Test helper: reads HashSecret's output into a SecretHash without the config library
// (ParseSecretHash lives there), so the auth suite links tokenwarden::auth alone.
#ifndef TOKENWARDEN_TESTS_SERVER_AUTH_STORED_SECRET_H_
#define TOKENWARDEN_TESTS_SERVER_AUTH_STORED_SECRET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64url.h"
#include "server/config/config.h"

namespace tokenwarden::testing {

// StoredSecret parses "sha256$salt$digest" or "pbkdf2-sha256$N$salt$digest"; nullopt if the
// text has another shape.
inline std::optional<server::SecretHash> StoredSecret(std::string_view text) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = text.find('$', start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  server::SecretHash hash;
  size_t next = 1;
  if (parts.size() == 3 && parts[0] == "sha256") {
    hash.scheme = server::SecretHash::Scheme::kSha256;
  } else if (parts.size() == 4 && parts[0] == "pbkdf2-sha256") {
    hash.scheme = server::SecretHash::Scheme::kPbkdf2Sha256;
    hash.iterations = static_cast<uint32_t>(std::stoul(std::string(parts[1])));
    next = 2;
  } else {
    return std::nullopt;
  }
  std::optional<std::string> salt = base::Base64UrlDecodeToString(parts[next]);
  std::optional<std::string> digest = base::Base64UrlDecodeToString(parts[next + 1]);
  if (!salt.has_value() || !digest.has_value()) {
    return std::nullopt;
  }
  hash.salt.assign(salt->begin(), salt->end());
  hash.digest.assign(digest->begin(), digest->end());
  return hash;
}

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_AUTH_STORED_SECRET_H_
