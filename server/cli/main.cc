// tokenwarden: the process entry point. The commands live in server/cli/ (main_command.h
// dispatches); here only the standard streams are bound to their Io.
#include <iostream>
#include <string_view>
#include <vector>

#include "server/cli/io.h"
#include "server/cli/main_command.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  tokenwarden::server::cli::Io io{.in = std::cin, .out = std::cout, .err = std::cerr};
  return tokenwarden::server::cli::MainCommand(args, io);
}
