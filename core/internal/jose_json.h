#ifndef TOKENWARDEN_CORE_INTERNAL_JOSE_JSON_H_
#define TOKENWARDEN_CORE_INTERNAL_JOSE_JSON_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

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

// IsName compares a member name with a string literal of known length: a length check and a
// byte loop the compiler unrolls. The readers try every name against each member they type,
// and GCC called memcmp for each literal instead.
template <size_t N>
inline bool IsName(std::string_view name, const char (&literal)[N]) {
  if (name.size() != N - 1) {
    return false;
  }
  for (size_t i = 0; i + 1 < N; ++i) {
    if (name[i] != literal[i]) {
      return false;
    }
  }
  return true;
}

// HeaderStorage holds the header's member names for the duplicate check; reused across tokens.
struct HeaderStorage {
  std::vector<std::string_view> names;
  std::vector<std::string_view> sorted;  // scratch for the duplicate check
};

// HasDuplicateNames reports whether `names` holds the same string twice, using `scratch`.
// RFC 7515 §4 and RFC 7519 §4 require unique member names; we reject instead of picking one.
bool HasDuplicateNames(const std::vector<std::string_view>& names,
                       std::vector<std::string_view>& scratch);

// AlgNames says which `alg` names ReadHeader takes.
enum class AlgNames : uint8_t {
  kJws,  // RFC 7518 and RFC 8037's only: a token's
  // Also RFC 9864's "Ed25519", read as EdDSA (over Ed25519, the only EdDSA curve we verify):
  // DPoP clients (panva's dpop, oidc-provider) sign proofs with that name. Tokens keep kJws.
  kJwsAndEd25519,
};

// ReadHeader types the JOSE header `root` into `out`. Returns kMalformed (not an object,
// duplicate names, a member of the wrong type, a malformed `crit`, no `alg`) or
// kUnsupportedAlgorithm (an `alg` we don't implement, `none` included), with `detail` set.
Error ReadHeader(simdjson::dom::element root, Header& out, HeaderStorage& storage,
                 std::string_view& detail, AlgNames names = AlgNames::kJws);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_JOSE_JSON_H_
