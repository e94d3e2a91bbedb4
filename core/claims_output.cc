#include "core/claims_output.h"

#include "core/internal/claims_reader.h"

namespace tokenwarden {

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void AppendIntrospectionMembers(const Claims& claims, std::string& out) {
  bool has_token_type = false;
  for (const ClaimMember& m : claims.members) {
    // `scope` as an array is re-made below as the string RFC 7662 requires.
    if (m.name == "active" || (m.name == "scope" && !claims.scope.has_value())) {
      continue;
    }
    has_token_type |= m.name == "token_type";
    out.push_back(',');
    AppendJsonString(m.name, out);
    out.push_back(':');
    internal::AppendCompactJson(m.value, out);
  }
  // An empty `scp` array still says "these (no) scopes": rendered as "".
  if (!claims.scope.has_value() && (claims.Has("scp") || claims.Has("scope"))) {
    std::string joined;
    for (std::string_view s : claims.scopes) {
      if (!joined.empty()) {
        joined.push_back(' ');
      }
      joined.append(s);
    }
    out.append(",\"scope\":");
    AppendJsonString(joined, out);
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
