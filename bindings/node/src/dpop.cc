#include "src/dpop.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings/common/dpop_check.h"
#include "core/algorithm.h"
#include "core/dpop.h"
#include "core/dpop_replay_cache.h"
#include "core/jwk_thumbprint.h"
#include "src/outcome.h"
#include "src/token_arg.h"

namespace tokenwarden::node {
namespace {

// NativeReplayCache is the addon's DpopReplayCache: one core cache, which the core locks per
// shard (worker threads with their own addon instance cannot reach it: each has its own).
// Shared with in-flight asynchronous checks, so collecting the JS object never frees a cache
// a pool thread still uses.
class NativeReplayCache : public Napi::ObjectWrap<NativeReplayCache> {
 public:
  static Napi::Function Class(Napi::Env env) {
    return DefineClass(env, "DpopReplayCache",
                       {InstanceAccessor<&NativeReplayCache::Size>("size")});
  }

  explicit NativeReplayCache(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<NativeReplayCache>(info) {
    const Napi::Env env = info.Env();
    if (!info[0].IsNumber()) {
      throw Napi::TypeError::New(env, "tokenwarden: a DpopReplayCache needs its capacity");
    }
    const absl::StatusOr<size_t> capacity =
        bindings::CheckReplayCacheCapacity(info[0].As<Napi::Number>().DoubleValue());
    if (!capacity.ok()) {
      throw Napi::RangeError::New(env, "tokenwarden: " + std::string(capacity.status().message()));
    }
    cache_ = std::make_shared<DpopReplayCache>(*capacity);
  }

  const std::shared_ptr<DpopReplayCache>& cache() const { return cache_; }

 private:
  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(cache_->size()));
  }

  std::shared_ptr<DpopReplayCache> cache_;
};

bool IsSet(const Napi::Value& v) { return !v.IsUndefined() && !v.IsNull(); }

std::string StringArg(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsString()) {
    throw Napi::TypeError::New(env, std::string("tokenwarden: ") + name + " must be a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

double NumberArg(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(env, std::string("tokenwarden: ") + name + " must be a number");
  }
  return v.As<Napi::Number>().DoubleValue();
}

template <typename T>
T ValueOr(const Napi::Env& env, absl::StatusOr<T> value) {
  if (!value.ok()) {
    throw Napi::RangeError::New(env, "tokenwarden: " + std::string(value.status().message()));
  }
  return *std::move(value);
}

// OptionsOf reads algorithms (undefined or an array of strings; lib/ has made a single
// string an array), maxAge, maxFuture and leeway (numbers: lib/ has filled the defaults).
DpopOptions OptionsOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  bindings::DpopArgs args;
  if (IsSet(info[6])) {
    if (!info[6].IsArray()) {
      throw Napi::TypeError::New(env, "tokenwarden: algorithms must be an array of strings");
    }
    const Napi::Array array = info[6].As<Napi::Array>();
    args.algorithms.emplace();
    for (uint32_t i = 0; i < array.Length(); ++i) {
      args.algorithms->push_back(StringArg(env, array.Get(i), "each algorithm"));
    }
  }
  args.max_age_seconds = NumberArg(env, info[7], "maxAge");
  args.max_future_seconds = NumberArg(env, info[8], "maxFuture");
  args.leeway_seconds = NumberArg(env, info[9], "leeway");
  return ValueOr(env, bindings::MakeDpopOptions(args));
}

// CacheOf returns the core cache of info[10], nullptr when it is unset; a TypeError for any
// other object (ObjectWrap's unwrap would take another class's object for this one).
std::shared_ptr<DpopReplayCache> CacheOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!IsSet(info[10])) {
    return nullptr;
  }
  const auto* constructor = env.GetInstanceData<Napi::FunctionReference>();
  if (!info[10].IsObject() || constructor == nullptr ||
      !info[10].As<Napi::Object>().InstanceOf(constructor->Value())) {
    throw Napi::TypeError::New(env, "tokenwarden: replayCache must be a DpopReplayCache");
  }
  return NativeReplayCache::Unwrap(info[10].As<Napi::Object>())->cache();
}

Napi::Value ProofValue(const Napi::Env& env, const DpopProof& proof) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("jkt", Napi::String::New(env, proof.jkt));
  o.Set("jti", Napi::String::New(env, proof.jti));
  o.Set("iat", Napi::Number::New(env, static_cast<double>(proof.iat)));
  const std::string_view alg = AlgorithmName(proof.alg);
  o.Set("alg", Napi::String::New(env, alg.data(), alg.size()));
  if (proof.nonce.has_value()) {
    o.Set("nonce", Napi::String::New(env, *proof.nonce));
  }
  return o;
}

// DpopCall is one verifyDpopProof's arguments, owned: the synchronous call checks them in
// place, the asynchronous one on a pool thread.
struct DpopCall {
  DpopOptions options;
  std::shared_ptr<DpopReplayCache> cache;
  std::string proof;
  std::string method;
  std::string url;
  std::string access_token;
  std::optional<std::string> nonce;
  int64_t now = 0;

  bindings::DpopCheck Run() const {
    DpopRequest request;
    request.method = method;
    request.url = url;
    request.access_token = access_token;
    request.nonce = nonce;
    request.now = now;
    return bindings::CheckDpopProof(proof, request, options, cache.get());
  }
};

DpopCall ReadCall(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  DpopCall call;
  call.options = OptionsOf(info);
  call.cache = CacheOf(info);
  // A proof is read no further than the core's limit (plus a margin): a longer one is
  // refused whatever its tail. One buffer per thread, read after the arguments whose reading
  // could run JS (instanceof), so that no nested call reuses it before the copy.
  thread_local TokenReader reader(DpopOptions{}.max_proof_bytes);
  call.proof = reader.Read(env, info[0]);
  call.method = StringArg(env, info[1], "method");
  call.url = StringArg(env, info[2], "url");
  if (IsSet(info[3])) {
    call.access_token = StringArg(env, info[3], "accessToken");
  }
  if (IsSet(info[4])) {
    call.nonce = StringArg(env, info[4], "nonce");
  }
  call.now = ValueOr(env, bindings::DpopNow(ReadNow(env, info[5])));
  return call;
}

// ResultOf is the proof object of a success, else the failure object (outcome.h) with
// cacheFull set when the replay cache was full.
Napi::Value ResultOf(const Napi::Env& env, const bindings::DpopCheck& check) {
  if (check.result.error == Error::kOk) {
    return ProofValue(env, check.result.proof);
  }
  bindings::Verdict verdict;
  verdict.error = check.result.error;
  verdict.detail = check.result.detail;
  Napi::Object failure = Napi::Value(env, ResultValue(env, verdict, false)).As<Napi::Object>();
  if (check.cache_full) {
    failure.Set("cacheFull", Napi::Boolean::New(env, true));
  }
  return failure;
}

// VerifyDpopProofJs runs on the JS thread, as Verifier.verify does: one signature check.
Napi::Value VerifyDpopProofJs(const Napi::CallbackInfo& info) {
  return ResultOf(info.Env(), ReadCall(info).Run());
}

// DpopWorker runs one check on the libuv thread pool, as Verifier.verifyAsync does, and
// settles its promise with ResultOf's value.
class DpopWorker : public Napi::AsyncWorker {
 public:
  DpopWorker(const Napi::Env& env, DpopCall call)
      : Napi::AsyncWorker(env, "tokenwarden:verifyDpopProof"),
        call_(std::move(call)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { check_ = call_.Run(); }
  void OnOK() override { deferred_.Resolve(ResultOf(Env(), check_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  DpopCall call_;
  bindings::DpopCheck check_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value VerifyDpopProofAsyncJs(const Napi::CallbackInfo& info) {
  auto worker = std::make_unique<DpopWorker>(info.Env(), ReadCall(info));
  const Napi::Promise promise = worker->Promise();
  worker.release()->Queue();  // node-addon-api deletes an AsyncWorker once it has settled
  return promise;
}

Napi::Value JwkThumbprintJs(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const absl::StatusOr<std::string> jkt = JwkThumbprint(StringArg(env, info[0], "the JWK"));
  if (!jkt.ok()) {
    throw Napi::Error::New(env, "tokenwarden: " + std::string(jkt.status().message()));
  }
  return Napi::String::New(env, *jkt);
}

Napi::Value AccessTokenHashJs(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  return Napi::String::New(env, AccessTokenHash(StringArg(env, info[0], "the access token")));
}

}  // namespace

void ExportDpop(Napi::Env env, Napi::Object exports) {
  const Napi::Function cache = NativeReplayCache::Class(env);
  // The environment owns the reference: node-addon-api deletes it when the environment ends.
  env.SetInstanceData(std::make_unique<Napi::FunctionReference>(Napi::Persistent(cache)).release());
  exports.Set("DpopReplayCache", cache);
  exports.Set("verifyDpopProof", Napi::Function::New<VerifyDpopProofJs>(env, "verifyDpopProof"));
  exports.Set("verifyDpopProofAsync",
              Napi::Function::New<VerifyDpopProofAsyncJs>(env, "verifyDpopProofAsync"));
  exports.Set("jwkThumbprint", Napi::Function::New<JwkThumbprintJs>(env, "jwkThumbprint"));
  exports.Set("accessTokenHash", Napi::Function::New<AccessTokenHashJs>(env, "accessTokenHash"));
}

}  // namespace tokenwarden::node
