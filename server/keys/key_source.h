// File: server/keys/key_source.h
// -----------------------------------------------------------------------------
// IssuerKeySource keeps one issuer's fetched JWK Set current, on a thread of its own:
//   - the first fetch at Start; with discovery, the issuer's metadata first (its `issuer` must
//     be the configured one exactly), then its jwks_uri;
//   - refreshes when the set's freshness (Cache-Control / Expires, clamped to [min, max], the
//     default when the response gives none) is 90% spent, with If-None-Match: a 304 or an
//     identical body keeps the published set (and the validators' caches);
//   - RequestRefetch for a token with an unknown kid: a fetch that starts after the request
//     arrived, at most one per cooldown (due at the cooldown's end when one is cooling down),
//     shared by every request that arrives before it starts (refetch.h);
//   - failures keep the last good set until max_stale after the last success (stale-if-error),
//     then drop it; retries back off exponentially with jitter, after one quick retry of a
//     transient failure; an optional fallback set serves only while no good remote set does.
// Every change of the published set goes to the attached Validators (UpdateKeys), which drop
// cache entries verified under the old set. Every transition is logged and counted.
// Thread-safety: all public methods may be called from any thread.
#ifndef TOKENWARDEN_SERVER_KEYS_KEY_SOURCE_H_
#define TOKENWARDEN_SERVER_KEYS_KEY_SOURCE_H_

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "core/clock.h"
#include "core/key_set.h"
#include "core/validator.h"
#include "server/fetch/fetcher.h"
#include "server/keys/refetch.h"

namespace tokenwarden::server::keys {

// KeyEvent labels tokenwarden_jwks_events_total and the log lines.
enum class KeyEvent {
  kRefreshed,  // a new document with the same kids
  kUnchanged,  // 304, or the same document
  kRotated,    // the kids changed
  kFailed,     // an attempt failed (after its quick retry)
  kStale,      // the published set outlived a failed refresh (counted once per outage)
  kRecovered,  // success after failures
  kDropped,    // max staleness passed: the remote set is no longer used
};
inline constexpr int kNumKeyEvents = 7;
std::string_view KeyEventName(KeyEvent event);

struct KeySourceConfig {
  std::string issuer;
  bool discovery = false;  // else jwks_uri
  std::string jwks_uri;
  bool allow_plain_http = false;
  int64_t min_refresh_ms = 60000;
  int64_t max_refresh_ms = 86400000;
  int64_t default_refresh_ms = 3600000;
  int64_t cooldown_ms = 30000;  // between the starts of two unknown-kid refetches
  int64_t max_stale_ms = 86400000;
  int64_t quick_retry_ms = 1000;
  int64_t backoff_initial_ms = 1000;
  int64_t backoff_max_ms = 300000;
  std::shared_ptr<const KeySet> fallback;  // may be null
  // unix_now is the wall clock (whole Unix seconds) for the freshness headers and the status
  // timestamps; injected so tests can pin it. Schedules use the steady clock, never this.
  std::function<int64_t()> unix_now = UnixNow;
};

struct KeySourceStatus {
  bool usable = false;            // keys are published (remote or fallback)
  bool stale = false;             // serving a set past a failed refresh or its freshness
  bool using_fallback = false;    // the fallback set is published
  bool attempted = false;         // the first attempt has finished
  int64_t last_success_unix = 0;  // 0 = never
  int64_t last_attempt_unix = 0;
  int64_t now_unix = 0;  // the injected clock when the status was taken (for ages)
  int64_t next_attempt_in_ms = 0;
  int consecutive_failures = 0;
  size_t keys = 0;
  std::vector<std::string> kids;
  std::string last_error;              // "" after a success
  std::string jwks_uri;                // as configured or discovered
  std::string introspection_endpoint;  // from discovery
  std::string revocation_endpoint;     // from discovery
  std::array<uint64_t, kNumKeyEvents> events = {};
};

class IssuerKeySource {
 public:
  using Logger = std::function<void(std::string_view line)>;

  // kMaxRefetchWaiters bounds the requests waiting for one refetch (each is a parked
  // connection, already bounded by limits.max_connections); more are answered at once.
  static constexpr size_t kMaxRefetchWaiters = 16384;

  static absl::StatusOr<std::unique_ptr<IssuerKeySource>> Create(
      KeySourceConfig config, std::shared_ptr<fetch::Fetcher> fetcher, Logger log);
  ~IssuerKeySource();  // Stop()s

  // Start runs the fetch thread (the first fetch at once).
  void Start();
  // Stop wakes the thread and joins it; a fetch under way ends within its own timeout.
  // Queued RequestRefetch callbacks run with `fetched` false. Idempotent.
  void Stop();

  // Attach makes `validator` follow the published set (now, and on every change).
  void Attach(std::weak_ptr<Validator> validator);
  // RequestRefetch asks for a fetch that starts after this call, because a token named a kid
  // the published set lacks. Every request shares the one due: now, or the end of the
  // cooldown since the last such fetch started (a refresh that comes first serves instead),
  // so junk kids cost the issuer at most one fetch per cooldown. `done` is queued when that
  // fetch starts within `max_wait_ms` (and fewer than kMaxRefetchWaiters wait); it then runs
  // on the fetch thread when the fetch ends. A null `done` only schedules the fetch.
  RefetchTicket RequestRefetch(int64_t max_wait_ms, std::function<void(const RefetchResult&)> done);
  // RefetchDueInMs is how long until a fetch that settles a kid seen now starts: 0 while one
  // is under way for kids already seen, else as RequestRefetch would answer. For Retry-After.
  int64_t RefetchDueInMs() const;
  // Current is the published set (KeySet::Empty() when none).
  std::shared_ptr<const KeySet> Current() const;
  KeySourceStatus Status() const;

 private:
  struct Outcome;
  // Waiter is one queued RequestRefetch: `after` is the number of fetches started when it was
  // queued, so the fetch numbered after + 1 is the first to start after it.
  struct Waiter {
    uint64_t after = 0;
    std::function<void(const RefetchResult&)> done;
  };
  IssuerKeySource(KeySourceConfig config, std::shared_ptr<fetch::Fetcher> fetcher, Logger log);
  void Run();
  Outcome FetchOnce(bool conditional);
  absl::StatusOr<fetch::FetchResponse> Get(const std::string& url, bool conditional, bool& retried);
  void Apply(Outcome outcome, int64_t now_ms);
  void Publish(std::shared_ptr<const KeySet> keys);     // mu_ held
  void Count(KeyEvent event, std::string_view detail);  // mu_ held
  int64_t NowMs() const;
  // mu_ held: NextStartMs is when Run starts its next fetch (a refresh or a refetch);
  // RefetchStartMs when the fetch that settles a kid seen at `now` starts.
  int64_t NextStartMs() const;
  int64_t RefetchStartMs(int64_t now) const;
  bool WaitMs(int64_t ms);  // false when stopping

  const KeySourceConfig config_;
  const std::shared_ptr<fetch::Fetcher> fetcher_;
  const Logger log_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool started_ = false;
  std::thread thread_;
  // Guarded by mu_:
  std::shared_ptr<const KeySet> published_;
  std::shared_ptr<const KeySet> remote_;  // the last good remote set
  std::string remote_body_;
  std::string etag_;
  std::string jwks_uri_;
  std::string introspection_endpoint_;
  std::string revocation_endpoint_;
  std::vector<std::weak_ptr<Validator>> validators_;
  std::vector<Waiter> waiters_;
  // refetch_due_ms_: when the requested unknown-kid refetch starts; kNoRefetch when none is.
  static constexpr int64_t kNoRefetch = INT64_MAX;
  int64_t refetch_due_ms_ = kNoRefetch;
  uint64_t fetches_started_ = 0;
  bool in_flight_ = false;
  bool stale_counted_ = false;
  bool dropped_ = false;
  int64_t last_refetch_ms_ = INT64_MIN / 2;
  int64_t last_success_ms_ = 0;
  int64_t fresh_until_ms_ = 0;
  int64_t next_fetch_ms_ = 0;
  KeySourceStatus status_;
};

}  // namespace tokenwarden::server::keys

#endif  // TOKENWARDEN_SERVER_KEYS_KEY_SOURCE_H_
