// The HTTPS client's response parser (server/fetch/response_parser.h): whatever an issuer's
// server, or something pretending to be one, sends back for a discovery document, a JWK Set
// or an introspection answer. The first byte chooses where the stream is split in two reads,
// so framing across reads is exercised too; the limits must hold for whatever completes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/fetch/response_parser.h"

namespace {

constexpr size_t kMaxHead = 2048;
constexpr size_t kMaxBody = 8192;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const bool head_request = (data[0] & 0x80) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t split = input.empty() ? 0 : (data[0] & 0x7f) % (input.size() + 1);
  tokenwarden::server::fetch::ResponseParser parser(kMaxHead, kMaxBody, head_request);
  bool ok = parser.Feed(input.substr(0, split)).ok();
  if (ok && !parser.complete()) {
    ok = parser.Feed(input.substr(split)).ok();
  }
  if (ok && !parser.complete()) {
    ok = parser.Finish().ok();
  }
  if (ok && parser.complete()) {
    const tokenwarden::server::fetch::FetchResponse response = parser.Take();
    if (response.body.size() > kMaxBody || (head_request && !response.body.empty())) {
      std::abort();
    }
  }
  return 0;
}
