#ifndef TOKENWARDEN_SERVER_AUTH_HASH_SECRET_COMMAND_H_
#define TOKENWARDEN_SERVER_AUTH_HASH_SECRET_COMMAND_H_

#include <span>
#include <string>
#include <string_view>

namespace tokenwarden::server {

// RunHashSecret runs `tokenwarden hash-secret [--pbkdf2-iterations N]` with the arguments
// after "hash-secret". The secret is `stdin_data` minus one trailing "\n" or "\r\n" (never an
// argument: those show up in `ps` and shell history). On success it writes the stored form
// for a client's `secret` field plus "\n" to `out`, possibly a warning to `err`, and returns
// 0; `--help` writes the usage to `out` and returns 0. A usage error or an empty secret
// writes a message to `err`, nothing to `out`, and returns 2.
int RunHashSecret(std::span<const std::string_view> args, std::string_view stdin_data,
                  std::string& out, std::string& err);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_AUTH_HASH_SECRET_COMMAND_H_
