#ifndef TOKENWARDEN_CORE_INTERNAL_JOSE_JSON_H_
#define TOKENWARDEN_CORE_INTERNAL_JOSE_JSON_H_

#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/claims.h"
#include "core/error.h"
#include "core/header.h"

namespace tokenwarden::internal {

// kMaxJsonDepth is the deepest nesting a header or payload may have; the top-level object is
// depth 1. Deeper input is malformed.
inline constexpr size_t kMaxJsonDepth = 64;

// kSimdjsonMaxDepth is the parser setting that admits exactly kMaxJsonDepth levels: simdjson
// accepts a document as deep as its max_depth and rejects one level more (pinned by
// jose_json_test and the CLI suite).
inline constexpr size_t kSimdjsonMaxDepth = kMaxJsonDepth;

// ClaimsStorage holds the arrays Claims views into; reused across tokens.
struct ClaimsStorage {
  std::vector<std::string_view> aud;
  std::vector<std::string_view> scopes;
  std::vector<std::string_view> names;
  std::vector<std::string_view> sorted;  // scratch for the duplicate check
};

// HasDuplicateNames reports whether `names` holds the same string twice, using `scratch`.
// RFC 7515 §4 and RFC 7519 §4 require unique member names; we reject instead of picking one.
bool HasDuplicateNames(const std::vector<std::string_view>& names,
                       std::vector<std::string_view>& scratch);

// ReadHeader types the JOSE header `root` into `out`. Returns kMalformed (not an object,
// duplicate names, a member of the wrong type, a malformed `crit`, no `alg`) or
// kUnsupportedAlgorithm (an `alg` we don't implement, `none` included), with `detail` set.
Error ReadHeader(simdjson::dom::element root, Header& out, ClaimsStorage& storage,
                 std::string_view& detail);

// ReadClaims types the JWT claims set `root` into `out`, filling `storage`. Returns kMalformed
// (not an object, duplicate names, a registered claim of the wrong type), with `detail` set.
Error ReadClaims(simdjson::dom::element root, Claims& out, ClaimsStorage& storage,
                 std::string_view& detail);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_JOSE_JSON_H_
