#include "src/options.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokenwarden::node {
namespace {

// Largest accepted cache size and token limit: both size allocations.
constexpr double kMaxCacheEntries = 1 << 24;
constexpr double kMaxTokenBytesLimit = 1 << 24;

[[noreturn]] void Fail(const Napi::Env& env, std::string_view name, std::string_view want) {
  throw Napi::TypeError::New(
      env, "tokenwarden: option \"" + std::string(name) + "\" must be " + std::string(want));
}

bool IsSet(const Napi::Value& v) { return !v.IsUndefined() && !v.IsNull(); }

std::string String(const Napi::Env& env, std::string_view name, const Napi::Value& v) {
  if (!v.IsString()) {
    Fail(env, name, "a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

// Strings reads a string or an array of strings.
std::vector<std::string> Strings(const Napi::Env& env, std::string_view name,
                                 const Napi::Value& v) {
  std::vector<std::string> out;
  if (v.IsString()) {
    out.push_back(v.As<Napi::String>().Utf8Value());
    return out;
  }
  if (!v.IsArray()) {
    Fail(env, name, "a string or an array of strings");
  }
  const Napi::Array array = v.As<Napi::Array>();
  const uint32_t n = array.Length();
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const Napi::Value item = array.Get(i);
    if (!item.IsString()) {
      Fail(env, name, "a string or an array of strings");
    }
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

std::vector<std::string> NonEmpty(const Napi::Env& env, std::string_view name,
                                  std::vector<std::string> v) {
  if (v.empty()) {
    Fail(env, name, "a string or a non-empty array of strings (omit it to impose nothing)");
  }
  return v;
}

double Number(const Napi::Env& env, std::string_view name, const Napi::Value& v, double min,
              double max, bool integer) {
  const std::string_view want = integer ? "an integer in range" : "a non-negative number";
  if (!v.IsNumber()) {
    Fail(env, name, want);
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < min || d > max || (integer && std::floor(d) != d)) {
    Fail(env, name,
         std::string(want) + " [" + std::to_string(static_cast<int64_t>(min)) + ", " +
             std::to_string(static_cast<int64_t>(max)) + "]");
  }
  return d;
}

bool Bool(const Napi::Env& env, std::string_view name, const Napi::Value& v) {
  if (!v.IsBoolean()) {
    Fail(env, name, "a boolean");
  }
  return v.As<Napi::Boolean>().Value();
}

}  // namespace

bindings::HandleOptions ToHandleOptions(const Napi::Object& options) {
  const Napi::Env env = options.Env();
  bindings::HandleOptions o;
  bool have_keys = false;
  const Napi::Array names = options.GetPropertyNames();
  const uint32_t n = names.Length();
  for (uint32_t i = 0; i < n; ++i) {
    const Napi::Value key = names.Get(i);
    const std::string name = key.ToString().Utf8Value();
    const Napi::Value v = options.Get(key);
    if (!IsSet(v)) {
      continue;
    }
    if (name == "jwks") {
      o.keys = String(env, name, v);
      have_keys = true;
    } else if (name == "issuer") {
      o.issuer = String(env, name, v);
    } else if (name == "audience") {
      // An empty list would mean "no audience check" to the core: say so instead.
      o.audiences = NonEmpty(env, name, Strings(env, name, v));
    } else if (name == "algorithms") {
      // Likewise an empty list would allow every algorithm the keys support.
      o.algorithms = NonEmpty(env, name, Strings(env, name, v));
    } else if (name == "leeway") {
      // Fraction kept: the core compares NumericDates and `now` as doubles.
      o.leeway_seconds = Number(env, name, v, 0, 1e12, /*integer=*/false);
    } else if (name == "typ") {
      o.type = String(env, name, v);
    } else if (name == "requiredClaims") {
      o.required_claims = Strings(env, name, v);
    } else if (name == "scopes") {
      o.required_scopes = Strings(env, name, v);
    } else if (name == "cache") {
      o.cache_entries = static_cast<size_t>(Number(env, name, v, 0, kMaxCacheEntries, true));
    } else if (name == "maxTokenBytes") {
      o.max_token_bytes = static_cast<size_t>(Number(env, name, v, 1, kMaxTokenBytesLimit, true));
    } else if (name == "requireExp") {
      o.require_exp = Bool(env, name, v);
    } else if (name == "checkExp") {
      o.check_exp = Bool(env, name, v);
    } else if (name == "checkNbf") {
      o.check_nbf = Bool(env, name, v);
    } else if (name == "checkIat") {
      o.check_iat = Bool(env, name, v);
    } else if (name == "checkBinding") {
      o.check_binding = Bool(env, name, v);
    } else if (name == "dpopRequired") {
      o.dpop_required = Bool(env, name, v);
    } else {
      throw Napi::TypeError::New(env, "tokenwarden: unknown option \"" + name + "\"");
    }
  }
  if (!have_keys) {
    throw Napi::TypeError::New(env, "tokenwarden: option \"jwks\" is required");
  }
  return o;
}

}  // namespace tokenwarden::node
