// DPoP (core/dpop.h, core/http_uri.h, core/jwk_thumbprint.h) on any input a client can send:
// the first byte picks the target and the rest is its input.
//   0: NormalizeHttpUri, the htu normaliser. Besides memory errors it checks what the htu
//      comparison relies on: a result is http(s)://, holds no space, control or non-ASCII
//      byte, and normalising it again changes nothing (else two spellings of one URL could
//      compare unequal, or a proof's htu match a URL it does not name).
//   1: VerifyDpopProof on a proof for a fixed request; a verified proof has a 43-character
//      thumbprint and a jti.
//   2: JwkThumbprint on a JWK.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/dpop.h"
#include "core/http_uri.h"
#include "core/jwk_thumbprint.h"

namespace {

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

void CheckUri(std::string_view input) {
  const std::optional<std::string> uri = tokenwarden::NormalizeHttpUri(input);
  if (!uri.has_value()) {
    return;
  }
  Check(uri->starts_with("http://") || uri->starts_with("https://"));
  for (const char c : *uri) {
    const auto u = static_cast<unsigned char>(c);
    Check(u > 0x20 && u < 0x7f);
  }
  Check(tokenwarden::NormalizeHttpUri(*uri) == uri);
}

void CheckProof(std::string_view proof) {
  tokenwarden::DpopRequest request;
  request.method = "GET";
  request.url = "https://resource.example.org/protectedresource";
  request.access_token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
  request.now = 1562262618;
  const tokenwarden::DpopResult result = tokenwarden::VerifyDpopProof(proof, request);
  if (result.error == tokenwarden::Error::kOk) {
    Check(result.proof.jkt.size() == 43 && !result.proof.jti.empty());
  } else {
    Check(!result.detail.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      CheckUri(input);
      break;
    case 1:
      CheckProof(input);
      break;
    default: {
      const auto thumbprint = tokenwarden::JwkThumbprint(input);
      Check(!thumbprint.ok() || thumbprint->size() == 43);
      break;
    }
  }
  return 0;
}
