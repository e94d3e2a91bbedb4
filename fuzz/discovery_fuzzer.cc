// The OpenID Connect discovery document parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/keys/discovery.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = tokenwarden::server::keys::ParseDiscovery(text, "https://issuer.example", false);
  if (doc.ok() && doc->jwks_uri.rfind("https://", 0) != 0) {
    __builtin_trap();  // only https key URLs are accepted without allow_plain_http
  }
  (void)tokenwarden::server::keys::ParseDiscovery(text, "https://issuer.example", true);
  return 0;
}
