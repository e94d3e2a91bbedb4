#include "server/serve/serve_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include <absl/strings/numbers.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "core/clock.h"
#include "server/serve/serve_process.h"

namespace tokenwarden::server {
namespace {

constexpr char kUsage[] =
    "usage: tokenwarden serve --config FILE [--check]\n"
    "       tokenwarden serve --demo [--listen HOST:PORT]\n"
    "\n"
    "Runs the introspection server: POST /introspect (RFC 7662), POST /revoke (RFC 7009),\n"
    "/validate (forward-auth for nginx auth_request, Envoy ext_authz, Traefik forwardAuth),\n"
    "GET /healthz, /readyz, /metrics.\n"
    "\n"
    "options:\n"
    "  --config FILE       the JSON configuration (see examples/serve/README.md)\n"
    "  --check             validate the configuration and its key files, then exit\n"
    "  --demo              serve an embedded demo (in-memory key, sample token, curl lines)\n"
    "  --listen HOST:PORT  override the listen addresses (port 0 picks a free one)\n"
    "  --workers N         override the number of worker threads\n"
    "\n"
    "signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the configuration.\n";

void Log(std::string_view line) {
  std::string text = base::StrCat("tokenwarden: ", line, "\n");
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

// ParseOptions returns false (after printing why) on a usage error.
bool ParseOptions(std::span<const std::string_view> args, ServeOptions& options, bool& help) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    auto value = [&](std::string_view& out) {
      if (i + 1 >= args.size()) {
        Log(base::StrCat(arg, " needs a value"));
        return false;
      }
      out = args[++i];
      return true;
    };
    std::string_view v;
    if (arg == "--help") {
      help = true;
      return true;
    } else if (arg == "--demo") {
      options.demo = true;
    } else if (arg == "--check") {
      options.check = true;
    } else if (arg == "--config") {
      if (!value(v)) {
        return false;
      }
      options.config_path = std::string(v);
    } else if (arg == "--listen") {
      if (!value(v)) {
        return false;
      }
      options.listen = std::string(v);
    } else if (arg == "--workers") {
      if (!value(v) || !absl::SimpleAtoi(base::ToAbsl(v), &options.workers) ||
          options.workers < 1 || options.workers > 256) {
        Log("--workers must be a number from 1 to 256");
        return false;
      }
    } else {
      Log(base::StrCat("unknown option \"", arg.substr(0, 64), "\" (see serve --help)"));
      return false;
    }
  }
  if (options.demo == !options.config_path.empty()) {
    Log("give exactly one of --config FILE and --demo (see serve --help)");
    return false;
  }
  if (options.check && options.demo) {
    Log("--check applies to --config");
    return false;
  }
  return true;
}

}  // namespace

int RunServe(std::span<const std::string_view> args) {
  ServeOptions options;
  bool help = false;
  if (!ParseOptions(args, options, help)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  ServeEnv env;
  env.log = Log;
  env.print = [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  env.unix_now = UnixNow;
  env.unix_now_ms = UnixNowMs;
  int exit_code = 0;
  std::unique_ptr<ServeProcess> process = ServeProcess::Create(options, std::move(env), exit_code);
  return process != nullptr ? process->Run() : exit_code;
}

}  // namespace tokenwarden::server
