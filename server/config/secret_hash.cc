// ParseSecretHash: the stored form of a client secret (server/config/config.h). Messages
// never repeat the input: it is credential material, and it ends up in logs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "server/config/config.h"

namespace tokenwarden::server {
namespace {

constexpr size_t kMinSaltBytes = 16;
constexpr size_t kDigestBytes = 32;  // SHA-256
constexpr uint32_t kMinIterations = 10000;
constexpr uint32_t kMaxIterations = 10000000;

constexpr char kForms[] =
    "expected \"sha256$<salt>$<digest>\" or "
    "\"pbkdf2-sha256$<iterations>$<salt>$<digest>\"";

std::vector<std::string_view> SplitDollar(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dollar = text.find('$', start);
    if (dollar == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, dollar - start));
    start = dollar + 1;
  }
}

// ParseIterations accepts canonical decimal only (no sign, no leading zero), so one count has
// one spelling; eight digits already exceed kMaxIterations, which bounds the arithmetic.
std::optional<uint32_t> ParseIterations(std::string_view text) {
  if (text.empty() || text.size() > 8 || text[0] == '0') {
    return std::nullopt;
  }
  uint32_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n < kMinIterations || n > kMaxIterations) {
    return std::nullopt;
  }
  return n;
}

// DecodePart decodes `text` as strict unpadded base64url (base/base64url.h: no '=', no
// whitespace, zero trailing bits) into `out`; `what` names the part in the message.
absl::Status DecodePart(std::string_view text, std::string_view what, std::vector<uint8_t>& out) {
  const std::optional<std::string> bytes = base::Base64UrlDecodeToString(text);
  if (!bytes.has_value()) {
    return absl::InvalidArgumentError(base::StrCat(what, " is not canonical unpadded base64url"));
  }
  out.assign(bytes->begin(), bytes->end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SecretHash> ParseSecretHash(std::string_view text) {
  const std::vector<std::string_view> parts = SplitDollar(text);
  SecretHash out;
  size_t salt_index = 1;
  if (parts[0] == "sha256") {
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          "a sha256 secret hash has the form \"sha256$<salt>$<digest>\"");
    }
    out.scheme = SecretHash::Scheme::kSha256;
  } else if (parts[0] == "pbkdf2-sha256") {
    if (parts.size() != 4) {
      return absl::InvalidArgumentError(
          "a pbkdf2-sha256 secret hash has the form "
          "\"pbkdf2-sha256$<iterations>$<salt>$<digest>\"");
    }
    const std::optional<uint32_t> iterations = ParseIterations(parts[1]);
    if (!iterations.has_value()) {
      return absl::InvalidArgumentError(
          base::StrCat("pbkdf2-sha256 iterations must be a decimal integer between ",
                       kMinIterations, " and ", kMaxIterations));
    }
    out.scheme = SecretHash::Scheme::kPbkdf2Sha256;
    out.iterations = *iterations;
    salt_index = 2;
  } else {
    return absl::InvalidArgumentError(base::StrCat("unknown secret hash scheme; ", kForms));
  }
  absl::Status status = DecodePart(parts[salt_index], "salt", out.salt);
  if (!status.ok()) {
    return status;
  }
  if (out.salt.size() < kMinSaltBytes) {
    return absl::InvalidArgumentError(
        base::StrCat("salt must be at least ", kMinSaltBytes, " bytes, got ", out.salt.size()));
  }
  status = DecodePart(parts[salt_index + 1], "digest", out.digest);
  if (!status.ok()) {
    return status;
  }
  if (out.digest.size() != kDigestBytes) {
    return absl::InvalidArgumentError(
        base::StrCat("digest must be ", kDigestBytes, " bytes (SHA-256), got ", out.digest.size()));
  }
  return out;
}

}  // namespace tokenwarden::server
