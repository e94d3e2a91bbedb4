#ifndef TOKENWARDEN_CORE_HEADER_H_
#define TOKENWARDEN_CORE_HEADER_H_

#include <optional>
#include <string_view>

#include "core/algorithm.h"

namespace tokenwarden {

// Header is the JOSE header of a verified or rejected token (RFC 7515 §4.1). String views
// point into the VerifyScratch that parsed it and live until its next Verify.
//
// Only what validation needs is typed; `jwk`, `jku`, `x5u` and `x5c` are never read, because
// keys carried by the token itself are never trusted. The whole header stays reachable as
// JSON through VerifiedToken::header_json.
struct Header {
  Algorithm alg = Algorithm::kRs256;
  std::optional<std::string_view> kid;
  std::optional<std::string_view> typ;
  std::optional<std::string_view> cty;
  // has_crit is true when the header carries a (well-formed) `crit` list. We understand no
  // extension, so such a token is always rejected with kUnsupportedCriticalHeader.
  bool has_crit = false;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_HEADER_H_
