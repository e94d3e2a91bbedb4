#include "core/issuer_match.h"

#include <algorithm>
#include <optional>
#include <string>

namespace tokenwarden {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// IsGuid: 8-4-4-4-12 hex digits. Tenant ids are GUIDs; anything else in `tid` is refused
// rather than pasted into the issuer.
bool IsGuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) {
      return false;
    }
  }
  return true;
}

// TenantOf returns the token's `tid` when it is a JSON string without escapes (a GUID never
// needs one).
std::optional<std::string_view> TenantOf(const Claims& claims) {
  const std::optional<std::string_view> tid = claims.Find("tid");
  if (!tid.has_value() || tid->size() < 2 || tid->front() != '"' || tid->back() != '"') {
    return std::nullopt;
  }
  const std::string_view value = tid->substr(1, tid->size() - 2);
  if (value.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  return value;
}

// FilledEquals: `iss` equals `pattern` (one placeholder) with `tid` in its place.
bool FilledEquals(std::string_view pattern, std::string_view tid, std::string_view iss) {
  const size_t at = pattern.find(kTenantPlaceholder);
  const std::string_view before = pattern.substr(0, at);
  const std::string_view after = pattern.substr(at + kTenantPlaceholder.size());
  return iss.size() == before.size() + tid.size() + after.size() && iss.starts_with(before) &&
         iss.substr(before.size(), tid.size()) == tid && iss.ends_with(after);
}

bool TemplateMatches(const Policy& policy, std::string_view iss, const Claims& claims) {
  const std::optional<std::string_view> tid = TenantOf(claims);
  if (!tid.has_value() || !IsGuid(*tid)) {
    return false;
  }
  if (!policy.tenants.empty() &&
      std::find(policy.tenants.begin(), policy.tenants.end(), *tid) == policy.tenants.end()) {
    return false;
  }
  return FilledEquals(*policy.issuer, *tid, iss);
}

}  // namespace

bool IsTenantTemplate(std::string_view issuer) {
  const size_t at = issuer.find(kTenantPlaceholder);
  return at != std::string_view::npos &&
         issuer.find(kTenantPlaceholder, at + kTenantPlaceholder.size()) == std::string_view::npos;
}

bool KeyIssuerMatches(std::string_view key_issuer, const Policy& policy, std::string_view iss,
                      const Claims& claims) {
  const std::optional<std::string_view> tid = TenantOf(claims);
  const bool has_tenant = tid.has_value() && IsGuid(*tid);
  // The key's issuer for this token, spelled out.
  std::string effective(key_issuer);
  if (IsTenantTemplate(key_issuer)) {
    if (!has_tenant) {
      return false;
    }
    effective.replace(effective.find(kTenantPlaceholder), kTenantPlaceholder.size(), *tid);
  }
  if (effective == iss) {
    return true;
  }
  if (!policy.issuer.has_value()) {
    return false;
  }
  return IsTenantTemplate(*policy.issuer)
             ? has_tenant && FilledEquals(*policy.issuer, *tid, effective)
             : *policy.issuer == effective;
}

bool IssuerMatches(const Policy& policy, std::string_view iss, const Claims& claims) {
  if (!policy.issuer.has_value()) {
    return false;
  }
  if (IsTenantTemplate(*policy.issuer)) {
    if (TemplateMatches(policy, iss, claims)) {
      return true;
    }
  } else if (iss == *policy.issuer) {
    return true;
  }
  return std::find(policy.issuer_aliases.begin(), policy.issuer_aliases.end(), iss) !=
         policy.issuer_aliases.end();
}

}  // namespace tokenwarden
