#include "core/claims.h"

#include <algorithm>

namespace tokenwarden {

std::optional<std::string_view> Claims::ClientId() const {
  if (client_id.has_value()) {
    return client_id;
  }
  if (cid.has_value()) {
    return cid;
  }
  return azp.has_value() ? azp : appid;
}

bool Claims::Has(std::string_view name) const { return Find(name).has_value(); }

std::optional<std::string_view> Claims::Find(std::string_view name) const {
  for (const ClaimMember& m : members) {
    if (m.name == name) {
      return m.value;
    }
  }
  return std::nullopt;
}

bool Claims::HasScope(std::string_view wanted) const {
  return std::find(scopes.begin(), scopes.end(), wanted) != scopes.end();
}

bool Claims::HasAnyAudience(std::span<const std::string> audiences) const {
  return std::any_of(aud.begin(), aud.end(), [&](std::string_view a) {
    return std::find(audiences.begin(), audiences.end(), a) != audiences.end();
  });
}

}  // namespace tokenwarden
