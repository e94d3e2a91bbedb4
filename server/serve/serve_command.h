// File: server/serve/serve_command.h
// -----------------------------------------------------------------------------
// `tokenwarden serve`: load the configuration (or build the demo), replay the revocation log,
// start the HTTP workers, then run the main thread's loop for signals and housekeeping:
//   SIGTERM / SIGINT  stop accepting, drain in-flight requests, exit 0
//   SIGHUP            reload the configuration and keys; a bad one is logged and ignored
//   every 5 s         purge expired cache entries and revocations, compact the log
#ifndef TOKENWARDEN_SERVER_SERVE_SERVE_COMMAND_H_
#define TOKENWARDEN_SERVER_SERVE_SERVE_COMMAND_H_

#include <span>
#include <string_view>

namespace tokenwarden::server {

// RunServe runs until a stop signal; returns the exit status (0 after a clean drain, 2 for a
// usage or configuration error, 1 for a runtime failure such as a port in use).
int RunServe(std::span<const std::string_view> args);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_SERVE_COMMAND_H_
