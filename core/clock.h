// File: core/clock.h
// -----------------------------------------------------------------------------
// UnixNow is the validation clock: whole Unix seconds from CLOCK_REALTIME (UnixNowMs: ms).
#ifndef TOKENWARDEN_CORE_CLOCK_H_
#define TOKENWARDEN_CORE_CLOCK_H_

#include <chrono>
#include <cstdint>

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

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_CLOCK_H_
