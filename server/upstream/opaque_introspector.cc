#include "server/upstream/opaque_introspector.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <openssl/sha.h>

#include "base/basic_credentials.h"
#include "base/hex.h"
#include "base/str_cat.h"
#include "core/clock.h"

namespace tokenwarden::server::upstream {
namespace {

// kSweepIntervalMs: the least time between two passes over a full cache.
constexpr int64_t kSweepIntervalMs = 1000;

UpstreamOutcome Error(std::string message) {
  UpstreamOutcome out;
  out.kind = UpstreamOutcome::Kind::kError;
  out.error = std::move(message);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpaqueIntrospector>> OpaqueIntrospector::Create(
    UpstreamConfig config, std::shared_ptr<fetch::Fetcher> fetcher, Logger log, Clock clock) {
  if (fetcher == nullptr) {
    return absl::InvalidArgumentError("introspector needs a fetcher");
  }
  if (config.endpoint.empty() && !config.endpoint_provider) {
    return absl::InvalidArgumentError("introspector needs an endpoint");
  }
  if (config.client_id.empty() || config.client_secret.empty()) {
    return absl::InvalidArgumentError("introspector needs client credentials");
  }
  if (config.auth == ClientAuth::kBasicRaw && (!base::IsRawBasicUserId(config.client_id) ||
                                               !base::IsRawBasicPassword(config.client_secret))) {
    // The configuration refuses these first, naming the field; this keeps the header
    // unambiguous whoever builds the introspector.
    return absl::InvalidArgumentError(
        "client_secret_basic_raw cannot send a client id with ':' or a control character");
  }
  config.threads = std::max<size_t>(config.threads, 1);
  std::unique_ptr<OpaqueIntrospector> out(
      new OpaqueIntrospector(std::move(config), std::move(fetcher), std::move(log),
                             clock ? std::move(clock) : Clock(&UnixNowMs)));
  for (size_t i = 0; i < out->config_.threads; ++i) {
    out->threads_.emplace_back([raw = out.get()] { raw->Run(); });
  }
  return out;
}

OpaqueIntrospector::OpaqueIntrospector(UpstreamConfig config,
                                       std::shared_ptr<fetch::Fetcher> fetcher, Logger log,
                                       Clock clock)
    : config_(std::move(config)),
      fetcher_(std::move(fetcher)),
      log_(std::move(log)),
      clock_(std::move(clock)) {}

OpaqueIntrospector::~OpaqueIntrospector() { Stop(); }

void OpaqueIntrospector::Stop() {
  std::unordered_map<std::string, std::vector<std::function<void(const UpstreamOutcome&)>>>
      abandoned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      return;
    }
    stop_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) {
    t.join();
  }
  std::deque<Task> unsent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    abandoned.swap(waiting_);
    unsent.swap(queue_);
  }
  const UpstreamOutcome outcome = Error("shutting down");
  for (auto& [digest, callbacks] : abandoned) {
    for (const auto& done : callbacks) {
      done(outcome);
    }
  }
  RevocationOutcome not_sent;
  not_sent.error = "shutting down";
  for (const Task& task : unsent) {
    if (task.revoked) {
      task.revoked(not_sent);
    }
  }
}

std::string OpaqueIntrospector::DigestOf(std::string_view token) const {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, config_.issuer.data(), config_.issuer.size());
  SHA256_Update(&ctx, "\0", 1);
  SHA256_Update(&ctx, token.data(), token.size());
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256_Final(reinterpret_cast<uint8_t*>(digest.data()), &ctx);
  return digest;
}

std::optional<UpstreamOutcome> OpaqueIntrospector::Lookup(const std::string& digest) {
  const auto it = cache_.find(digest);
  if (it == cache_.end()) {
    return std::nullopt;
  }
  if (clock_() >= it->second.expires_ms) {
    cache_.erase(it);
    return std::nullopt;
  }
  ++stats_.cache_hits;
  return it->second.outcome;
}

std::optional<UpstreamOutcome> OpaqueIntrospector::Cached(std::string_view token) {
  const std::string digest = DigestOf(token);
  std::lock_guard<std::mutex> lock(mu_);
  return Lookup(digest);
}

void OpaqueIntrospector::Lookup(std::string_view token,
                                std::function<void(const UpstreamOutcome&)> done) {
  const std::string digest = DigestOf(token);
  std::optional<UpstreamOutcome> now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = Lookup(digest);
    if (!now.has_value()) {
      if (stop_) {
        now = Error("shutting down");
      } else if (auto it = waiting_.find(digest); it != waiting_.end()) {
        ++stats_.coalesced;
        it->second.push_back(std::move(done));
        return;
      } else if (queue_.size() >= config_.max_queue) {
        ++stats_.overloaded;
        ++stats_.errors;
        now = Error("too many introspection requests waiting (overloaded)");
      } else {
        waiting_[digest].push_back(std::move(done));
        queue_.push_back(Task{digest, std::string(token), {}, nullptr});
        work_.notify_one();
        return;
      }
    }
  }
  done(*now);
}

void OpaqueIntrospector::Revoke(std::string_view token, std::string_view hint,
                                std::function<void(const RevocationOutcome&)> done) {
  RevocationOutcome refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      refused.error = "shutting down";
    } else if (queue_.size() >= config_.max_queue) {
      ++stats_.overloaded;
      ++stats_.revoke_errors;
      refused.error = "too many upstream requests waiting (overloaded)";
    } else {
      queue_.push_back(
          Task{DigestOf(token), std::string(token), std::string(hint), std::move(done)});
      work_.notify_one();
      return;
    }
  }
  done(refused);
}

UpstreamStats OpaqueIntrospector::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  UpstreamStats out = stats_;
  out.entries = cache_.size();
  out.connections = fetcher_->Connections();
  return out;
}

void OpaqueIntrospector::Run() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) {
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    if (task.revoked) {
      Forward(task);
      continue;
    }
    int64_t expires_ms = 0;
    const UpstreamOutcome outcome = Resolve(task, expires_ms);
    std::vector<std::function<void(const UpstreamOutcome&)>> callbacks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      switch (outcome.kind) {
        case UpstreamOutcome::Kind::kActive:
          ++stats_.active;
          break;
        case UpstreamOutcome::Kind::kInactive:
          ++stats_.inactive;
          break;
        case UpstreamOutcome::Kind::kError:
          ++stats_.errors;
          break;
      }
      Remember(task.digest, outcome, expires_ms);
      if (auto it = waiting_.find(task.digest); it != waiting_.end()) {
        callbacks.swap(it->second);
        waiting_.erase(it);
      }
    }
    for (const auto& done : callbacks) {
      done(outcome);
    }
  }
}

int64_t OpaqueIntrospector::ExpiryOf(const UpstreamOutcome& outcome, int64_t now) const {
  int64_t expires = now;
  if (outcome.kind == UpstreamOutcome::Kind::kActive) {
    expires = now + config_.cache_ttl_ms;
    if (outcome.result->exp.has_value()) {
      expires = std::min(expires, *outcome.result->exp * 1000);
    }
  } else if (outcome.kind == UpstreamOutcome::Kind::kInactive) {
    expires = now + config_.negative_ttl_ms;
  }
  return expires;
}

UpstreamOutcome OpaqueIntrospector::Resolve(const Task& task, int64_t& expires_ms) {
  SharedResultStore* shared = config_.shared.get();
  const std::string key = shared != nullptr ? base::HexEncode(task.digest) : "";
  if (shared != nullptr) {
    if (std::optional<SharedResult> hit = shared->Get(key)) {
      absl::StatusOr<IntrospectionResult> parsed = ParseIntrospectionResponse(hit->json);
      if (parsed.ok()) {
        expires_ms = hit->expires_ms;
        return OutcomeOf(*std::move(parsed));
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.calls;
  }
  UpstreamOutcome outcome = Ask(task.token, task.digest);
  const int64_t now = clock_();
  expires_ms = ExpiryOf(outcome, now);
  if (shared != nullptr && outcome.result != nullptr && expires_ms > now) {
    shared->Put(key, SharedResult{expires_ms, outcome.result->json});
  }
  return outcome;
}

void OpaqueIntrospector::Remember(const std::string& digest, const UpstreamOutcome& outcome,
                                  int64_t expires) {
  const int64_t now = clock_();
  if (expires <= now) {
    return;  // failures, and a zero ttl, are not remembered
  }
  if (cache_.size() >= config_.max_entries) {
    // A pass reads every entry, under the lock the workers' lookups take: once per insert,
    // a stream of new tokens into a full cache (distinct opaque tokens at line rate) paid
    // it on every miss and stalled. At most one a second; between them, a victim.
    if (now >= next_sweep_ms_) {
      std::erase_if(cache_, [now](const auto& item) { return item.second.expires_ms <= now; });
      next_sweep_ms_ = now + kSweepIntervalMs;
      ++stats_.sweeps;
    }
    if (cache_.size() >= config_.max_entries) {
      cache_.erase(cache_.begin());  // an arbitrary victim: the hash spreads them evenly
      ++stats_.evicted;
    }
  }
  cache_[digest] = Entry{outcome, expires};
}

UpstreamOutcome OpaqueIntrospector::Ask(const std::string& token, const std::string& digest) {
  const std::string endpoint =
      config_.endpoint.empty() ? config_.endpoint_provider() : config_.endpoint;
  const std::string name = base::HexEncode(std::string_view(digest).substr(0, 6));
  auto fail = [&](std::string why) {
    if (log_) {
      log_(base::StrCat("issuer ", config_.issuer, ": introspection of token ", name,
                        " failed: ", why));
    }
    return Error(std::move(why));
  };
  if (endpoint.empty()) {
    return fail("the introspection endpoint is not known yet (discovery has not succeeded)");
  }
  absl::StatusOr<fetch::FetchResponse> response = fetcher_->Fetch(IntrospectionRequest(
      endpoint, token, config_.client_id, config_.client_secret, config_.auth));
  if (!response.ok()) {
    return fail(std::string(response.status().message()));
  }
  if (response->status == 401 || response->status == 403) {
    return fail(base::StrCat("HTTP ", response->status,
                             ": the issuer refused tokenwarden's client credentials"));
  }
  if (response->status != 200) {
    return fail(base::StrCat("HTTP ", response->status));
  }
  absl::StatusOr<IntrospectionResult> parsed = ParseIntrospectionResponse(response->body);
  if (!parsed.ok()) {
    return fail(std::string(parsed.status().message()));
  }
  return OutcomeOf(*std::move(parsed));
}

void OpaqueIntrospector::Forward(const Task& task) {
  const RevocationOutcome outcome = AskRevocation(task);
  {
    std::lock_guard<std::mutex> lock(mu_);
    switch (outcome.kind) {
      case RevocationOutcome::Kind::kRevoked:
        ++stats_.revoked;
        break;
      case RevocationOutcome::Kind::kUnsupportedTokenType:
        ++stats_.revoke_unsupported;
        break;
      case RevocationOutcome::Kind::kError:
        ++stats_.revoke_errors;
        break;
    }
  }
  if (outcome.kind == RevocationOutcome::Kind::kRevoked) {
    // The issuer's answer has changed: the next lookup must ask it again.
    Forget(task.digest);
  }
  task.revoked(outcome);
}

RevocationOutcome OpaqueIntrospector::AskRevocation(const Task& task) {
  std::string endpoint = config_.revocation_endpoint;
  if (endpoint.empty() && config_.revocation_endpoint_provider) {
    endpoint = config_.revocation_endpoint_provider();
  }
  RevocationOutcome out;
  if (endpoint.empty()) {
    out.error = "the revocation endpoint is not known (discovery has not named one)";
  } else {
    absl::StatusOr<fetch::FetchResponse> response = fetcher_->Fetch(RevocationRequest(
        endpoint, task.token, task.hint, config_.client_id, config_.client_secret, config_.auth));
    if (response.ok()) {
      out = ReadRevocationResponse(*response);
    } else {
      out.error = std::string(response.status().message());
    }
  }
  if (out.kind != RevocationOutcome::Kind::kRevoked && log_) {
    log_(base::StrCat("issuer ", config_.issuer, ": revocation of token ",
                      base::HexEncode(std::string_view(task.digest).substr(0, 6)), " failed: ",
                      out.kind == RevocationOutcome::Kind::kUnsupportedTokenType
                          ? "unsupported_token_type"
                          : out.error));
  }
  return out;
}

void OpaqueIntrospector::Forget(const std::string& digest) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.erase(digest);
  }
  if (config_.shared != nullptr) {
    config_.shared->Delete(base::HexEncode(digest));
  }
}

UpstreamOutcome OpaqueIntrospector::OutcomeOf(IntrospectionResult parsed) {
  // What the upstream said, as it said it: whether an active answer still meets the issuer's
  // policy (its exp with the leeway among the rest) is the core's rule, applied by the routes
  // on every use of the answer, cached or not (core/policy.h, CheckIntrospectedClaims).
  UpstreamOutcome out;
  out.kind = parsed.active ? UpstreamOutcome::Kind::kActive : UpstreamOutcome::Kind::kInactive;
  out.result = std::make_shared<const IntrospectionResult>(std::move(parsed));
  return out;
}

}  // namespace tokenwarden::server::upstream
