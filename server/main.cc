// tokenwarden: the command-line entry point. `verify` checks one token, `serve` runs the
// introspection server, `hash-secret` makes the stored form of a client secret.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "server/auth/hash_secret_command.h"
#include "server/serve/serve_command.h"
#include "server/verify_command.h"

namespace {

constexpr char kUsage[] =
    "usage: tokenwarden <command> [options]\n"
    "\n"
    "commands:\n"
    "  verify       verify one JWT (see tokenwarden verify --help)\n"
    "  serve        run the introspection server (see tokenwarden serve --help;\n"
    "               tokenwarden serve --demo tries it with an embedded demo)\n"
    "  hash-secret  read a client secret on stdin, print its salted hash for the config\n";

std::string ReadStdin() {
  // Bounded: past 4 MiB the token is far beyond any size limit and is rejected anyway.
  constexpr size_t kMax = 4 << 20;
  std::string data;
  char buf[65536];
  while (data.size() <= kMax) {
    const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "verify") {
    tokenwarden::server::VerifyIo io;
    io.read_stdin = ReadStdin;
    io.clock_now = tokenwarden::UnixNow();
    const int code =
        tokenwarden::server::RunVerify(std::span<const std::string_view>(args).subspan(1), io);
    std::fwrite(io.out.data(), 1, io.out.size(), stdout);
    std::fwrite(io.err.data(), 1, io.err.size(), stderr);
    return code;
  }
  if (args[0] == "serve") {
    return tokenwarden::server::RunServe(std::span<const std::string_view>(args).subspan(1));
  }
  if (args[0] == "hash-secret") {
    std::string out;
    std::string err;
    const bool wants_help = args.size() > 1 && args[1] == "--help";
    const int code =
        tokenwarden::server::RunHashSecret(std::span<const std::string_view>(args).subspan(1),
                                           wants_help ? "" : ReadStdin(), out, err);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fwrite(err.data(), 1, err.size(), stderr);
    return code;
  }
  std::fprintf(stderr, "tokenwarden: unknown command \"%.*s\"\n%s",
               static_cast<int>(args[0].size()), args[0].data(), kUsage);
  return 2;
}
