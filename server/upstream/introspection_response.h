// File: server/upstream/introspection_response.h
// -----------------------------------------------------------------------------
// An issuer's RFC 7662 answer, checked: a 200 with a JSON object whose `active` is a boolean,
// and whose standard members, when present, have their standard types (§2.2): exp/iat/nbf
// integers, aud a string or an array of strings, scope/client_id/username/token_type/sub/iss/
// jti strings. Anything else is an upstream failure, never an answer.
#ifndef TOKENWARDEN_SERVER_UPSTREAM_INTROSPECTION_RESPONSE_H_
#define TOKENWARDEN_SERVER_UPSTREAM_INTROSPECTION_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

namespace tokenwarden::server::upstream {

// kMaxResponseBytes bounds an introspection answer.
inline constexpr size_t kMaxResponseBytes = 64 * 1024;

struct IntrospectionResult {
  bool active = false;
  std::optional<int64_t> exp;
  // json is the whole answer (an object), as received: the members tokenwarden relays.
  std::string json;
};

// ParseIntrospectionResponse reads the body of a 200 answer.
absl::StatusOr<IntrospectionResult> ParseIntrospectionResponse(std::string_view body);

}  // namespace tokenwarden::server::upstream

#endif  // TOKENWARDEN_SERVER_UPSTREAM_INTROSPECTION_RESPONSE_H_
