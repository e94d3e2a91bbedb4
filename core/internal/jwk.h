#ifndef TOKENWARDEN_CORE_INTERNAL_JWK_H_
#define TOKENWARDEN_CORE_INTERNAL_JWK_H_

#include <optional>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <simdjson.h>

#include "core/key.h"

namespace tokenwarden::internal {

// KeyFromJwkObject is Key::FromJwk on an already parsed JWK object (KeySet parses the whole
// set once). Same status codes: kUnimplemented = skip, kInvalidArgument = malformed or weak.
absl::StatusOr<Key> KeyFromJwkObject(simdjson::dom::object jwk);

// JwkThumbprintOfObject is JwkThumbprint (core/jwk_thumbprint.h) on a parsed JWK object.
absl::StatusOr<std::string> JwkThumbprintOfObject(simdjson::dom::object jwk);

// JwkString reads the optional string member `name` of `jwk` into `out` (reset when absent);
// a present non-string is kInvalidArgument naming the member.
absl::Status JwkString(simdjson::dom::object jwk, std::string_view name,
                       std::optional<std::string_view>& out);

// JwkBytes reads the required base64url member `name` (RFC 7518 §2 Base64urlUInt or octets):
// absent, empty or not strict unpadded base64url is kInvalidArgument naming the member.
absl::StatusOr<std::string> JwkBytes(simdjson::dom::object jwk, std::string_view name);

// kMaxKeyFileBytes bounds any key material we read (a JWK Set of a few hundred keys).
inline constexpr size_t kMaxKeyFileBytes = 1 << 20;

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_JWK_H_
