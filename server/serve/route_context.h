// File: server/serve/route_context.h
// -----------------------------------------------------------------------------
// RouteContext is what every endpoint of `tokenwarden serve` shares: the long-lived objects
// (RouteDeps), one WorkerContext per worker, and the helpers more than one endpoint needs —
// error bodies, token digests for logs, 503s, and judging a token whose issuer may make the
// request wait (route_judge.cc). Each endpoint is one file over it (endpoints.h).
#ifndef TOKENWARDEN_SERVER_SERVE_ROUTE_CONTEXT_H_
#define TOKENWARDEN_SERVER_SERVE_ROUTE_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>

#include "core/denylist.h"
#include "core/dpop_replay_cache.h"
#include "server/http/message.h"
#include "server/redis/shared_dpop_replay.h"
#include "server/revocation/log_committer.h"
#include "server/revocation/record.h"
#include "server/revocation/revocation_sync.h"
#include "server/serve/metrics.h"
#include "server/serve/server_state.h"
#include "server/serve/token_check.h"
#include "server/serve/worker_context.h"

namespace tokenwarden::server {

// RedisHealth is what Redis means for /readyz: kUp (synced), kDegraded (unreachable, or
// resyncing after a reconnection: ready, but say so), kStarting (the first sync since
// start-up has not finished and no attempt has failed yet: not ready).
enum class RedisHealth { kUp, kDegraded, kStarting };

// RouteDeps are the long-lived objects the routes use; all outlive the Routes.
struct RouteDeps {
  StateHolder* state = nullptr;
  Metrics* metrics = nullptr;
  Denylist* denylist = nullptr;
  // dpop_replay remembers the DPoP proofs /validate accepted (RFC 9449 §11.1); null: a
  // DPoP request is answered 503 (a server without one cannot tell a replay).
  DpopReplayCache* dpop_replay = nullptr;
  // dpop_shared_replay spends proofs across instances (Redis) after dpop_replay did here; null
  // without `redis`. Used as the state's dpop.replay says.
  redis::DpopReplayStore* dpop_shared_replay = nullptr;
  // log_committer makes revocations durable (null: they are not; no denylist.log).
  revocation::LogCommitter* log_committer = nullptr;
  // revocation_sync shares revocations with other instances; null without `redis`.
  revocation::RevocationSync* revocation_sync = nullptr;
  // redis_health fills /readyz's "redis" object (null without `redis`; serve_command.cc).
  std::function<RedisHealth(std::string& json)> redis_health;
  // gauges fills the scrape-time gauges the routes cannot see (connections, reloads).
  std::function<void(MetricsGauges&)> gauges;
  // clock returns Unix seconds (tests pin it).
  std::function<int64_t()> clock;
  // log_notes: fill Response::log_note (token digest + result) for the access log.
  bool log_notes = false;
  // backchannel_logout_path: where logout tokens arrive (fixed at start).
  std::string backchannel_logout_path = LogoutReceiverConfig().path;
};

class RouteContext {
 public:
  // Redispatch runs a request through the routes again (after a deferred wait).
  using Redispatch = std::function<void(const http::Request&, http::Response&)>;

  RouteContext(RouteDeps deps, int workers, Redispatch redispatch);
  ~RouteContext();
  RouteContext(const RouteContext&) = delete;
  RouteContext& operator=(const RouteContext&) = delete;

  const RouteDeps& deps() const { return deps_; }
  WorkerContext& worker(int index) { return *workers_[static_cast<size_t>(index)]; }

  // Judge decides on `token` for a route: a JWT by its issuer's Validator — waiting once for
  // a key refetch when its kid is unknown (AwaitKeys) —, an opaque token (or any token of an
  // `opaque` issuer) by the issuer's introspection endpoint. false: the request was deferred, and
  // the route returns at once without touching the response; it runs again (Resume) when the wait
  // is over. `requirements` gives the request's own requirements for the chosen issuer.
  bool Judge(const http::Request& request, std::string_view token, int64_t now,
             const ServerState& state, WorkerContext& ctx, TokenVerdict& verdict,
             const RequirementsFor& requirements = {});
  // JudgeUpstream is Judge for a token `issuer`'s endpoint judges. Without
  // `honour_revocations` our own revocations are not consulted: the issuer's answer alone
  // decides (/revoke forwarding them to the issuer, which must reach it again on a retry).
  bool JudgeUpstream(const http::Request& request, std::string_view token, int issuer, int64_t now,
                     const ServerState& state, WorkerContext& ctx, TokenVerdict& verdict,
                     const RequirementsFor& requirements = {}, bool honour_revocations = true);
  // AnswersUnavailable tells whether a verdict the issuer could not reach is answered 503
  // (else as an inactive / invalid token): always for missing keys, an unsettled kid or an
  // unanswered DPoP replay check; for an upstream failure, as the issuer's
  // introspection.on_upstream_error says.
  static bool AnswersUnavailable(const TokenVerdict& verdict, const ServerState& state,
                                 bool introspect);
  // RecordRevocations puts `revocations` in effect at once (denylist), makes the new ones
  // durable off the event loop (LogCommitter: group-committed with every other revocation in
  // flight), then shares them with the other instances (Redis). `answer(status, response)`
  // fills the response once that is settled: an error (the denylist is full, the log failed
  // or took longer than kCommitWaitMs) is a 503 the caller should retry. true: `answer` has
  // run already; false: the request was deferred and the route returns at once.
  using RecordedAnswer = std::function<void(const absl::Status&, http::Response&)>;
  static constexpr uint32_t kCommitWaitMs = 10000;
  bool RecordRevocations(const http::Request& request, http::Response& response,
                         std::vector<revocation::Revocation> revocations, int64_t now,
                         const RecordedAnswer& answer);
  // Resume re-runs a deferred request on its worker with what the wait produced.
  void Resume(const http::Request& request, http::Response& response,
              WorkerContext::Resumed resumed);

 private:
  // AwaitKeys settles a JWT whose kid the published keys of `live` lack: by waiting for a
  // refetch (false: deferred, as Judge), by the refetch it waited for, or as unavailable.
  bool AwaitKeys(const http::Request& request, LiveIssuer& live, int64_t wait_ms,
                 WorkerContext& ctx, TokenVerdict& verdict);
  // JudgeAnswer judges an active upstream answer by the issuer's policy, the attribute
  // revocations of `denylist` and the request's requirements (the core's claim rules, on the
  // answer read by the core's claims reader).
  static void JudgeAnswer(const UpstreamAnswer& answer, int64_t now, const Policy& policy,
                          const Denylist& denylist, WorkerContext& ctx, TokenVerdict& verdict,
                          const Requirements& requirements);

  RouteDeps deps_;
  std::vector<std::unique_ptr<WorkerContext>> workers_;
  Redispatch redispatch_;
};

// AttributeRevocation is the revocation of every token of `issuer` whose `attribute` is
// `value`, issued until `issued_until`: kept for the issuer's max_token_lifetime_seconds (plus
// leeway) past that time, when every token it covers has expired.
revocation::Revocation AttributeRevocation(const ServerState& state, int issuer,
                                           RevokedAttribute attribute, std::string_view value,
                                           int64_t issued_until);

// RevocationUnavailable answers a revocation that could not be recorded (`status`): 503
// with Retry-After, naming a full denylist or a log that failed.
void RevocationUnavailable(const absl::Status& status, http::Response& response);

// RecordedReply is how a route answers once its revocations are settled: 503 to retry on an
// error (RevocationUnavailable), else 200 with `body` (JSON; none: no content). The access log
// note made before the wait goes on, with `suffix` on success when notes are kept.
struct RecordedReplyOptions {
  std::string note;    // the log note so far
  std::string suffix;  // appended on success, e.g. " revoked"
  bool log_notes = false;
  std::string body;       // "" = no content
  bool no_store = false;  // Cache-Control: no-store on every answer
};
RouteContext::RecordedAnswer RecordedReply(RecordedReplyOptions options);

// SetError fills a JSON error response {"error": code, "error_description": description}.
void SetError(http::Response& response, int status, std::string_view code,
              std::string_view description);
// TokenDigest is a short, non-reversible name of a token for logs: the first 12 hex digits
// of its SHA-256.
std::string TokenDigest(std::string_view token);
// Unavailable answers 503 temporarily_unavailable for an unavailable `verdict`: its issuer
// cannot judge the token now. The description and Retry-After are the verdict's when it has
// them (else a generic text and 5 s).
void Unavailable(http::Response& response, const TokenVerdict& verdict);
// OpaqueRevocationKey is the denylist key of a token judged by `issuer`'s introspection
// endpoint: the digest of the issuer and the whole token (there is no verified jti).
Denylist::Key OpaqueRevocationKey(std::string_view issuer, std::string_view token);
// OpaqueIssuerFor returns the issuer whose introspection endpoint judges `token`: the
// configured opaque_issuer for a token that is not a compact JWS; for a JWS, the issuer its
// unverified `iss` names exactly when that issuer is `opaque` (or has no keys); else -1.
int OpaqueIssuerFor(std::string_view token, const ServerState& state, WorkerContext& ctx);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ROUTE_CONTEXT_H_
