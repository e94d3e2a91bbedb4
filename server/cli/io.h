// File: server/cli/io.h
// -----------------------------------------------------------------------------
// Io is what a command reads and writes instead of the process's standard streams, so that
// every command runs in-process in tests: `main` binds it to std::cin/cout/cerr.
#ifndef TOKENWARDEN_SERVER_CLI_IO_H_
#define TOKENWARDEN_SERVER_CLI_IO_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace tokenwarden::server::cli {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  // unix_now is the wall clock in whole seconds: the one other thing a command reads from
  // its surroundings, here so that tests can pin it.
  std::function<int64_t()> unix_now = UnixNow;
};

// A command takes the arguments after its name and returns the process exit code.
using Command = int (*)(std::span<const std::string_view> args, Io& io);

// ReadAll returns io.in up to `max_bytes` (and at most one byte more, so that the caller can
// tell a too-long input from one that fits).
std::string ReadAll(std::istream& in, size_t max_bytes);

// WriteAll writes `text` and flushes, so that lines reach a pipe in order with other writers.
void WriteAll(std::ostream& out, std::string_view text);

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_IO_H_
