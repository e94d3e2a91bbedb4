// File: core/internal/compact_claims.h
// -----------------------------------------------------------------------------
// The payload reader's fast path, for the payload nearly every token carries: no backslash, no
// control character (so no whitespace but spaces), at most kMaxCompactText bytes. One SIMD
// pass over such a text settles what the byte walk checks byte by byte: no escapes to decode
// or check, no control character inside a string, UTF-8 (by simdjson only when a byte is not
// ASCII). The same pass marks every quote, so a string ends at the next quote: a bit scan,
// not a byte loop. What is left is the grammar between the strings, read tightly.
//
// It reads what the byte walk reads, into the same places, or gives up: any text it does not
// take, and anything in it that is not the plain shape (a wrong type, a fraction in a time
// claim, a syntax error), is read again from scratch by the byte walk, which decides the
// verdict and the detail. So the fast path only has to agree with the byte walk where it
// accepts; fuzz/claims_walk_fuzzer.cc compares the two on every input it makes.
#ifndef TOKENWARDEN_CORE_INTERNAL_COMPACT_CLAIMS_H_
#define TOKENWARDEN_CORE_INTERNAL_COMPACT_CLAIMS_H_

#include <cstddef>
#include <string_view>

#include "core/claims.h"
#include "core/internal/claims_reader.h"

namespace tokenwarden::internal {

// kMaxCompactText is the longest text the fast path takes (the default token limit is 16 KiB,
// so any payload such a token holds); its quote marks take one bit per byte of storage.
inline constexpr size_t kMaxCompactText = size_t{16} << 10;

// ReadCompactClaims reads `json` into `out` and `storage` (emptied first by the caller) as
// ReadClaimsJson's byte walk would, up to the duplicate-name check, which the caller makes.
// false when the text is not of the shape above or not accepted as it reads: `out` and
// `storage` are then half filled, for the byte walk to empty and fill again.
bool ReadCompactClaims(std::string_view json, Claims& out, ClaimsStorage& storage);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_COMPACT_CLAIMS_H_
