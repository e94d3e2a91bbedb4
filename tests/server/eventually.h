// File: tests/server/eventually.h
// -----------------------------------------------------------------------------
// Eventually: the wait of the server suites whose code under test runs on threads of its own
// (fetch threads, the Redis link): polls a condition instead of sleeping a guessed time.
#ifndef TOKENWARDEN_TESTS_SERVER_EVENTUALLY_H_
#define TOKENWARDEN_TESTS_SERVER_EVENTUALLY_H_

#include <chrono>
#include <functional>
#include <thread>

namespace tokenwarden::testing {

// Eventually polls `condition` every 2 ms for up to 10 s (sanitizer builds on a loaded
// machine are slow) and returns its last value.
inline bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_EVENTUALLY_H_
