// File: bindings/node/src/verifier.h
// -----------------------------------------------------------------------------
// NativeVerifier is the JS class `Verifier` of the addon (lib/index.js wraps it): one
// ValidatorHandle, shared with in-flight async work so that collecting the JS object never
// frees a handle a pool thread still uses.
//
//   const v = new native.Verifier({jwks: text, issuer: 'https://...'});
//   v.verify(token, now?, dpopJkt?, cert?)  // payload JSON string, or a failure object
//   v.verifyFull(token, now?, dpopJkt?, cert?)  // [header JSON, payload JSON], or a failure
//   v.verifyAsync(token, now?, full, dpopJkt?, cert?)  // Promise of the same
// dpopJkt and cert are what the request presented for a sender-constrained token
// (bindings::Presented): a verified DPoP proof's jkt, a client certificate's x5t#S256.
//   v.updateKeys(text); v.revoke(token, now?) // -> boolean
#ifndef TOKENWARDEN_BINDINGS_NODE_SRC_VERIFIER_H_
#define TOKENWARDEN_BINDINGS_NODE_SRC_VERIFIER_H_

#include <memory>

#include <napi.h>

#include "bindings/common/validator_handle.h"
#include "src/token_arg.h"

namespace tokenwarden::node {

class NativeVerifier : public Napi::ObjectWrap<NativeVerifier> {
 public:
  static Napi::Function Class(Napi::Env env);

  explicit NativeVerifier(const Napi::CallbackInfo& info);

 private:
  Napi::Value Verify(const Napi::CallbackInfo& info);
  Napi::Value VerifyFull(const Napi::CallbackInfo& info);
  Napi::Value VerifyAsync(const Napi::CallbackInfo& info);
  Napi::Value UpdateKeys(const Napi::CallbackInfo& info);
  Napi::Value Revoke(const Napi::CallbackInfo& info);

  napi_value VerifyOnThread(const Napi::CallbackInfo& info, bool with_header);

  std::shared_ptr<bindings::ValidatorHandle> handle_;
  // Reused by every synchronous call (they all run on this object's JS thread); the scratch
  // is destroyed before handle_ (declared after it), as NewScratch requires.
  TokenReader reader_;
  // The thumbprints a synchronous call presents, read into buffers kept between calls.
  std::string dpop_jkt_;
  std::string certificate_thumbprint_;
  std::unique_ptr<ValidatorScratch> scratch_;
};

}  // namespace tokenwarden::node

#endif  // TOKENWARDEN_BINDINGS_NODE_SRC_VERIFIER_H_
