// File: core/claims_output.h
// -----------------------------------------------------------------------------
// How verified claims leave the engine: as the members of an RFC 7662 introspection answer,
// and as the text of one claim for an HTTP header (forward-auth claim headers). Both read the
// typed Claims, so they agree with validation about what `scope` is.
#ifndef TOKENWARDEN_CORE_CLAIMS_OUTPUT_H_
#define TOKENWARDEN_CORE_CLAIMS_OUTPUT_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/claims.h"

namespace tokenwarden {

// AppendIntrospectionMembers appends `,"name":value` for every claim that belongs in an RFC
// 7662 response: all of them except `active` (the server's verdict is never the token's to
// say), each value exactly as the issuer wrote it (minus insignificant whitespace; a big
// integer keeps every digit). RFC 7662 §2.2's `scope` is a space-separated string: a `scope`
// string is kept; a `scope` array (IdentityServer, Duende) or `scp` alone (Okta, Entra ID)
// becomes one, made of every granted scope. `"token_type"` is added unless present: "DPoP" for a
// DPoP-bound token (cnf.jkt, RFC 9449 §6.2), else "Bearer".
void AppendIntrospectionMembers(const Claims& claims, std::string& out);

// ScopeText is the granted scopes as one space-separated string, the engine's one answer to
// "what is this token's scope": a `scope` string as it is, else every scope of a `scope`
// array and of `scp` (Okta, Entra ID), joined. nullopt when the token has neither claim.
std::optional<std::string_view> ScopeText(const Claims& claims, std::string& buffer);

// ClaimText renders claim `name` for an HTTP header: a string as its value, an array of
// strings joined by single spaces, anything else as compact JSON. nullopt when absent. The
// view lives in `buffer` or the claims. Two names are the engine's interpreted claims rather
// than members: `scope` is ScopeText and `client_id` is Claims::ClientId (client_id, else cid,
// else azp). A name with dots that is not a top-level claim is a path into nested objects
// (`realm_access.roles`, `resource_access.my-app.roles`; at most 8 levels).
std::optional<std::string_view> ClaimText(const Claims& claims, std::string_view name,
                                          std::string& buffer);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_CLAIMS_OUTPUT_H_
