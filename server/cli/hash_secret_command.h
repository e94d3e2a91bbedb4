#ifndef TOKENWARDEN_SERVER_CLI_HASH_SECRET_COMMAND_H_
#define TOKENWARDEN_SERVER_CLI_HASH_SECRET_COMMAND_H_

#include <span>
#include <string_view>

#include "server/cli/io.h"

namespace tokenwarden::server::cli {

// HashSecretCommand runs `tokenwarden hash-secret [--pbkdf2-iterations N]` with the arguments
// after "hash-secret". The secret is io.in minus one trailing "\n" or "\r\n" (never an
// argument: those show up in `ps` and shell history), read only once the arguments are
// good. On success it writes the stored form for a client's `secret` field plus "\n" to
// io.out, possibly a warning to io.err, and returns 0; `--help` writes the usage to io.out
// and returns 0. A usage error or an empty secret writes a message to io.err, nothing to
// io.out, and returns 2.
int HashSecretCommand(std::span<const std::string_view> args, Io& io);

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_HASH_SECRET_COMMAND_H_
