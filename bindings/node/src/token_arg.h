// File: bindings/node/src/token_arg.h
// -----------------------------------------------------------------------------
// Reading the per-call arguments of verify/verifyAsync/revoke: the token (a JS string,
// copied out as UTF-8 into a reusable buffer) and `now` (Unix seconds, or the clock).
#ifndef TOKENWARDEN_BINDINGS_NODE_SRC_TOKEN_ARG_H_
#define TOKENWARDEN_BINDINGS_NODE_SRC_TOKEN_ARG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <napi.h>

namespace tokenwarden::node {

// TokenReader copies token strings into one buffer that it keeps between calls, so the
// synchronous hot path allocates nothing. It copies at most max_token_bytes plus a margin: a
// longer token is token_too_large whatever its tail, so its tail is never read.
// Thread-safety: none; one per JS object, used on its JS thread only.
class TokenReader {
 public:
  explicit TokenReader(size_t max_token_bytes);

  // Read returns `value` as UTF-8; the view lives until the next Read. Throws a TypeError
  // when `value` is not a string. A token longer than the limit comes back longer than the
  // limit (but truncated), which the core rejects as token_too_large.
  std::string_view Read(napi_env env, napi_value value);

 private:
  std::string buffer_;
};

// ReadNow returns `value` as Unix seconds, fraction kept, or the current time (with its
// fraction) when it is undefined. Throws a TypeError for anything but a finite number.
double ReadNow(napi_env env, napi_value value);

}  // namespace tokenwarden::node

#endif  // TOKENWARDEN_BINDINGS_NODE_SRC_TOKEN_ARG_H_
