// The key loaders on arbitrary bytes: a JWK Set document, and one key (JWK or PEM).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/key_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto set = tokenwarden::KeySet::FromJwks(text);
  if (set.ok() && (*set)->empty()) {
    __builtin_trap();  // a loaded JWK Set always has a usable key
  }
  (void)tokenwarden::KeySet::FromKeyFile(text);
  return 0;
}
