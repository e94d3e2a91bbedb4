// The RFC 7662 introspection-response parser (an upstream's answer) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/upstream/introspection_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tokenwarden::server::upstream::ParseIntrospectionResponse(text);
  return 0;
}
