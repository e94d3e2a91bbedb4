// File: server/serve/serve_process.h
// -----------------------------------------------------------------------------
// ServeProcess is one run of `tokenwarden serve`: it loads the configuration (or builds the
// demo), replays the revocation log, starts the HTTP workers, then runs the main thread's loop
// for signals and housekeeping:
//   SIGTERM / SIGINT  stop accepting on every listener, drain in-flight requests, return 0
//   SIGHUP            Reload(): the configuration and keys; a bad one is logged and ignored
//   every 5 s         Housekeeping(): purge expired cache entries, compact the revocation log
//
// Background threads and their owners (each joined by its owner's Stop or destructor):
//   http_          the HTTP worker threads (HttpServer::Stop drains, its destructor joins)
//   admin_http_    with `admin`, the admin listener's one worker thread (likewise)
//   live_          the key-source fetch threads and the opaque-token introspector pools of
//                  every live issuer (LiveIssuers' destructor stops and joins them; states
//                  only share the issuers, they start no thread of their own)
//   link_running_  the Redis link thread (its destructor calls RedisLink::Stop, which joins)
// Nothing else starts a thread; the main thread runs only the signal and timer loop.
#ifndef TOKENWARDEN_SERVER_SERVE_SERVE_PROCESS_H_
#define TOKENWARDEN_SERVER_SERVE_SERVE_PROCESS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <uv.h>

#include "core/denylist.h"
#include "core/dpop_replay_cache.h"
#include "server/config/config.h"
#include "server/http/server.h"
#include "server/redis/redis_link.h"
#include "server/redis/shared_dpop_replay.h"
#include "server/redis/shared_results.h"
#include "server/revocation/log_committer.h"
#include "server/revocation/revocation_log.h"
#include "server/revocation/revocation_sync.h"
#include "server/serve/access_log.h"
#include "server/serve/demo.h"
#include "server/serve/live_issuer.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"

namespace tokenwarden::server {

// ServeOptions is serve's command line, parsed (server/cli/serve_command.h).
struct ServeOptions {
  std::string config_path;
  bool demo = false;
  bool check = false;   // validate the configuration, start nothing
  bool online = false;  // with check: also ask every issuer (server/serve/online_check.h)
  std::string listen;   // overrides the configuration's listen addresses
  int workers = -1;     // overrides the configuration's worker count when > 0
};

// ServeEnv is where a run writes: `log` takes the runtime log lines (one line, no newline),
// `print` the text meant for standard output (the --check verdict, the demo instructions).
struct ServeEnv {
  std::function<void(std::string_view line)> log;
  std::function<void(std::string_view text)> print;
  std::function<int64_t()> unix_now;     // whole seconds
  std::function<int64_t()> unix_now_ms;  // milliseconds
};

class ServeProcess {
 public:
  // Create builds everything in dependency order: configuration, denylist, Redis link, live
  // issuers, state, revocation log, sync, access log, metrics, routes, HTTP server. On failure
  // it logs why, sets `exit_code` (2 for a configuration error, 1 for a runtime one such as a
  // port in use) and returns null. With options.check it stops after the state.
  static std::unique_ptr<ServeProcess> Create(ServeOptions options, ServeEnv env, int& exit_code);
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  // Members die in reverse declaration order, which is the teardown order (see below).
  ~ServeProcess();

  // Run serves until SIGTERM/SIGINT and returns the exit status; with options.check it prints
  // the verdict and returns 0 at once, or with options.online too, after asking every issuer
  // (one line each), 1 when one of them fails.
  int Run();
  // Reload re-reads the configuration file (SIGHUP); a bad one keeps the current state.
  void Reload();
  // Housekeeping purges expired cache entries and compacts the revocation log.
  void Housekeeping();

 private:
  // DemoFiles removes the demo's revocation log and folder: the demo's key dies with the
  // process, so its revocations mean nothing to another run.
  struct DemoFiles {
    std::string dir;
    std::string log_path;
    ~DemoFiles();
  };
  // LinkRunning joins the Redis link thread when it dies; declared after everything that
  // thread calls into (sync, revocation log, denylist) so that they are still alive then.
  struct LinkRunning {
    redis::RedisLink* link = nullptr;
    ~LinkRunning();
  };

  ServeProcess(ServeOptions options, ServeEnv env);
  int LoadConfig(ServerConfig& config);
  int MakeDemoConfig(ServerConfig& config);
  int OpenRedis(const ServerConfig& config);
  int BuildState(const ServerConfig& config);
  int OpenRevocationLog(const ServerConfig& config);
  int OpenAccessLog(const ServerConfig& config);
  void MakeRoutes(const ServerConfig& config);
  int StartHttp(const ServerConfig& config);
  // CreateServer binds `out`, a transport whose requests reach the routes as having come in
  // on `listener`; an error names the address.
  absl::Status CreateServer(http::ServerOptions options, Listener listener,
                            const http::Completion& completion,
                            std::unique_ptr<http::HttpServer>& out);
  RedisHealth RedisHealthJson(std::string& json) const;
  void FillGauges(MetricsGauges& g) const;
  void InstallLoop(uv_loop_t& loop);
  void OnStopSignal(int signum);
  void LogWarnings(const std::vector<std::string>& warnings) const;
  int CheckOnline();

  const ServeOptions options_;
  const ServeEnv env_;
  // Set by Create, read by Run: the --check verdict and the listening line.
  size_t issuer_count_ = 0;
  size_t client_count_ = 0;
  int workers_ = 0;
  uint32_t drain_timeout_ms_ = 10000;
  std::vector<IssuerConfig> online_issuers_;  // what --check --online asks
  DemoSetup demo_;
  // Declaration order is construction order; destruction runs backwards, so each member may
  // use the ones above it until it dies.
  DemoFiles demo_files_;  // last to go: after the revocation log has closed its file
  std::shared_ptr<Denylist> denylist_;
  std::unique_ptr<DpopReplayCache> dpop_replay_;
  // The link object outlives the live issuers, whose introspectors use it through
  // shared_results_; its thread is joined earlier, by link_running_.
  std::unique_ptr<redis::RedisLink> redis_link_;
  std::shared_ptr<redis::SharedResults> shared_results_;
  std::unique_ptr<redis::SharedDpopReplay> shared_dpop_replay_;  // with the link, whatever the mode
  // live_ outlives every state (states hold its LiveIssuers): their threads stop after them.
  std::unique_ptr<LiveIssuers> live_;
  StateHolder state_;
  std::unique_ptr<revocation::RevocationLog> revocation_log_;
  std::unique_ptr<revocation::RevocationSync> revocation_sync_;
  LinkRunning link_running_;
  // log_committer_ writes revocations to revocation_log_ and hands them to revocation_sync_;
  // it goes before both, and before the link stops, so what it commits last is still shared.
  std::unique_ptr<revocation::LogCommitter> log_committer_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<Metrics> metrics_;
  // Routes (and their per-worker scratch) point into the state, metrics and logs above.
  std::unique_ptr<Routes> routes_;
  // First to go: joining the HTTP workers ends every call into the routes.
  std::unique_ptr<http::HttpServer> http_;
  // The admin listener (`admin`): the admin routes on a port of their own; null without it.
  std::unique_ptr<http::HttpServer> admin_http_;
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_failed_{0};
  uv_signal_t sigterm_, sigint_, sighup_;
  uv_timer_t housekeeping_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_SERVE_PROCESS_H_
