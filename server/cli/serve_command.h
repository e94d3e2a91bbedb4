// File: server/cli/serve_command.h
// -----------------------------------------------------------------------------
// `tokenwarden serve`: parses the command line and runs a ServeProcess
// (server/serve/serve_process.h), which holds the server and documents its signals.
#ifndef TOKENWARDEN_SERVER_CLI_SERVE_COMMAND_H_
#define TOKENWARDEN_SERVER_CLI_SERVE_COMMAND_H_

#include <span>
#include <string_view>

#include "server/cli/io.h"

namespace tokenwarden::server::cli {

// ServeCommand runs until a stop signal and returns the exit status: 0 after a clean drain
// (or `--help`, the usage on io.out), 2 for a usage or configuration error (the message on
// io.err), 1 for a runtime failure such as a port in use. Runtime log lines go to io.err,
// the --check verdict and the demo instructions to io.out.
int ServeCommand(std::span<const std::string_view> args, Io& io);

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_SERVE_COMMAND_H_
