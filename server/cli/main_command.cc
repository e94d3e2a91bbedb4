#include "server/cli/main_command.h"

#include "base/str_cat.h"
#include "server/cli/hash_secret_command.h"
#include "server/cli/serve_command.h"
#include "server/cli/verify_command.h"

namespace tokenwarden::server::cli {
namespace {

constexpr char kUsage[] =
    "usage: tokenwarden <command> [options]\n"
    "\n"
    "commands:\n"
    "  verify       verify one JWT (see tokenwarden verify --help)\n"
    "  serve        run the introspection server (see tokenwarden serve --help;\n"
    "               tokenwarden serve --demo tries it with an embedded demo)\n"
    "  hash-secret  read a client secret on stdin, print its salted hash for the config\n";

struct Entry {
  std::string_view name;
  Command run;
};

constexpr Entry kCommands[] = {
    {"verify", VerifyCommand},
    {"serve", ServeCommand},
    {"hash-secret", HashSecretCommand},
};

}  // namespace

int MainCommand(std::span<const std::string_view> args, Io& io) {
  if (args.empty()) {
    WriteAll(io.err, kUsage);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    WriteAll(io.out, kUsage);
    return 0;
  }
  for (const Entry& command : kCommands) {
    if (command.name == args[0]) {
      return command.run(args.subspan(1), io);
    }
  }
  WriteAll(io.err, base::StrCat("tokenwarden: unknown command \"", args[0], "\"\n", kUsage));
  return 2;
}

}  // namespace tokenwarden::server::cli
