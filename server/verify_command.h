#ifndef TOKENWARDEN_SERVER_VERIFY_COMMAND_H_
#define TOKENWARDEN_SERVER_VERIFY_COMMAND_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace tokenwarden::server {

// Exit codes of `tokenwarden verify`, part of its contract.
inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

// VerifyIo is where the command reads and writes, so tests can run it in-process.
struct VerifyIo {
  // read_stdin returns all of standard input (called only when the token comes from there).
  std::function<std::string()> read_stdin;
  // clock_now is the system time in Unix seconds, used when --now is absent.
  int64_t clock_now = 0;
  std::string out;  // standard output
  std::string err;  // standard error
};

// RunVerify runs `tokenwarden verify` with the arguments after "verify" and returns the exit
// code: kExitValid with {"valid": true, ...}, kExitInvalid with {"valid": false, "error",
// "message"}, or kExitUsage with a message on `io.err` and nothing on `io.out`.
int RunVerify(std::span<const std::string_view> args, VerifyIo& io);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_VERIFY_COMMAND_H_
