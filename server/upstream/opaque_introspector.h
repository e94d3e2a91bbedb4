// File: server/upstream/opaque_introspector.h
// -----------------------------------------------------------------------------
// OpaqueIntrospector asks one issuer's RFC 7662 endpoint about tokens tokenwarden cannot
// verify itself, with tokenwarden's own client credentials, and remembers the answers:
//   - active answers until min(exp, now + cache_ttl); inactive ones (a bare
//     {"active":false} included) for negative_ttl; failures never;
//   - cache keys are SHA-256 digests of the issuer and the token — the token itself is never
//     stored, nor logged (a 12-hex digest prefix at most);
//   - the upstream answers with our credentials, so its answer is the same whoever asks:
//     the server applies each caller's limits after the lookup, and the digest is the key;
//   - concurrent lookups of one token share one upstream call (single-flight);
//   - calls run on the introspector's own threads, with a bounded queue: when it is full,
//     the lookup fails at once ("overloaded") rather than waiting without bound;
//   - a revocation of such a token may be forwarded to the issuer's RFC 7009 endpoint
//     (Revoke): same credentials, threads and queue; once the issuer has revoked it, its
//     remembered answer is dropped here and from the shared tier.
// Thread-safety: all public methods may be called from any thread.
#ifndef TOKENWARDEN_SERVER_UPSTREAM_OPAQUE_INTROSPECTOR_H_
#define TOKENWARDEN_SERVER_UPSTREAM_OPAQUE_INTROSPECTOR_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <absl/status/statusor.h>

#include "server/fetch/fetcher.h"
#include "server/upstream/client_request.h"
#include "server/upstream/introspection_response.h"
#include "server/upstream/revocation_response.h"
#include "server/upstream/shared_result_store.h"

namespace tokenwarden::server::upstream {

struct UpstreamConfig {
  std::string issuer;
  // endpoint, or (when empty) endpoint_provider() at each call: the discovery document's
  // introspection_endpoint, known once the issuer's metadata was fetched.
  std::string endpoint;
  std::function<std::string()> endpoint_provider;
  // revocation_endpoint, or (when empty) revocation_endpoint_provider() at each call (the
  // discovery document's; unset: none). Only Revoke uses them.
  std::string revocation_endpoint;
  std::function<std::string()> revocation_endpoint_provider;
  std::string client_id;
  std::string client_secret;
  ClientAuth auth = ClientAuth::kBasic;
  int64_t cache_ttl_ms = 300000;
  int64_t negative_ttl_ms = 10000;
  size_t max_entries = 1 << 16;
  // shared: a second tier other instances fill too (server/redis); null = this cache only.
  std::shared_ptr<SharedResultStore> shared;
  // threads: upstream calls at once; the fetcher keeps at most as many connections.
  size_t threads = 2;
  size_t max_queue = 1024;
};

struct UpstreamOutcome {
  enum class Kind { kActive, kInactive, kError };
  Kind kind = Kind::kError;
  std::shared_ptr<const IntrospectionResult> result;  // kActive (and a parsed kInactive)
  std::string error;                                  // kError; never secrets or tokens
};

struct UpstreamStats {
  uint64_t calls = 0;  // upstream requests made
  uint64_t active = 0, inactive = 0, errors = 0;
  uint64_t cache_hits = 0;
  uint64_t coalesced = 0;   // lookups that joined a call under way
  uint64_t overloaded = 0;  // lookups refused: the queue was full
  // Forwarded revocations, by what the revocation endpoint said (RevocationOutcome::Kind).
  uint64_t revoked = 0, revoke_unsupported = 0, revoke_errors = 0;
  // A full cache: passes over it for expired answers (at most one a second), and answers
  // still in force dropped to make room.
  uint64_t sweeps = 0, evicted = 0;
  size_t entries = 0;
  fetch::ConnectionStats connections;  // the fetcher's, to the endpoint
};

class OpaqueIntrospector {
 public:
  using Logger = std::function<void(std::string_view line)>;
  // Clock returns Unix milliseconds (tests pin it).
  using Clock = std::function<int64_t()>;

  static absl::StatusOr<std::unique_ptr<OpaqueIntrospector>> Create(
      UpstreamConfig config, std::shared_ptr<fetch::Fetcher> fetcher, Logger log,
      Clock clock = nullptr);
  ~OpaqueIntrospector();  // Stop()s

  // Cached returns the cached outcome for `token`, without I/O.
  std::optional<UpstreamOutcome> Cached(std::string_view token);
  // Lookup answers from the cache (calling `done` at once, on this thread) or asks the
  // upstream, joining a call under way for the same token; `done` then runs on an
  // introspector thread.
  void Lookup(std::string_view token, std::function<void(const UpstreamOutcome&)> done);
  // Revoke sends an RFC 7009 revocation of `token` (with `hint` as token_type_hint unless
  // empty) to the revocation endpoint from an introspector thread, and runs `done` there with
  // what the endpoint said; once it said kRevoked, the answer remembered for `token` (here and
  // in the shared tier) is gone. When the queue is full or the introspector stopping, `done`
  // runs at once on this thread with kError.
  void Revoke(std::string_view token, std::string_view hint,
              std::function<void(const RevocationOutcome&)> done);
  UpstreamStats Stats() const;
  // Stop ends the threads; lookups still waiting get kError ("shutting down"). Idempotent.
  void Stop();

 private:
  struct Entry {
    UpstreamOutcome outcome;
    int64_t expires_ms = 0;
  };
  // Task is a lookup, or with `revoked` set a revocation to forward.
  struct Task {
    std::string digest;
    std::string token;
    std::string hint;
    std::function<void(const RevocationOutcome&)> revoked;
  };
  OpaqueIntrospector(UpstreamConfig config, std::shared_ptr<fetch::Fetcher> fetcher, Logger log,
                     Clock clock);
  std::string DigestOf(std::string_view token) const;
  void Run();
  // Resolve answers a task from the shared tier or else the upstream; `expires_ms` is how
  // long the outcome may be remembered.
  UpstreamOutcome Resolve(const Task& task, int64_t& expires_ms);
  UpstreamOutcome Ask(const std::string& token, const std::string& digest);
  // Forward runs a revocation task (its `revoked` callback included).
  void Forward(const Task& task);
  RevocationOutcome AskRevocation(const Task& task);
  // Forget drops the answer remembered for `digest`, here and in the shared tier.
  void Forget(const std::string& digest);
  static UpstreamOutcome OutcomeOf(IntrospectionResult parsed);
  int64_t ExpiryOf(const UpstreamOutcome& outcome, int64_t now) const;
  void Remember(const std::string& digest, const UpstreamOutcome& outcome,
                int64_t expires);                                    // mu_ held
  std::optional<UpstreamOutcome> Lookup(const std::string& digest);  // mu_ held

  const UpstreamConfig config_;
  const std::shared_ptr<fetch::Fetcher> fetcher_;
  const Logger log_;
  const Clock clock_;

  mutable std::mutex mu_;
  std::condition_variable work_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::deque<Task> queue_;
  std::unordered_map<std::string, Entry> cache_;
  std::unordered_map<std::string, std::vector<std::function<void(const UpstreamOutcome&)>>>
      waiting_;
  UpstreamStats stats_;
  int64_t next_sweep_ms_ = 0;  // no pass over a full cache before this
};

}  // namespace tokenwarden::server::upstream

#endif  // TOKENWARDEN_SERVER_UPSTREAM_OPAQUE_INTROSPECTOR_H_
