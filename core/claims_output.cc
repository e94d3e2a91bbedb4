#include "core/claims_output.h"

#include "base/json_escape.h"
#include "core/internal/claims_reader.h"

namespace tokenwarden {

void AppendIntrospectionMembers(const Claims& claims, std::string& out) {
  bool has_token_type = false;
  for (const ClaimMember& m : claims.members) {
    // `scope` as an array is re-made below as the string RFC 7662 requires.
    if (m.name == "active" || (m.name == "scope" && !claims.scope.has_value())) {
      continue;
    }
    has_token_type |= m.name == "token_type";
    out.push_back(',');
    base::AppendJsonQuoted(m.name, out);
    out.push_back(':');
    internal::AppendCompactJson(m.value, out);
  }
  // An empty `scp` array still says "these (no) scopes": rendered as "".
  if (!claims.scope.has_value() && (claims.Has("scp") || claims.Has("scope"))) {
    out.append(",\"scope\":\"");
    for (size_t i = 0; i < claims.scopes.size(); ++i) {
      if (i > 0) {
        out.push_back(' ');
      }
      base::AppendJsonEscaped(claims.scopes[i], out);
    }
    out.push_back('"');
  }
  if (!has_token_type) {
    out.append(",\"token_type\":\"Bearer\"");
  }
}

std::optional<std::string_view> ClaimText(const Claims& claims, std::string_view name,
                                          std::string& buffer) {
  const std::optional<std::string_view> value = claims.Find(name);
  if (!value.has_value()) {
    return std::nullopt;
  }
  if (value->starts_with('"')) {
    return internal::UnescapeJsonString(*value, buffer);
  }
  if (internal::JoinStringArray(*value, buffer)) {
    return std::string_view(buffer);
  }
  buffer.clear();
  internal::AppendCompactJson(*value, buffer);
  return std::string_view(buffer);
}

}  // namespace tokenwarden
