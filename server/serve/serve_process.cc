#include "server/serve/serve_process.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/str_cat.h"
#include "server/serve/cpu_budget.h"
#include "server/serve/online_check.h"

namespace tokenwarden::server {
namespace {

constexpr uint64_t kHousekeepingMs = 5000;

// RouteWorkers counts the threads that run routes: the workers, and the admin listener's one,
// whose index comes after theirs.
int RouteWorkers(const ServerConfig& config) {
  return config.workers + (config.admin.has_value() ? 1 : 0);
}

// HttpOptions are the transport's options for one listener: the same limits and timeouts on
// every port, so the admin port is no softer target than the public one.
http::ServerOptions HttpOptions(const ServerConfig& config, std::vector<std::string> listen,
                                int workers, int first_worker, std::function<int64_t()> unix_now) {
  http::ServerOptions options;
  options.listen = std::move(listen);
  options.workers = workers;
  options.first_worker = first_worker;
  options.unix_now = std::move(unix_now);
  options.limits.max_header_bytes = config.limits.max_header_bytes;
  options.limits.max_body_bytes = config.limits.max_body_bytes;
  options.limits.max_headers = config.limits.max_headers;
  options.limits.max_url_bytes = config.limits.max_url_bytes;
  options.limits.max_connections = config.limits.max_connections;
  options.limits.max_connections_per_source = config.limits.max_connections_per_source;
  options.limits.idle_timeout_ms = config.limits.idle_timeout_ms;
  options.limits.read_timeout_ms = config.limits.read_timeout_ms;
  return options;
}

}  // namespace

ServeProcess::DemoFiles::~DemoFiles() {
  if (!log_path.empty()) {
    unlink(log_path.c_str());
  }
  if (!dir.empty()) {
    rmdir(dir.c_str());
  }
}

ServeProcess::LinkRunning::~LinkRunning() {
  if (link != nullptr) {
    link->Stop();  // joins the link thread: nothing calls the sync, denylist or log after this
  }
}

ServeProcess::ServeProcess(ServeOptions options, ServeEnv env)
    : options_(std::move(options)), env_(std::move(env)) {}

ServeProcess::~ServeProcess() = default;

std::unique_ptr<ServeProcess> ServeProcess::Create(ServeOptions options, ServeEnv env,
                                                   int& exit_code) {
  std::unique_ptr<ServeProcess> p(new ServeProcess(std::move(options), std::move(env)));
  ServerConfig config;
  exit_code = p->LoadConfig(config);
  if (exit_code == 0) {
    p->denylist_ = std::make_shared<Denylist>(config.denylist.capacity);
    // Process-long, like the denylist: a reload must not forget which proofs were used.
    p->dpop_replay_ = std::make_unique<DpopReplayCache>(config.dpop.replay_cache_entries);
    exit_code = p->OpenRedis(config);
  }
  if (exit_code == 0) {
    exit_code = p->BuildState(config);
  }
  if (exit_code != 0) {
    return nullptr;
  }
  if (p->options_.check) {
    return p;
  }
  exit_code = p->OpenRevocationLog(config);
  if (exit_code == 0 && p->redis_link_ != nullptr) {
    p->revocation_sync_ = std::make_unique<revocation::RevocationSync>(
        *p->redis_link_, *p->denylist_, p->revocation_log_.get(), p->env_.unix_now, p->env_.log);
    p->redis_link_->Start();
    p->link_running_.link = p->redis_link_.get();
  }
  if (exit_code == 0) {
    exit_code = p->OpenAccessLog(config);
  }
  if (exit_code == 0) {
    p->metrics_ = std::make_unique<Metrics>(RouteWorkers(config));
    p->MakeRoutes(config);
    exit_code = p->StartHttp(config);
  }
  return exit_code == 0 ? std::move(p) : nullptr;
}

int ServeProcess::LoadConfig(ServerConfig& config) {
  if (options_.demo) {
    if (const int code = MakeDemoConfig(config); code != 0) {
      return code;
    }
  } else {
    absl::StatusOr<ServerConfig> loaded = LoadConfigFile(options_.config_path);
    if (!loaded.ok()) {
      env_.log(base::StrCat("configuration error: ", loaded.status().message()));
      return 2;
    }
    config = *std::move(loaded);
    if (!options_.listen.empty()) {
      config.listen = {options_.listen};
    }
  }
  if (options_.workers > 0) {
    config.workers = options_.workers;
  }
  if (config.workers == 0) {
    config.workers = UsableCpus();  // affinity and a container's CPU limit, not the host's
  }
  issuer_count_ = config.issuers.size();
  client_count_ = config.clients.size();
  workers_ = config.workers;
  return 0;
}

int ServeProcess::MakeDemoConfig(ServerConfig& config) {
  char dir_template[] = "/tmp/tokenwarden-demo-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    env_.log("cannot create a folder for the demo's revocation log in /tmp");
    return 1;
  }
  demo_files_.dir = dir_template;
  absl::StatusOr<DemoSetup> made = MakeDemo(
      options_.listen.empty() ? "127.0.0.1:8080" : options_.listen, dir_template, env_.unix_now());
  if (!made.ok()) {
    env_.log(base::StrCat("demo: ", made.status().message()));
    return 1;
  }
  demo_ = *std::move(made);
  demo_files_.log_path = demo_.config.denylist.log_path;
  config = demo_.config;
  return 0;
}

int ServeProcess::OpenRedis(const ServerConfig& config) {
  if (config.redis.has_value()) {
    absl::StatusOr<std::unique_ptr<redis::RedisLink>> link = redis::RedisLink::Create(
        *config.redis, {revocation::RevocationSync::ChannelFor(config.redis->key_prefix)},
        env_.log);
    if (!link.ok()) {
      env_.log(base::StrCat("configuration error: ", link.status().message()));
      return 2;
    }
    redis_link_ = *std::move(link);
    if (config.redis->share_opaque_results) {
      shared_results_ = std::make_shared<redis::SharedResults>(*redis_link_, env_.unix_now_ms);
    }
    shared_dpop_replay_ = std::make_unique<redis::SharedDpopReplay>(*redis_link_, env_.unix_now_ms);
  }
  // --check builds the live issuers (CA files, URLs) without starting their threads.
  live_ = std::make_unique<LiveIssuers>(env_.log, /*start=*/!options_.check);
  live_->SetSharedResults(shared_results_);
  return 0;
}

int ServeProcess::BuildState(const ServerConfig& config) {
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const ServerState>> state =
      ServerState::Build(config, denylist_, env_.unix_now(), warnings, live_.get());
  if (!state.ok()) {
    env_.log(base::StrCat("configuration error: ", state.status().message()));
    return 2;
  }
  LogWarnings(warnings);
  if (!options_.check) {
    state_.Publish(*std::move(state));
  } else if (options_.online) {
    online_issuers_ = config.issuers;
  }
  return 0;
}

int ServeProcess::OpenRevocationLog(const ServerConfig& config) {
  if (config.denylist.log_path.empty()) {
    env_.log("warning: denylist.log is not set: revocations will not survive a restart");
    return 0;
  }
  std::string log_warnings;
  absl::StatusOr<std::unique_ptr<revocation::RevocationLog>> log = revocation::RevocationLog::Open(
      config.denylist.log_path, *denylist_, env_.unix_now(), &log_warnings);
  if (!log_warnings.empty()) {
    env_.log(base::StrCat("warning: ", log_warnings));
  }
  if (!log.ok()) {
    env_.log(base::StrCat("revocation log: ", log.status().message()));
    return 1;
  }
  revocation_log_ = *std::move(log);
  log_committer_ = std::make_unique<revocation::LogCommitter>(*revocation_log_);
  if (!denylist_->empty()) {
    env_.log(base::StrCat("replayed ", denylist_->size(), " revocations from ",
                          config.denylist.log_path));
  }
  return 0;
}

int ServeProcess::OpenAccessLog(const ServerConfig& config) {
  if (!config.access_log.enabled) {
    return 0;
  }
  absl::StatusOr<std::unique_ptr<AccessLog>> log =
      AccessLog::Open(config.access_log.path, env_.unix_now_ms);
  if (!log.ok()) {
    env_.log(base::StrCat(log.status().message()));
    return 2;
  }
  access_log_ = *std::move(log);
  return 0;
}

RedisHealth ServeProcess::RedisHealthJson(std::string& json) const {
  const redis::RedisLink& link = *redis_link_;
  const revocation::RevocationSync& sync = *revocation_sync_;
  const bool synced = sync.synced();
  base::StrAppend(&json, "{\"connected\":", link.up() ? "true" : "false",
                  ",\"synced\":", synced ? "true" : "false", ",\"pending\":", sync.pending(), "}");
  if (synced) {
    return RedisHealth::kUp;
  }
  return sync.ever_synced() || (link.attempted() && !link.up()) ? RedisHealth::kDegraded
                                                                : RedisHealth::kStarting;
}

void ServeProcess::FillGauges(MetricsGauges& g) const {
  // The connection gauges count both listeners: they are the process's connections.
  for (const http::HttpServer* server : {http_.get(), admin_http_.get()}) {
    if (server != nullptr) {
      const http::ServerStats stats = server->Stats();
      g.open_connections += stats.open_connections;
      g.refused_connections += stats.refused;
      g.evicted_connections += stats.evicted;
      g.refused_per_source += stats.refused_per_source;
      g.timed_out_connections += stats.timed_out;
    }
  }
  g.reloads_ok = reloads_ok_.load(std::memory_order_relaxed);
  g.reloads_failed = reloads_failed_.load(std::memory_order_relaxed);
  if (redis_link_ != nullptr) {
    RedisGauges& r = g.redis.emplace();
    r.connected = redis_link_->up();
    r.connects = redis_link_->connects();
    r.errors = redis_link_->errors();
    r.revocations_sent = revocation_sync_->sent();
    r.revocations_received = revocation_sync_->received();
    r.revocations_refused = revocation_sync_->refused();
    r.revocations_pending = revocation_sync_->pending();
    if (shared_results_ != nullptr) {
      r.opaque_hits = shared_results_->hits();
      r.opaque_misses = shared_results_->misses();
      r.opaque_errors = shared_results_->errors();
    }
    r.dpop_fresh = shared_dpop_replay_->fresh();
    r.dpop_replayed = shared_dpop_replay_->replayed();
    r.dpop_errors = shared_dpop_replay_->errors();
  }
}

void ServeProcess::MakeRoutes(const ServerConfig& config) {
  RouteDeps deps;
  deps.state = &state_;
  deps.metrics = metrics_.get();
  deps.denylist = denylist_.get();
  deps.dpop_replay = dpop_replay_.get();
  deps.dpop_shared_replay = shared_dpop_replay_.get();
  deps.log_committer = log_committer_.get();
  deps.revocation_sync = revocation_sync_.get();
  if (redis_link_ != nullptr) {
    deps.redis_health = [this](std::string& json) { return RedisHealthJson(json); };
  }
  deps.clock = env_.unix_now;
  deps.log_notes = access_log_ != nullptr;
  deps.backchannel_logout_path = config.backchannel_logout.path;
  deps.gauges = [this](MetricsGauges& g) { FillGauges(g); };
  routes_ = std::make_unique<Routes>(std::move(deps), RouteWorkers(config));
}

int ServeProcess::StartHttp(const ServerConfig& config) {
  drain_timeout_ms_ = config.limits.drain_timeout_ms;
  const http::Completion completion = [this, logout_path = config.backchannel_logout.path](
                                          int worker, const http::Request* request,
                                          const http::Response& response, uint64_t latency_ns) {
    // A request for an admin route on the public port counts as that route, with its 404.
    metrics_->CountRequest(
        worker, request != nullptr ? Routes::RouteOf(request->path, logout_path) : Route::kOther,
        response.status, latency_ns);
    if (access_log_ != nullptr) {
      access_log_->Write(worker, request, response, latency_ns);
    }
  };
  const Listener public_listener = config.admin.has_value() ? Listener::kPublic : Listener::kOnly;
  absl::Status status =
      CreateServer(HttpOptions(config, config.listen, config.workers, 0, env_.unix_now),
                   public_listener, completion, http_);
  if (status.ok() && config.admin.has_value()) {
    // One worker of its own, numbered after the public ones: its connections count against
    // limits of its own, so a flood of the public port cannot crowd out a scrape or a probe.
    status =
        CreateServer(HttpOptions(config, config.admin->listen, 1, config.workers, env_.unix_now),
                     Listener::kAdmin, completion, admin_http_);
  }
  if (!status.ok()) {
    env_.log(base::StrCat(status.message()));
    if (options_.demo) {
      env_.log("the demo's port is taken? try: tokenwarden serve --demo --listen 127.0.0.1:0");
    }
    return 1;
  }
  return 0;
}

absl::Status ServeProcess::CreateServer(http::ServerOptions options, Listener listener,
                                        const http::Completion& completion,
                                        std::unique_ptr<http::HttpServer>& out) {
  absl::StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Create(
      std::move(options),
      [this, listener](const http::Request& request, http::Response& response) {
        routes_->Handle(request, response, listener);
      },
      completion);
  if (!server.ok()) {
    return server.status();
  }
  out = *std::move(server);
  return absl::OkStatus();
}

void ServeProcess::LogWarnings(const std::vector<std::string>& warnings) const {
  for (const std::string& w : warnings) {
    env_.log(base::StrCat("warning: ", w));
  }
}

void ServeProcess::Reload() {
  if (options_.demo) {
    env_.log("SIGHUP: the demo has no configuration file to reload");
    return;
  }
  absl::StatusOr<ServerConfig> config = LoadConfigFile(options_.config_path);
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const ServerState>> state =
      config.ok() ? ServerState::Build(*std::move(config), denylist_, env_.unix_now(), warnings,
                                       live_.get())
                  : absl::StatusOr<std::shared_ptr<const ServerState>>(config.status());
  if (!state.ok()) {
    // Live issuers started for the refused configuration stop again.
    live_->Retain(state_.Current()->LiveIssuersInUse());
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    env_.log(base::StrCat("reload failed, still serving the previous configuration: ",
                          state.status().message()));
    return;
  }
  LogWarnings(warnings);
  const ServerConfig& before = state_.Current()->config();
  const ServerConfig& after = (*state)->config();
  if (before.listen != after.listen || before.admin != after.admin ||
      before.workers != after.workers || before.denylist.log_path != after.denylist.log_path ||
      before.denylist.capacity != after.denylist.capacity ||
      before.access_log.enabled != after.access_log.enabled || before.redis != after.redis ||
      before.backchannel_logout.path != after.backchannel_logout.path) {
    env_.log(
        "reload: listen, admin, workers, limits, denylist, access_log, redis and "
        "backchannel_logout.path changes take effect only on restart");
  }
  const size_t issuers = after.issuers.size();
  std::vector<std::shared_ptr<LiveIssuer>> in_use = (*state)->LiveIssuersInUse();
  state_.Publish(*std::move(state));
  live_->Retain(in_use);  // issuers whose settings changed or went away stop
  reloads_ok_.fetch_add(1, std::memory_order_relaxed);
  env_.log(base::StrCat("reloaded ", options_.config_path, " (", issuers, " issuers)"));
}

void ServeProcess::Housekeeping() {
  const int64_t now = env_.unix_now();
  std::shared_ptr<const ServerState> state = state_.Current();
  for (const IssuerRuntime& issuer : state->issuers()) {
    issuer.validator->Purge(now);
  }
  if (revocation_log_ != nullptr) {
    absl::StatusOr<bool> compacted = revocation_log_->MaybeCompact(*denylist_, now);
    if (!compacted.ok()) {
      env_.log(base::StrCat("revocation log compaction failed: ", compacted.status().message()));
    }
  }
}

void ServeProcess::OnStopSignal(int signum) {
  env_.log(base::StrCat(signum == SIGTERM ? "SIGTERM" : "SIGINT",
                        ": draining in-flight requests, then exiting"));
  // Both listeners drain side by side, within one drain timeout.
  http_->Drain(drain_timeout_ms_);
  if (admin_http_ != nullptr) {
    admin_http_->Drain(drain_timeout_ms_);
    admin_http_->Stop(drain_timeout_ms_);
  }
  http_->Stop(drain_timeout_ms_);
  uv_signal_stop(&sigterm_);
  uv_signal_stop(&sigint_);
  uv_signal_stop(&sighup_);
  uv_timer_stop(&housekeeping_);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sighup_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&housekeeping_), nullptr);
}

void ServeProcess::InstallLoop(uv_loop_t& loop) {
  for (uv_signal_t* s : {&sigterm_, &sigint_, &sighup_}) {
    uv_signal_init(&loop, s);
    s->data = this;
  }
  const uv_signal_cb on_signal = [](uv_signal_t* handle, int signum) {
    ServeProcess& self = *static_cast<ServeProcess*>(handle->data);
    if (signum == SIGHUP) {
      self.Reload();
    } else {
      self.OnStopSignal(signum);
    }
  };
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_signal_start(&sighup_, on_signal, SIGHUP);
  uv_timer_init(&loop, &housekeeping_);
  housekeeping_.data = this;
  uv_timer_start(
      &housekeeping_, [](uv_timer_t* t) { static_cast<ServeProcess*>(t->data)->Housekeeping(); },
      kHousekeepingMs, kHousekeepingMs);
}

int ServeProcess::CheckOnline() {
  const std::vector<IssuerVerdict> verdicts = CheckIssuersOnline(online_issuers_, MakeHttpsFetcher);
  size_t failed = 0;
  for (const IssuerVerdict& verdict : verdicts) {
    failed += verdict.ok ? 0 : 1;
    env_.print(base::StrCat(verdict.line, "\n"));
  }
  if (failed > 0) {
    env_.print(
        base::StrCat("online check FAILED: ", failed, " of ", verdicts.size(), " issuers\n"));
    return 1;
  }
  env_.print(base::StrCat("online check OK: ", verdicts.size(), " issuers\n"));
  return 0;
}

int ServeProcess::Run() {
  if (options_.check) {
    env_.print(base::StrCat("configuration OK: ", issuer_count_, " issuers, ", client_count_,
                            " clients\n"));
    return options_.online ? CheckOnline() : 0;
  }
  signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  InstallLoop(loop);
  http_->Start();
  if (admin_http_ != nullptr) {
    admin_http_->Start();
    std::string admin;
    for (const std::string& a : admin_http_->BoundAddresses()) {
      base::StrAppend(&admin, admin.empty() ? "" : " ", "http://", a);
    }
    // Before the "listening on" line, which tells scripts that the server is up.
    env_.log(
        base::StrCat("admin routes on ", admin, " (the public addresses answer 404 for them)"));
  }
  std::string addresses;
  for (const std::string& a : http_->BoundAddresses()) {
    base::StrAppend(&addresses, addresses.empty() ? "" : " ", "http://", a);
  }
  env_.log(base::StrCat("listening on ", addresses, " with ", workers_, " workers, ", issuer_count_,
                        " issuers"));
  if (options_.demo) {
    const std::string first = http_->BoundAddresses().front();
    env_.print(DemoInstructions(demo_, base::StrCat("http://", first)));
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  env_.log("stopped");
  return 0;
}

}  // namespace tokenwarden::server
