#ifndef TOKENWARDEN_CORE_REJECTION_H_
#define TOKENWARDEN_CORE_REJECTION_H_

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/policy.h"
#include "core/verifier.h"

namespace tokenwarden {

// DescribeRejection turns a rejection into one human sentence for CLI output, HTTP
// error_description and binding exceptions, e.g. "the token has expired: exp
// 2024-05-01T00:00:00Z was 3 h ago (leeway 0 s)". It never quotes the token, and quotes claim
// values only shortened. Cold path: allocates.
std::string DescribeRejection(Error error, const VerifiedToken& token, const Policy& policy,
                              double now);

// FormatUnixTime renders `seconds` as an RFC 3339 UTC time, e.g. "2024-05-01T00:00:00Z";
// values beyond the calendar range render as the number.
std::string FormatUnixTime(double seconds);

// FormatRelative renders `seconds` from now as "3 h ago" / "in 5 min" / "now".
std::string FormatRelative(double seconds_from_now);

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_REJECTION_H_
