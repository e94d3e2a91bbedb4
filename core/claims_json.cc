#include "core/claims_json.h"

#include "core/internal/claims_reader.h"

namespace tokenwarden {

ClaimsJson::ClaimsJson() : storage_(std::make_unique<internal::ClaimsStorage>()) {}
ClaimsJson::~ClaimsJson() = default;

Error ClaimsJson::Read(std::string_view json) {
  detail_ = {};
  const Error error = internal::ReadClaimsJson(json, claims_, *storage_, detail_);
  if (error != Error::kOk) {
    claims_ = Claims{};
  }
  return error;
}

}  // namespace tokenwarden
