// File: bindings/node/src/addon.cc
// -----------------------------------------------------------------------------
// Module init: exports the native Verifier class, the DPoP functions (src/dpop.h) and the
// stable error codes (core/error.h), in enum order, for lib/ to check its tables against.
#include <napi.h>

#include "core/error.h"
#include "src/dpop.h"
#include "src/verifier.h"

namespace tokenwarden::node {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Verifier", NativeVerifier::Class(env));
  ExportDpop(env, exports);
  Napi::Array codes = Napi::Array::New(env, kNumErrors);
  for (int i = 0; i < kNumErrors; ++i) {
    const std::string_view code = ErrorCode(static_cast<Error>(i));
    codes.Set(static_cast<uint32_t>(i), Napi::String::New(env, code.data(), code.size()));
  }
  exports.Set("errorCodes", codes);
  return exports;
}

}  // namespace
}  // namespace tokenwarden::node

// NODE_API_MODULE needs an unqualified name.
static Napi::Object InitTokenwarden(Napi::Env env, Napi::Object exports) {
  return tokenwarden::node::Init(env, exports);
}
NODE_API_MODULE(tokenwarden, InitTokenwarden)
