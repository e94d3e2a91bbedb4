#ifndef TOKENWARDEN_CORE_COMPACT_H_
#define TOKENWARDEN_CORE_COMPACT_H_

#include <optional>
#include <string_view>

#include <absl/base/attributes.h>

namespace tokenwarden {

// CompactParts are the three base64url segments of a compact JWS (RFC 7515 §7.1) and the
// signing input `header.payload`, all views into the token.
struct CompactParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;
};

// SplitCompact returns the three segments of `token` plus `signing_input`, the bytes the
// signature covers (sliced from `token`, never re-joined), or nullopt unless `token` has
// exactly two dots. Segments may be empty here; decoding decides whether that is valid. The
// result borrows from `token`.
std::optional<CompactParts> SplitCompact(std::string_view token ABSL_ATTRIBUTE_LIFETIME_BOUND);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_COMPACT_H_
