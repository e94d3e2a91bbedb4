#ifndef TOKENWARDEN_CORE_INTERNAL_JWK_H_
#define TOKENWARDEN_CORE_INTERNAL_JWK_H_

#include <string>

#include <absl/status/statusor.h>
#include <simdjson.h>

#include "core/key.h"

namespace tokenwarden::internal {

// KeyFromJwkObject is Key::FromJwk on an already parsed JWK object (KeySet parses the whole
// set once). Same status codes: kUnimplemented = skip, kInvalidArgument = malformed or weak.
absl::StatusOr<Key> KeyFromJwkObject(simdjson::dom::object jwk);

// JwkThumbprintOfObject is JwkThumbprint (core/jwk_thumbprint.h) on a parsed JWK object.
absl::StatusOr<std::string> JwkThumbprintOfObject(simdjson::dom::object jwk);

// kMaxKeyFileBytes bounds any key material we read (a JWK Set of a few hundred keys).
inline constexpr size_t kMaxKeyFileBytes = 1 << 20;

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_JWK_H_
