#include "src/outcome.h"

#include <string_view>

#include "core/error.h"

namespace tokenwarden::node {
namespace {

bool IsAscii(std::string_view s) {
  unsigned char any = 0;
  for (const char c : s) {
    any |= static_cast<unsigned char>(c);
  }
  return any < 0x80;
}

// Str makes a JS string of `s` (UTF-8). ASCII, what payloads mostly are, is the same bytes in
// Latin-1, which V8 copies as they are instead of running its UTF-8 decoder over them.
napi_value Str(napi_env env, std::string_view s) {
  napi_value v = nullptr;
  const napi_status status = IsAscii(s) ? napi_create_string_latin1(env, s.data(), s.size(), &v)
                                        : napi_create_string_utf8(env, s.data(), s.size(), &v);
  if (status != napi_ok) {
    throw Napi::Error::New(env, "tokenwarden: cannot create a string");
  }
  return v;
}

napi_value Failure(napi_env env, const bindings::Verdict& out) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", Napi::Value(env, Str(env, ErrorCode(out.error))));
  o.Set("summary", Napi::Value(env, Str(env, ErrorSummary(out.error))));
  o.Set("detail", Napi::Value(env, Str(env, out.detail)));
  if (!out.missing_claim.empty()) {
    o.Set("claim", Napi::Value(env, Str(env, out.missing_claim)));
  }
  // The core sets payload_json on a failure only once the signature has verified (claim
  // failures, ill-typed claims, revocation): it is the issuer's (jose errors expose it).
  if (!out.payload_json.empty()) {
    o.Set("payload", Napi::Value(env, Str(env, out.payload_json)));
  }
  return o;
}

}  // namespace

napi_value ResultValue(napi_env env, const bindings::Verdict& out, bool with_header) {
  if (out.error != Error::kOk) {
    return Failure(env, out);
  }
  if (!with_header) {
    return Str(env, out.payload_json);
  }
  napi_value pair[2] = {Str(env, out.header_json), Str(env, out.payload_json)};
  napi_value array = nullptr;
  if (napi_create_array_with_length(env, 2, &array) != napi_ok ||
      napi_set_element(env, array, 0, pair[0]) != napi_ok ||
      napi_set_element(env, array, 1, pair[1]) != napi_ok) {
    throw Napi::Error::New(env, "tokenwarden: cannot create the result");
  }
  return array;
}

}  // namespace tokenwarden::node
