// File: core/internal/claims_reader.h
// -----------------------------------------------------------------------------
// ReadClaimsJson is the one reader of a claims set: the JWT payload on verification, and an
// upstream RFC 7662 introspection response. It checks the whole text against RFC 8259 in one
// pass (UTF-8, string escapes and surrogate pairs, number grammar, nesting at most
// kMaxJsonDepth, nothing after the object) and types the claims the engine interprets as it
// goes. Values it does not interpret are kept as their exact text, so a claim holding an
// integer beyond 64 bits is accepted and re-emitted digit for digit (simdjson's DOM refuses
// such numbers, which rejected tokens PyJWT, jose and jwcrypto happily sign).
#ifndef TOKENWARDEN_CORE_INTERNAL_CLAIMS_READER_H_
#define TOKENWARDEN_CORE_INTERNAL_CLAIMS_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/claims.h"
#include "core/error.h"
#include "core/internal/member_name.h"

namespace tokenwarden::internal {

// ClaimsStorage holds what Claims views into besides the JSON text itself; reused across
// tokens so a warm reader does not allocate.
struct ClaimsStorage {
  std::vector<std::string_view> aud;
  std::vector<std::string_view> scopes;
  std::vector<ClaimMember> members;
  NameSeenFilter seen;                   // the member names so far, for the duplicate check
  std::vector<std::string_view> names;   // the exact check behind its maybe
  std::vector<std::string_view> sorted;  // its scratch
  // unescaped holds strings that contained escapes; reserved to the JSON's size before
  // reading (unescaping never grows a string), so views into it stay put.
  std::string unescaped;
  // quote_marks: the compact reader's (core/internal/compact_claims.h) quote bits, a bit per
  // byte of the text.
  std::vector<uint64_t> quote_marks;
  // byte_walk_only skips the compact reader: the reference the differential fuzz target and
  // the tests compare it with.
  bool byte_walk_only = false;
  // reads counts ReadClaimsJson calls on this storage: the one-parse-per-request tests read it.
  uint64_t reads = 0;
};

// kJsonSyntaxDetail is the detail of a text that is not strict JSON at all (as opposed to JSON
// of the wrong shape or types); the fuzz differential against simdjson keys on it.
inline constexpr std::string_view kJsonSyntaxDetail =
    "the payload is not valid UTF-8 JSON within the nesting limit";

// ReadClaimsJson reads `json` as a claims set into `out` (views into `json` and `storage`).
// kMalformed with `detail` when the text is not strict JSON, not an object, repeats a
// member name, or gives an interpreted claim the wrong type.
// The usual payload goes through the compact reader (core/internal/compact_claims.h); what
// that one does not take, the byte walk here reads from scratch, and its verdict stands.
Error ReadClaimsJson(std::string_view json, Claims& out, ClaimsStorage& storage,
                     std::string_view& detail);

// UnescapeJsonString returns the value of `text`, the exact JSON text of a string (quotes
// included, already validated), using `buffer` when it holds escapes.
std::string_view UnescapeJsonString(std::string_view text, std::string& buffer);

// JoinStringArray: when `text` (one validated JSON value) is an array of strings, sets
// `buffer` to their values joined by single spaces and returns true.
bool JoinStringArray(std::string_view text, std::string& buffer);

// ListGrants reports whether `value` (one validated JSON value) grants `item`: a string whose
// space-separated words include it, or an array with a string equal to it (RFC 6749 §3.3
// scope semantics, for claims such as Auth0's `permissions`).
bool ListGrants(std::string_view value, std::string_view item);

// FindObjectMember returns the JSON text of member `name` of `object` (one validated JSON
// value; nullopt when it is not an object or has no such member). Names are compared
// unescaped; `scratch` holds a name that had escapes.
std::optional<std::string_view> FindObjectMember(std::string_view object, std::string_view name,
                                                 std::string& scratch);

// AppendCompactJson appends `text`, one validated JSON value, without insignificant
// whitespace.
void AppendCompactJson(std::string_view text, std::string& out);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_CLAIMS_READER_H_
