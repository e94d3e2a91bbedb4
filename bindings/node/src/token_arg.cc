#include "src/token_arg.h"

#include <cmath>
#include <ctime>

#include "core/clock.h"

namespace tokenwarden::node {
namespace {

// kUtf8Margin is room for one more UTF-8 sequence (4 bytes at most) past the limit: when the
// copy stops at or below the limit with this much room left, the string ended there (V8 stops
// early only when the next character does not fit).
constexpr size_t kUtf8Margin = 5;

}  // namespace

TokenReader::TokenReader(size_t max_token_bytes) : buffer_(max_token_bytes + kUtf8Margin, '\0') {}

std::string_view TokenReader::Read(napi_env env, napi_value value) {
  size_t copied = 0;
  // buffer_.size() + 1 bytes are writable: std::string keeps room for its terminator.
  const napi_status status =
      napi_get_value_string_utf8(env, value, buffer_.data(), buffer_.size() + 1, &copied);
  if (status != napi_ok) {
    throw Napi::TypeError::New(env, "tokenwarden: the token must be a string");
  }
  return std::string_view(buffer_.data(), copied);
}

double ReadNow(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  if (value != nullptr) {
    napi_typeof(env, value, &type);
  }
  if (type == napi_undefined) {
    return UnixNowFractional();
  }
  double seconds = 0;
  if (type != napi_number || napi_get_value_double(env, value, &seconds) != napi_ok ||
      !std::isfinite(seconds)) {
    throw Napi::TypeError::New(env, "tokenwarden: now must be a finite number of Unix seconds");
  }
  return seconds;
}

}  // namespace tokenwarden::node
