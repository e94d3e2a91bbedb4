// File: core/clock.h
// -----------------------------------------------------------------------------
// UnixNow is the validation clock: whole Unix seconds from CLOCK_REALTIME (UnixNowMs: ms;
// UnixNowFractional: seconds with their fraction).
#ifndef TOKENWARDEN_CORE_CLOCK_H_
#define TOKENWARDEN_CORE_CLOCK_H_

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

namespace tokenwarden {

// UnixNow returns the current Unix time in whole seconds, rounded down. Not std::time():
// glibc serves time() from the coarse clock, which may still read the previous second for a
// few milliseconds after CLOCK_REALTIME (what Python's time.time(), Node's Date.now() and
// most issuers use) has moved on, so a token minted with iat = now would look issued in
// the future (found by the PyJWT parity test in CI).
inline int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// UnixNowMs is the same clock in milliseconds (cache lifetimes of upstream answers).
inline int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// UnixNowFractional is the same clock with its fraction. The bindings validate at this time:
// PyJWT and jose compare NumericDates (which may be fractional) against time.time() or
// Date.now(), so a token whose exp passed 0.85 s ago is expired there, and must be here too.
inline double UnixNowFractional() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// WholeSeconds floors `seconds` (a fractional Unix time) for what counts in whole seconds (the
// denylist and the cache's lifetimes). Beyond int64's range it saturates; NaN reads as the
// earliest time, so an entry is never dropped early because of it.
inline int64_t WholeSeconds(double seconds) {
  constexpr double kLimit = 9.2e18;  // below 2^63: the cast below is then defined
  if (!(seconds > -kLimit)) {
    return std::numeric_limits<int64_t>::min();
  }
  if (seconds >= kLimit) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(std::floor(seconds));
}

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_CLOCK_H_
