#include "src/verify_worker.h"

#include <utility>

#include "src/outcome.h"

namespace tokenwarden::node {
namespace {

// VerifyWork is one queued validation. The handle is shared: the Verifier may be collected
// (or its keys rotated) while the work runs.
struct VerifyWork {
  std::shared_ptr<const bindings::ValidatorHandle> handle;
  std::string token;
  std::string dpop_jkt;
  std::string certificate_thumbprint;
  double now = 0;
  bool with_header = false;
  bindings::ValidatorHandle::Outcome out;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

// Execute runs on a pool thread: no JS here, only the thread-safe Validate.
void Execute(napi_env /*env*/, void* data) {
  auto* w = static_cast<VerifyWork*>(data);
  w->handle->Validate(w->token, w->now, w->out, {w->dpop_jkt, w->certificate_thumbprint});
}

// Complete runs on the JS thread (inside a handle scope) and settles the promise.
void Complete(napi_env env, napi_status status, void* data) {
  std::unique_ptr<VerifyWork> w(static_cast<VerifyWork*>(data));
  napi_delete_async_work(env, w->work);
  napi_value value = nullptr;
  bool ok = status == napi_ok;
  try {
    if (ok) {
      value = ResultValue(env, w->out.verdict(), w->with_header);
    } else {
      value = Napi::Error::New(env, "tokenwarden: verification was cancelled").Value();
    }
  } catch (const Napi::Error& e) {
    ok = false;
    value = e.Value();
  }
  if (ok) {
    napi_resolve_deferred(env, w->deferred, value);
  } else {
    napi_reject_deferred(env, w->deferred, value);
  }
}

}  // namespace

napi_value QueueVerify(napi_env env, std::shared_ptr<const bindings::ValidatorHandle> handle,
                       std::string token, double now, bool with_header, std::string dpop_jkt,
                       std::string certificate_thumbprint) {
  auto w = std::make_unique<VerifyWork>();
  w->handle = std::move(handle);
  w->token = std::move(token);
  w->dpop_jkt = std::move(dpop_jkt);
  w->certificate_thumbprint = std::move(certificate_thumbprint);
  w->now = now;
  w->with_header = with_header;
  napi_value promise = nullptr;
  napi_value name = nullptr;
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "tokenwarden:verify", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, nullptr, name, Execute, Complete, w.get(), &w->work) != napi_ok) {
    throw Napi::Error::New(env, "tokenwarden: cannot queue the verification");
  }
  if (napi_queue_async_work(env, w->work) != napi_ok) {
    napi_delete_async_work(env, w->work);
    throw Napi::Error::New(env, "tokenwarden: cannot queue the verification");
  }
  w.release();  // Complete owns it now.
  return promise;
}

}  // namespace tokenwarden::node
