// File: core/issuer_match.h
// -----------------------------------------------------------------------------
// The one rule for "does this `iss` name that issuer": an exact identifier, its configured
// aliases, or a multi-tenant template filled with the token's tenant. Routing among issuers
// (IssuerSet, before the signature) and the policy check (after it) both ask it.
#ifndef TOKENWARDEN_CORE_ISSUER_MATCH_H_
#define TOKENWARDEN_CORE_ISSUER_MATCH_H_

#include <string_view>

#include "core/claims.h"
#include "core/policy.h"

namespace tokenwarden {

// kTenantPlaceholder marks a multi-tenant issuer template (Policy::issuer), Entra ID's
// spelling: https://login.microsoftonline.com/{tenantid}/v2.0.
inline constexpr std::string_view kTenantPlaceholder = "{tenantid}";

// IssuerMatches reports whether `iss` names the issuer of `policy`: policy.issuer or one of
// policy.issuer_aliases exactly, or, for a template issuer, the template with the token's
// `tid` claim in place of the placeholder, where tid is a GUID (8-4-4-4-12 hex digits, as
// Entra ID's tenant ids are) and one of policy.tenants when those are listed. False when
// the policy names no issuer.
bool IssuerMatches(const Policy& policy, std::string_view iss, const Claims& claims);

// KeyIssuerMatches reports whether a signing key's `issuer` member (Entra ID publishes one
// on each key of its v2 key sets) fits the token: the member, a tenant template filled with
// the token's GUID `tid`, equals the token's `iss`, or equals `policy`'s issuer filled the
// same way (a v1 token, iss https://sts.windows.net/{tid}/, verified by the keys of the v2
// issuer configured for it). A key of one issuer then cannot vouch for a token naming
// another, even where several issuers share one JWK Set.
bool KeyIssuerMatches(std::string_view key_issuer, const Policy& policy, std::string_view iss,
                      const Claims& claims);

// IsTenantTemplate reports whether `issuer` holds the placeholder exactly once.
bool IsTenantTemplate(std::string_view issuer);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_ISSUER_MATCH_H_
