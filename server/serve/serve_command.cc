#include "server/serve/serve_command.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <absl/strings/numbers.h>
#include <uv.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "core/clock.h"
#include "core/denylist.h"
#include "server/config/config.h"
#include "server/http/server.h"
#include "server/redis/redis_link.h"
#include "server/redis/shared_results.h"
#include "server/revocation/revocation_log.h"
#include "server/revocation/revocation_sync.h"
#include "server/serve/access_log.h"
#include "server/serve/cpu_budget.h"
#include "server/serve/demo.h"
#include "server/serve/live_issuer.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"

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

int64_t Now() { return UnixNow(); }

void Log(std::string_view line) {
  std::string text = base::StrCat("tokenwarden: ", line, "\n");
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

struct Options {
  std::string config_path;
  bool demo = false;
  bool check = false;
  std::string listen;
  int workers = -1;
};

// ParseOptions returns false (after printing why) on a usage error.
bool ParseOptions(std::span<const std::string_view> args, Options& options, bool& help) {
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

// Server is the running process: everything the signal handlers and timers touch.
struct Server {
  Options options;
  std::shared_ptr<Denylist> denylist;
  std::unique_ptr<revocation::RevocationLog> revocation_log;
  // Scale-out (`redis`): the link outlives the live issuers, whose introspectors use it
  // through shared_results; it is stopped explicitly before anything it calls dies.
  std::unique_ptr<redis::RedisLink> redis_link;
  std::shared_ptr<redis::SharedResults> shared_results;
  std::unique_ptr<revocation::RevocationSync> revocation_sync;
  // live outlives every state (states hold its LiveIssuers): their fetch threads stop last.
  std::unique_ptr<LiveIssuers> live;
  StateHolder state;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<AccessLog> access_log;
  std::unique_ptr<Routes> routes;
  std::unique_ptr<http::HttpServer> http;
  std::atomic<uint64_t> reloads_ok{0};
  std::atomic<uint64_t> reloads_failed{0};
  uint32_t drain_timeout_ms = 10000;
  int exit_code = 0;
  uv_signal_t sigterm, sigint, sighup;
  uv_timer_t housekeeping;
};

void Reload(Server& server) {
  if (server.options.demo) {
    Log("SIGHUP: the demo has no configuration file to reload");
    return;
  }
  absl::StatusOr<ServerConfig> config = LoadConfigFile(server.options.config_path);
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const ServerState>> state =
      config.ok() ? ServerState::Build(*std::move(config), server.denylist, Now(), warnings,
                                       server.live.get())
                  : absl::StatusOr<std::shared_ptr<const ServerState>>(config.status());
  if (!state.ok()) {
    // Live issuers started for the refused configuration stop again.
    server.live->Retain(server.state.Current()->LiveIssuersInUse());
    server.reloads_failed.fetch_add(1, std::memory_order_relaxed);
    Log(base::StrCat("reload failed, still serving the previous configuration: ",
                     state.status().message()));
    return;
  }
  for (const std::string& w : warnings) {
    Log(base::StrCat("warning: ", w));
  }
  const ServerConfig& before = server.state.Current()->config();
  const ServerConfig& after = (*state)->config();
  if (before.listen != after.listen || before.workers != after.workers ||
      before.denylist.log_path != after.denylist.log_path ||
      before.denylist.capacity != after.denylist.capacity ||
      before.access_log.enabled != after.access_log.enabled || before.redis != after.redis) {
    Log("reload: listen, workers, limits, denylist, access_log and redis changes take effect "
        "only on restart");
  }
  std::vector<std::shared_ptr<LiveIssuer>> in_use = (*state)->LiveIssuersInUse();
  server.state.Publish(*std::move(state));
  server.live->Retain(in_use);  // issuers whose settings changed or went away stop
  server.reloads_ok.fetch_add(1, std::memory_order_relaxed);
  Log(base::StrCat("reloaded ", server.options.config_path, " (", after.issuers.size(),
                   " issuers)"));
}

void Housekeeping(Server& server) {
  const int64_t now = Now();
  std::shared_ptr<const ServerState> state = server.state.Current();
  for (const IssuerRuntime& issuer : state->issuers()) {
    issuer.validator->Purge(now);
  }
  if (server.revocation_log != nullptr) {
    absl::StatusOr<bool> compacted = server.revocation_log->MaybeCompact(*server.denylist, now);
    if (!compacted.ok()) {
      Log(base::StrCat("revocation log compaction failed: ", compacted.status().message()));
    }
  }
}

void OnSignal(uv_signal_t* handle, int signum) {
  Server& server = *static_cast<Server*>(handle->data);
  if (signum == SIGHUP) {
    Reload(server);
    return;
  }
  Log(base::StrCat(signum == SIGTERM ? "SIGTERM" : "SIGINT",
                   ": draining in-flight requests, then exiting"));
  server.http->Stop(server.drain_timeout_ms);
  uv_signal_stop(&server.sigterm);
  uv_signal_stop(&server.sigint);
  uv_signal_stop(&server.sighup);
  uv_timer_stop(&server.housekeeping);
  uv_close(reinterpret_cast<uv_handle_t*>(&server.sigterm), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&server.sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&server.sighup), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&server.housekeeping), nullptr);
}

}  // namespace

int RunServe(std::span<const std::string_view> args) {
  auto server = std::make_unique<Server>();
  bool help = false;
  if (!ParseOptions(args, server->options, help)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const Options& options = server->options;
  const int64_t now = Now();

  ServerConfig config;
  DemoSetup demo;
  std::string demo_dir;
  if (options.demo) {
    char dir_template[] = "/tmp/tokenwarden-demo-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) {
      Log("cannot create a folder for the demo's revocation log in /tmp");
      return 1;
    }
    absl::StatusOr<DemoSetup> made =
        MakeDemo(options.listen.empty() ? "127.0.0.1:8080" : options.listen, dir_template, now);
    if (!made.ok()) {
      Log(base::StrCat("demo: ", made.status().message()));
      return 1;
    }
    demo = *std::move(made);
    demo_dir = dir_template;
    config = demo.config;
  } else {
    absl::StatusOr<ServerConfig> loaded = LoadConfigFile(options.config_path);
    if (!loaded.ok()) {
      Log(base::StrCat("configuration error: ", loaded.status().message()));
      return 2;
    }
    config = *std::move(loaded);
    if (!options.listen.empty()) {
      config.listen = {options.listen};
    }
  }
  if (options.workers > 0) {
    config.workers = options.workers;
  }
  if (config.workers == 0) {
    config.workers = UsableCpus();  // affinity and a container's CPU limit, not the host's
  }

  server->denylist = std::make_shared<Denylist>(config.denylist.capacity);
  if (config.redis.has_value()) {
    absl::StatusOr<std::unique_ptr<redis::RedisLink>> link = redis::RedisLink::Create(
        *config.redis, {revocation::RevocationSync::ChannelFor(config.redis->key_prefix)}, &Log);
    if (!link.ok()) {
      Log(base::StrCat("configuration error: ", link.status().message()));
      return 2;
    }
    server->redis_link = *std::move(link);
    if (config.redis->share_opaque_results) {
      server->shared_results =
          std::make_shared<redis::SharedResults>(*server->redis_link, UnixNowMs);
    }
  }
  // --check builds the live issuers (CA files, URLs) without starting their fetch threads.
  server->live = std::make_unique<LiveIssuers>(&Log, /*start=*/!options.check);
  server->live->SetSharedResults(server->shared_results);
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const ServerState>> state =
      ServerState::Build(config, server->denylist, now, warnings, server->live.get());
  if (!state.ok()) {
    Log(base::StrCat("configuration error: ", state.status().message()));
    return 2;
  }
  for (const std::string& w : warnings) {
    Log(base::StrCat("warning: ", w));
  }
  if (options.check) {
    std::printf("configuration OK: %zu issuers, %zu clients\n", config.issuers.size(),
                config.clients.size());
    return 0;
  }
  server->state.Publish(*std::move(state));

  if (!config.denylist.log_path.empty()) {
    std::string log_warnings;
    absl::StatusOr<std::unique_ptr<revocation::RevocationLog>> log =
        revocation::RevocationLog::Open(config.denylist.log_path, *server->denylist, now,
                                        &log_warnings);
    if (!log_warnings.empty()) {
      Log(base::StrCat("warning: ", log_warnings));
    }
    if (!log.ok()) {
      Log(base::StrCat("revocation log: ", log.status().message()));
      return 1;
    }
    server->revocation_log = *std::move(log);
    if (!server->denylist->empty()) {
      Log(base::StrCat("replayed ", server->denylist->size(), " revocations from ",
                       config.denylist.log_path));
    }
  } else {
    Log("warning: denylist.log is not set: revocations will not survive a restart");
  }
  if (server->redis_link != nullptr) {
    server->revocation_sync = std::make_unique<revocation::RevocationSync>(
        *server->redis_link, *server->denylist, server->revocation_log.get(), Now, &Log);
    server->redis_link->Start();
  }
  if (config.access_log.enabled) {
    absl::StatusOr<std::unique_ptr<AccessLog>> log = AccessLog::Open(config.access_log.path);
    if (!log.ok()) {
      Log(base::StrCat(log.status().message()));
      return 2;
    }
    server->access_log = *std::move(log);
  }

  server->metrics = std::make_unique<Metrics>(config.workers);
  Server* raw = server.get();
  RouteDeps deps;
  deps.state = &server->state;
  deps.metrics = server->metrics.get();
  deps.denylist = server->denylist.get();
  deps.revocation_log = server->revocation_log.get();
  deps.revocation_sync = server->revocation_sync.get();
  if (server->redis_link != nullptr) {
    deps.redis_health = [raw](std::string& json) {
      const redis::RedisLink& link = *raw->redis_link;
      const revocation::RevocationSync& sync = *raw->revocation_sync;
      const bool synced = sync.synced();
      base::StrAppend(&json, "{\"connected\":", link.up() ? "true" : "false",
                      ",\"synced\":", synced ? "true" : "false", ",\"pending\":", sync.pending(),
                      "}");
      if (synced) {
        return RedisHealth::kUp;
      }
      return sync.ever_synced() || (link.attempted() && !link.up()) ? RedisHealth::kDegraded
                                                                    : RedisHealth::kStarting;
    };
  }
  deps.clock = Now;
  deps.log_notes = server->access_log != nullptr;
  deps.gauges = [raw](MetricsGauges& g) {
    if (raw->http != nullptr) {
      const http::ServerStats stats = raw->http->Stats();
      g.open_connections = stats.open_connections;
      g.refused_connections = stats.refused;
      g.evicted_connections = stats.evicted;
      g.refused_per_source = stats.refused_per_source;
      g.timed_out_connections = stats.timed_out;
    }
    g.reloads_ok = raw->reloads_ok.load(std::memory_order_relaxed);
    g.reloads_failed = raw->reloads_failed.load(std::memory_order_relaxed);
    if (raw->redis_link != nullptr) {
      RedisGauges& r = g.redis.emplace();
      r.connected = raw->redis_link->up();
      r.connects = raw->redis_link->connects();
      r.errors = raw->redis_link->errors();
      r.revocations_sent = raw->revocation_sync->sent();
      r.revocations_received = raw->revocation_sync->received();
      r.revocations_refused = raw->revocation_sync->refused();
      r.revocations_pending = raw->revocation_sync->pending();
      if (raw->shared_results != nullptr) {
        r.opaque_hits = raw->shared_results->hits();
        r.opaque_misses = raw->shared_results->misses();
        r.opaque_errors = raw->shared_results->errors();
      }
    }
  };
  server->routes = std::make_unique<Routes>(std::move(deps), config.workers);

  http::ServerOptions http_options;
  http_options.listen = config.listen;
  http_options.workers = config.workers;
  http_options.limits.max_header_bytes = config.limits.max_header_bytes;
  http_options.limits.max_body_bytes = config.limits.max_body_bytes;
  http_options.limits.max_headers = config.limits.max_headers;
  http_options.limits.max_url_bytes = config.limits.max_url_bytes;
  http_options.limits.max_connections = config.limits.max_connections;
  http_options.limits.max_connections_per_source = config.limits.max_connections_per_source;
  http_options.limits.idle_timeout_ms = config.limits.idle_timeout_ms;
  http_options.limits.read_timeout_ms = config.limits.read_timeout_ms;
  server->drain_timeout_ms = config.limits.drain_timeout_ms;
  absl::StatusOr<std::unique_ptr<http::HttpServer>> http = http::HttpServer::Create(
      http_options,
      [raw](const http::Request& request, http::Response& response) {
        raw->routes->Handle(request, response);
      },
      [raw](int worker, const http::Request* request, const http::Response& response,
            uint64_t latency_ns) {
        raw->metrics->CountRequest(
            worker, request != nullptr ? Routes::RouteOf(request->path) : Route::kOther,
            response.status, latency_ns);
        if (raw->access_log != nullptr) {
          raw->access_log->Write(worker, request, response, latency_ns);
        }
      });
  if (!http.ok()) {
    Log(base::StrCat(http.status().message()));
    if (options.demo) {
      Log("the demo's port is taken? try: tokenwarden serve --demo --listen 127.0.0.1:0");
    }
    return 1;
  }
  server->http = *std::move(http);

  signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  for (uv_signal_t* s : {&server->sigterm, &server->sigint, &server->sighup}) {
    uv_signal_init(&loop, s);
    s->data = raw;
  }
  uv_signal_start(&server->sigterm, OnSignal, SIGTERM);
  uv_signal_start(&server->sigint, OnSignal, SIGINT);
  uv_signal_start(&server->sighup, OnSignal, SIGHUP);
  uv_timer_init(&loop, &server->housekeeping);
  server->housekeeping.data = raw;
  uv_timer_start(
      &server->housekeeping, [](uv_timer_t* t) { Housekeeping(*static_cast<Server*>(t->data)); },
      5000, 5000);

  server->http->Start();
  std::string addresses;
  for (const std::string& a : server->http->BoundAddresses()) {
    base::StrAppend(&addresses, addresses.empty() ? "" : " ", "http://", a);
  }
  Log(base::StrCat("listening on ", addresses, " with ", config.workers, " workers, ",
                   config.issuers.size(), " issuers"));
  if (options.demo) {
    const std::string first = server->http->BoundAddresses().front();
    const std::string text = DemoInstructions(demo, base::StrCat("http://", first));
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  Log("stopped");
  // Members go in reverse: the HTTP workers are joined already, routes (and their worker
  // scratches) before the state they point into.
  server->http.reset();
  server->routes.reset();
  if (server->redis_link != nullptr) {
    // Joins the link thread: nothing calls into the sync, the denylist or the log after this.
    server->redis_link->Stop();
  }
  if (options.demo) {
    // The demo's key died with the process; its revocations mean nothing to another run.
    server->revocation_log.reset();
    unlink(config.denylist.log_path.c_str());
    rmdir(demo_dir.c_str());
  }
  return server->exit_code;
}

}  // namespace tokenwarden::server
