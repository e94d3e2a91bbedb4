// File: core/claims_json.h
// -----------------------------------------------------------------------------
// ClaimsJson reads a JSON object that is not a token's payload but speaks the same claims,
// an upstream RFC 7662 introspection answer above all, with the very reader a token's payload
// gets: the same types, the same scope and audience model, so a rule about claims is written
// once whether a JWT or an opaque token's introspection supplied them.
#ifndef TOKENWARDEN_CORE_CLAIMS_JSON_H_
#define TOKENWARDEN_CORE_CLAIMS_JSON_H_

#include <memory>
#include <string_view>

#include "core/claims.h"
#include "core/error.h"

namespace tokenwarden {

namespace internal {
struct ClaimsStorage;
}

// Thread-safety: none; one thread at a time. Reusable.
class ClaimsJson {
 public:
  ClaimsJson();
  ~ClaimsJson();
  ClaimsJson(const ClaimsJson&) = delete;
  ClaimsJson& operator=(const ClaimsJson&) = delete;

  // Read reads `json` (which must outlive the claims). kMalformed with detail() when it is not
  // a strict JSON object or an interpreted claim has the wrong type.
  Error Read(std::string_view json);
  const Claims& claims() const { return claims_; }
  std::string_view detail() const { return detail_; }

 private:
  std::unique_ptr<internal::ClaimsStorage> storage_;
  Claims claims_;
  std::string_view detail_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_CLAIMS_JSON_H_
