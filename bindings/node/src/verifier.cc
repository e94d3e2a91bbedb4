#include "src/verifier.h"

#include <string>
#include <utility>

#include "core/clock.h"
#include "src/options.h"
#include "src/outcome.h"
#include "src/verify_worker.h"

namespace tokenwarden::node {
namespace {

std::shared_ptr<bindings::ValidatorHandle> CreateHandle(const Napi::CallbackInfo& info,
                                                        size_t& max_token_bytes) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw Napi::TypeError::New(env, "tokenwarden: Verifier options must be an object");
  }
  const bindings::HandleOptions options = ToHandleOptions(info[0].As<Napi::Object>());
  max_token_bytes = options.max_token_bytes;
  absl::StatusOr<std::unique_ptr<bindings::ValidatorHandle>> handle =
      bindings::ValidatorHandle::Create(options);
  if (!handle.ok()) {
    throw Napi::Error::New(env, "tokenwarden: " + std::string(handle.status().message()));
  }
  return std::shared_ptr<bindings::ValidatorHandle>(*std::move(handle));
}

// ReadThumbprint reads an optional thumbprint argument into `buffer`: an empty view for
// undefined, else a non-empty string (lib/ has checked the type and emptiness).
std::string_view ReadThumbprint(const Napi::Env& env, const Napi::Value& value,
                                std::string& buffer) {
  buffer.clear();
  if (value.IsUndefined()) {
    return {};
  }
  if (!value.IsString()) {
    throw Napi::TypeError::New(env, "tokenwarden: a thumbprint must be a string");
  }
  buffer = value.As<Napi::String>().Utf8Value();
  return buffer;
}

}  // namespace

Napi::Function NativeVerifier::Class(Napi::Env env) {
  return DefineClass(env, "Verifier",
                     {
                         InstanceMethod<&NativeVerifier::Verify>("verify"),
                         InstanceMethod<&NativeVerifier::VerifyFull>("verifyFull"),
                         InstanceMethod<&NativeVerifier::VerifyAsync>("verifyAsync"),
                         InstanceMethod<&NativeVerifier::UpdateKeys>("updateKeys"),
                         InstanceMethod<&NativeVerifier::Revoke>("revoke"),
                     });
}

NativeVerifier::NativeVerifier(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeVerifier>(info), reader_(0) {
  size_t max_token_bytes = 0;
  handle_ = CreateHandle(info, max_token_bytes);
  reader_ = TokenReader(max_token_bytes);
  scratch_ = handle_->NewScratch();
}

napi_value NativeVerifier::VerifyOnThread(const Napi::CallbackInfo& info, bool with_header) {
  const napi_env env = info.Env();
  const std::string_view token = reader_.Read(env, info[0]);
  const double now = ReadNow(env, info[1]);
  const bindings::Presented presented = {ReadThumbprint(env, info[2], dpop_jkt_),
                                         ReadThumbprint(env, info[3], certificate_thumbprint_)};
  // The strings are made straight from the leased scratch: no copy of the payload between.
  bindings::ValidatorHandle::Call call(*handle_, *scratch_);
  call.Run(token, now, presented);
  return ResultValue(env, call.verdict(), with_header);
}

Napi::Value NativeVerifier::Verify(const Napi::CallbackInfo& info) {
  return Napi::Value(info.Env(), VerifyOnThread(info, false));
}

Napi::Value NativeVerifier::VerifyFull(const Napi::CallbackInfo& info) {
  return Napi::Value(info.Env(), VerifyOnThread(info, true));
}

Napi::Value NativeVerifier::VerifyAsync(const Napi::CallbackInfo& info) {
  const napi_env env = info.Env();
  std::string token(reader_.Read(env, info[0]));
  const double now = ReadNow(env, info[1]);
  const bool with_header = info[2].ToBoolean().Value();
  std::string dpop_jkt;
  std::string certificate_thumbprint;
  ReadThumbprint(env, info[3], dpop_jkt);
  ReadThumbprint(env, info[4], certificate_thumbprint);
  return Napi::Value(env, QueueVerify(env, handle_, std::move(token), now, with_header,
                                      std::move(dpop_jkt), std::move(certificate_thumbprint)));
}

Napi::Value NativeVerifier::UpdateKeys(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    throw Napi::TypeError::New(env, "tokenwarden: updateKeys needs the key text");
  }
  const std::string text = info[0].As<Napi::String>().Utf8Value();
  const absl::Status status = handle_->UpdateKeys(text);
  if (!status.ok()) {
    throw Napi::Error::New(env, "tokenwarden: " + std::string(status.message()));
  }
  return env.Undefined();
}

Napi::Value NativeVerifier::Revoke(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string_view token = reader_.Read(env, info[0]);
  // The denylist counts whole seconds.
  const int64_t now = WholeSeconds(ReadNow(env, info[1]));
  const absl::StatusOr<bool> revoked = handle_->Revoke(token, now);
  if (!revoked.ok()) {
    throw Napi::Error::New(env, "tokenwarden: " + std::string(revoked.status().message()));
  }
  return Napi::Boolean::New(env, *revoked);
}

}  // namespace tokenwarden::node
