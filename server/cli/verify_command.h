#ifndef TOKENWARDEN_SERVER_CLI_VERIFY_COMMAND_H_
#define TOKENWARDEN_SERVER_CLI_VERIFY_COMMAND_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "server/cli/io.h"

namespace tokenwarden::server::cli {

// Exit codes of `tokenwarden verify`, part of its contract.
inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

// VerifyCommand runs `tokenwarden verify` with the arguments after "verify" and returns the
// exit code: kExitValid with {"valid": true, ...}, kExitInvalid with {"valid": false, "error",
// "message"}, or kExitUsage with a message on `io.err` and nothing on `io.out`. The token
// comes from io.in only when it is "-" or not given; without --now the time is io.unix_now().
int VerifyCommand(std::span<const std::string_view> args, Io& io);

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_VERIFY_COMMAND_H_
