#include "core/dpop_nonce.h"

#include <algorithm>
#include <array>
#include <optional>

#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/sha.h>

#include "base/base64url.h"

namespace tokenwarden {

namespace {

constexpr size_t kSlotBytes = 8;
constexpr size_t kTagBytes = 16;
using NonceBytes = std::array<uint8_t, kSlotBytes + kTagBytes>;

NonceBytes Make(std::string_view secret, uint64_t slot) {
  NonceBytes bytes{};
  for (size_t i = 0; i < kSlotBytes; ++i) {
    bytes[i] = static_cast<uint8_t>(slot >> (8 * (kSlotBytes - 1 - i)));
  }
  constexpr std::string_view kLabel = "tokenwarden-dpop-nonce";
  uint8_t message[kLabel.size() + kSlotBytes];
  std::copy(kLabel.begin(), kLabel.end(), message);
  std::copy_n(bytes.begin(), kSlotBytes, message + kLabel.size());
  uint8_t tag[SHA256_DIGEST_LENGTH];
  unsigned int tag_length = 0;
  HMAC(EVP_sha256(), secret.data(), secret.size(), message, sizeof(message), tag, &tag_length);
  std::copy_n(tag, kTagBytes, bytes.begin() + kSlotBytes);
  return bytes;
}

uint64_t SlotAt(uint32_t lifetime_seconds, int64_t now) {
  return now <= 0 ? 0 : static_cast<uint64_t>(now) / lifetime_seconds;
}

}  // namespace

std::string CurrentDpopNonce(std::string_view secret, uint32_t lifetime_seconds, int64_t now) {
  const NonceBytes bytes = Make(secret, SlotAt(lifetime_seconds, now));
  return base::Base64UrlEncode(bytes);
}

bool IsValidDpopNonce(std::string_view nonce, std::string_view secret, uint32_t lifetime_seconds,
                      int64_t now) {
  NonceBytes given{};
  if (base::Base64UrlDecodedLength(nonce.size()) != given.size() ||
      !base::Base64UrlDecode(nonce, given.data())) {
    return false;
  }
  uint64_t slot = 0;
  for (size_t i = 0; i < kSlotBytes; ++i) {
    slot = (slot << 8) | given[i];
  }
  const uint64_t current = SlotAt(lifetime_seconds, now);
  if (slot != current && slot + 1 != current) {
    return false;
  }
  const NonceBytes expected = Make(secret, slot);
  return CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0;
}

}  // namespace tokenwarden
