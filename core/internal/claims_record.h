// File: core/internal/claims_record.h
// -----------------------------------------------------------------------------
// A claims record is the typed view of a verified token (Header and Claims) flattened into
// bytes, so a verified-token cache entry can hand back the same typed view a verification
// produced without parsing the payload again. Every view is stored as a place in the
// header JSON, the payload JSON, or the record's own copy of strings that exist in neither
// (unescaped values): reading a record back is pointer arithmetic, no JSON.
#ifndef TOKENWARDEN_CORE_INTERNAL_CLAIMS_RECORD_H_
#define TOKENWARDEN_CORE_INTERNAL_CLAIMS_RECORD_H_

#include <string>
#include <string_view>

#include "core/claims.h"
#include "core/header.h"
#include "core/internal/claims_reader.h"

namespace tokenwarden::internal {

// WriteClaimsRecord flattens `header` and `claims` (views into `header_json`, `payload_json`
// or elsewhere, never into `out`) into `out`, reusing its capacity: once warm it allocates
// nothing unless a record holds more than 32 list items and members.
void WriteClaimsRecord(const Header& header, const Claims& claims, std::string_view header_json,
                       std::string_view payload_json, std::string& out);

// ReadClaimsRecord restores the views of a record made by WriteClaimsRecord, pointing into
// copies of the same `header_json` and `payload_json` and into `record`; the arrays live in
// `storage`. false when the record is damaged (a bug, never input: records are ours).
bool ReadClaimsRecord(std::string_view record, std::string_view header_json,
                      std::string_view payload_json, Header& header, Claims& claims,
                      ClaimsStorage& storage);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_CLAIMS_RECORD_H_
