#include "server/cli/serve_command.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <absl/strings/numbers.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "core/clock.h"
#include "server/serve/serve_process.h"

namespace tokenwarden::server::cli {
namespace {

constexpr char kUsage[] =
    "usage: tokenwarden serve --config FILE [--check [--online]]\n"
    "       tokenwarden serve --demo [--listen HOST:PORT]\n"
    "\n"
    "Runs the introspection server: POST /introspect (RFC 7662), POST /revoke (RFC 7009),\n"
    "/validate (forward-auth for nginx auth_request, Envoy ext_authz, Traefik forwardAuth),\n"
    "GET /healthz, /readyz, /metrics (the last two on admin.listen only, when it is set).\n"
    "\n"
    "options:\n"
    "  --config FILE       the JSON configuration (see examples/serve/README.md)\n"
    "  --check             validate the configuration and its key files, then exit\n"
    "  --online            with --check: also fetch every issuer's discovery document and\n"
    "                      keys and try its introspection credentials; one line per issuer,\n"
    "                      exit 1 when one fails\n"
    "  --demo              serve an embedded demo (in-memory key, sample token, curl lines)\n"
    "  --listen HOST:PORT  override the listen addresses (port 0 picks a free one; not\n"
    "                      admin.listen)\n"
    "  --workers N         override the number of worker threads\n"
    "\n"
    "signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the configuration.\n";

// LogTo returns the runtime log: lines prefixed with the program name on `err`. Key-source,
// introspector and Redis threads log too, and an std::ostream is not safe to share between
// threads, so one lock orders the writers.
std::function<void(std::string_view)> LogTo(std::ostream& err) {
  auto mu = std::make_shared<std::mutex>();
  return [mu, &err](std::string_view line) {
    std::lock_guard<std::mutex> lock(*mu);
    WriteAll(err, base::StrCat("tokenwarden: ", line, "\n"));
  };
}

// ParseOptions returns false (after printing why) on a usage error.
bool ParseOptions(std::span<const std::string_view> args, ServeOptions& options, bool& help,
                  const std::function<void(std::string_view)>& log) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    auto value = [&](std::string_view& out) {
      if (i + 1 >= args.size()) {
        log(base::StrCat(arg, " needs a value"));
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
    } else if (arg == "--online") {
      options.online = true;
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
        log("--workers must be a number from 1 to 256");
        return false;
      }
    } else {
      log(base::StrCat("unknown option \"", arg.substr(0, 64), "\" (see serve --help)"));
      return false;
    }
  }
  if (options.demo == !options.config_path.empty()) {
    log("give exactly one of --config FILE and --demo (see serve --help)");
    return false;
  }
  if (options.check && options.demo) {
    log("--check applies to --config");
    return false;
  }
  if (options.online && !options.check) {
    log("--online applies to --check");
    return false;
  }
  return true;
}

}  // namespace

int ServeCommand(std::span<const std::string_view> args, Io& io) {
  const std::function<void(std::string_view)> log = LogTo(io.err);
  ServeOptions options;
  bool help = false;
  if (!ParseOptions(args, options, help, log)) {
    WriteAll(io.err, kUsage);
    return 2;
  }
  if (help) {
    WriteAll(io.out, kUsage);
    return 0;
  }
  ServeEnv env;
  env.log = log;
  env.print = [&io](std::string_view text) { WriteAll(io.out, text); };
  env.unix_now = io.unix_now;
  env.unix_now_ms = UnixNowMs;
  int exit_code = 0;
  std::unique_ptr<ServeProcess> process = ServeProcess::Create(options, std::move(env), exit_code);
  return process != nullptr ? process->Run() : exit_code;
}

}  // namespace tokenwarden::server::cli
