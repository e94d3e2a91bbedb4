// File: server/keys/backoff.h
// -----------------------------------------------------------------------------
// The wait before retrying a failed fetch: exponential in the number of failures in a row,
// capped, with "equal jitter" (half fixed, half random) so many instances that lost the same
// issuer at the same moment do not come back in lockstep.
#ifndef TOKENWARDEN_SERVER_KEYS_BACKOFF_H_
#define TOKENWARDEN_SERVER_KEYS_BACKOFF_H_

#include <cstdint>

namespace tokenwarden::server::keys {

// BackoffMs is the wait after `failures` (>= 1) failures in a row: with base =
// min(max_ms, initial_ms * 2^(failures-1)), a value in [base/2, base], placed by `unit`
// (a random number in [0, 1)).
int64_t BackoffMs(int failures, int64_t initial_ms, int64_t max_ms, double unit);

}  // namespace tokenwarden::server::keys

#endif  // TOKENWARDEN_SERVER_KEYS_BACKOFF_H_
