// File: server/cli/main_command.h
// -----------------------------------------------------------------------------
// `tokenwarden <command> [options]`: the dispatch from a command name to its Command.
#ifndef TOKENWARDEN_SERVER_CLI_MAIN_COMMAND_H_
#define TOKENWARDEN_SERVER_CLI_MAIN_COMMAND_H_

#include <span>
#include <string_view>

#include "server/cli/io.h"

namespace tokenwarden::server::cli {

// MainCommand runs the command named by args[0] with the rest of `args` (the program name
// already dropped). No arguments: the usage on io.err, exit 2; --help: the usage on io.out,
// exit 0; an unknown command: a message and the usage on io.err, exit 2.
int MainCommand(std::span<const std::string_view> args, Io& io);

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_MAIN_COMMAND_H_
