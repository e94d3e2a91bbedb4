#include "core/claims_output.h"

#include "base/json_escape.h"
#include "core/internal/claims_reader.h"
#include "core/possession.h"

namespace tokenwarden {

namespace {

// HasJoinedScope: the token's scope is reported as its joined scopes (no `scope` string, but
// a `scope` array or `scp`); the one rule ScopeText and the introspection members share.
bool HasJoinedScope(const Claims& claims) {
  return !claims.scope.has_value() && (claims.Has("scp") || claims.Has("scope"));
}

}  // namespace

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
  // A `scope` string was copied above; otherwise the joined scopes (ScopeText). An empty
  // `scp` array still says "these (no) scopes": rendered as "".
  if (HasJoinedScope(claims)) {  // escaped straight into `out`: no joined copy
    out.append(",\"scope\":\"");
    for (size_t i = 0; i < claims.scopes.size(); ++i) {
      if (i > 0) {
        out.push_back(' ');
      }
      base::AppendJsonEscaped(claims.scopes[i], out);
    }
    out.push_back('"');
  }
  // RFC 7662's client_id from Okta's `cid` or the OIDC `azp` when the token has no
  // `client_id` of its own: the same client Claims::ClientId names everywhere else.
  if (!claims.client_id.has_value() && !claims.Has("client_id")) {
    if (const std::optional<std::string_view> client = claims.ClientId()) {
      out.append(",\"client_id\":");
      base::AppendJsonQuoted(*client, out);
    }
  }
  if (!has_token_type) {
    out.append(IsDpopBound(claims) ? ",\"token_type\":\"DPoP\"" : ",\"token_type\":\"Bearer\"");
  }
}

namespace {

constexpr int kMaxClaimPathDepth = 8;

// Render turns one claim value (JSON text) into header text.
std::string_view Render(std::string_view value, std::string& buffer) {
  if (value.starts_with('"')) {
    return internal::UnescapeJsonString(value, buffer);
  }
  if (internal::JoinStringArray(value, buffer)) {
    return buffer;
  }
  buffer.clear();
  internal::AppendCompactJson(value, buffer);
  return buffer;
}

// FindPath finds `path` in `object`: a member of exactly that name, else, for each '.' from
// the left, a member named by what precedes it that is an object holding the rest.
std::optional<std::string_view> FindPath(std::string_view object, std::string_view path, int depth,
                                         std::string& scratch) {
  if (std::optional<std::string_view> exact = internal::FindObjectMember(object, path, scratch)) {
    return exact;
  }
  if (depth >= kMaxClaimPathDepth) {
    return std::nullopt;
  }
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    const std::optional<std::string_view> inner =
        internal::FindObjectMember(object, path.substr(0, dot), scratch);
    if (inner.has_value() && inner->starts_with('{')) {
      if (std::optional<std::string_view> found =
              FindPath(*inner, path.substr(dot + 1), depth + 1, scratch)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> ScopeText(const Claims& claims, std::string& buffer) {
  if (!HasJoinedScope(claims)) {
    return claims.scope;  // the scope string, or nullopt without any scope claim
  }
  buffer.clear();
  for (std::string_view s : claims.scopes) {
    if (!buffer.empty()) {
      buffer.push_back(' ');
    }
    buffer.append(s);
  }
  return std::string_view(buffer);
}

std::optional<std::string_view> ClaimText(const Claims& claims, std::string_view name,
                                          std::string& buffer) {
  if (name == "scope") {
    return ScopeText(claims, buffer);
  }
  if (name == "client_id") {
    return claims.ClientId();
  }
  if (const std::optional<std::string_view> value = claims.Find(name)) {
    return Render(*value, buffer);
  }
  if (name.find('.') == std::string_view::npos) {
    return std::nullopt;
  }
  // A nested claim (Keycloak's realm_access.roles): the path is looked up from the top-level
  // member named by its first segment(s).
  for (size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    const std::optional<std::string_view> top = claims.Find(name.substr(0, dot));
    if (top.has_value() && top->starts_with('{')) {
      std::string scratch;
      if (const std::optional<std::string_view> found =
              FindPath(*top, name.substr(dot + 1), 1, scratch)) {
        return Render(*found, buffer);
      }
    }
  }
  return std::nullopt;
}

}  // namespace tokenwarden
